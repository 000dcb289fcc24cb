package primarybackup

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/clock"
)

// Options configures a primary-backup cluster. The zero value is the
// synchronous protocol with the view service's usual timing: servers ping
// every 50ms, a server silent for 250ms is dead, the primary resends what
// its backup has not acknowledged every 20ms.
type Options struct {
	// Async makes the primary answer a client as soon as it has applied the
	// operation, and forward it to the backup in the background
	// (primary-backup-async). False: it answers only after the backup
	// acknowledged (primary-backup).
	Async bool
	// PingInterval is how often every server pings the view service, and
	// how often the view service looks for dead servers. Zero means 50ms.
	PingInterval clock.Duration
	// DeadTimeout is how long the view service waits without a ping before
	// it declares a server dead (counted in its own ticks, so clock jumps do
	// not matter). Zero means 250ms: five pings missed, as the MIT 6.824
	// view service's DeadPings.
	DeadTimeout clock.Duration
	// RetryInterval is how often a primary resends the state transfer or
	// the forwards its backup has not acknowledged. Zero means 20ms.
	RetryInterval clock.Duration
	// MaxBatch caps the entries of one Forward. Zero means 64.
	MaxBatch int
	// Bug switches on one of the named bug variants; "" is correct code.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("primarybackup: bad options")

// Validate reports options that cannot work.
func (o Options) Validate() error {
	d := o.withDefaults()
	switch {
	case o.PingInterval < 0 || o.DeadTimeout < 0 || o.RetryInterval < 0:
		return fmt.Errorf("%w: negative duration", ErrBadOptions)
	case o.MaxBatch < 0:
		return fmt.Errorf("%w: MaxBatch %d is negative", ErrBadOptions, o.MaxBatch)
	case d.DeadTimeout < 2*d.PingInterval:
		// One lost ping would make a live server dead.
		return fmt.Errorf("%w: dead timeout %v is under two ping intervals (%v)", ErrBadOptions, d.DeadTimeout, d.PingInterval)
	}
	if _, err := parseBug(o.Bug, o.Async); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.PingInterval == 0 {
		o.PingInterval = 50 * clock.Millisecond
	}
	if o.DeadTimeout == 0 {
		o.DeadTimeout = 250 * clock.Millisecond
	}
	if o.RetryInterval == 0 {
		o.RetryInterval = 20 * clock.Millisecond
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = 64
	}
	return o
}

// deadTicks is how many view-service ticks without a ping make a server
// dead.
func (o Options) deadTicks() int {
	return int((o.DeadTimeout + o.PingInterval - 1) / o.PingInterval)
}
