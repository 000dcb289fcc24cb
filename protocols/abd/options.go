package abd

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/clock"
)

// Options configures an ABD cluster. The zero value is correct ABD that
// resends unanswered phase messages every 20ms and forgets an operation
// after 500ms.
type Options struct {
	// Resend is how often a coordinator resends a phase's message to the
	// servers that have not answered it (messages get lost). Zero means
	// 20ms, a few round trips.
	Resend clock.Duration
	// AbortAfter is how long an operation may wait for a majority to
	// answer its query phase before the coordinator gives up on it and
	// tells the client to try another server. Nothing is stored before
	// that phase ends, so the abandoned attempt certainly has no effect.
	// Counted in resend ticks. Zero means 60ms: below the client's 100ms
	// timeout, so the client moves on rather than retrying here.
	AbortAfter clock.Duration
	// Bug switches on one of the named bug variants in Bugs; "" is
	// correct ABD.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("abd: bad options")

// Validate reports options that cannot work.
func (o Options) Validate() error {
	switch {
	case o.Resend < 0 || o.AbortAfter < 0:
		return fmt.Errorf("%w: negative duration", ErrBadOptions)
	}
	if _, err := parseBug(o.Bug); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Resend == 0 {
		o.Resend = 20 * clock.Millisecond
	}
	if o.AbortAfter == 0 {
		o.AbortAfter = 60 * clock.Millisecond
	}
	return o
}
