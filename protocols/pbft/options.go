package pbft

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/clock"
)

// Options configures a PBFT cluster. The zero value is correct PBFT with
// a checkpoint every 16 requests, a log window of 64, a 200ms request
// timeout, a 400ms view-change timeout and status messages every 100ms.
type Options struct {
	// CheckpointInterval is K: a replica takes a checkpoint after executing
	// every K-th sequence number, and the log below a stable checkpoint is
	// discarded. Zero means 16.
	CheckpointInterval int
	// Window is L: a replica accepts sequence numbers in (h, h+L], h being
	// its last stable checkpoint (the watermarks), so a faulty primary cannot
	// exhaust the sequence numbers and the log stays bounded. It must be at
	// least 2K, so that the next checkpoint can become stable while the
	// primary goes on assigning. Zero means 4K.
	Window int
	// RequestTimeout is how long a backup waits for a request it received
	// to execute before it suspects the primary and starts a view change.
	// Zero means 200ms.
	RequestTimeout clock.Duration
	// ViewChangeTimeout is how long a replica waits for the new view once
	// 2f+1 replicas asked for it, before moving on to the next view; it
	// doubles with each view change that fails to execute a request, up to
	// 8 times. Zero means 400ms.
	ViewChangeTimeout clock.Duration
	// StatusInterval is how often a replica tells the others its view,
	// stable checkpoint and last executed sequence number, so they resend
	// what it missed. Zero means 100ms.
	StatusInterval clock.Duration
	// Bug switches on one of the named bug variants in Bugs; "" is correct
	// PBFT.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("pbft: bad options")

// Validate reports options that cannot work, after filling in defaults.
func (o Options) Validate() error {
	d := o.withDefaults()
	switch {
	case o.CheckpointInterval < 0 || o.Window < 0:
		return fmt.Errorf("%w: negative checkpoint interval or window", ErrBadOptions)
	case o.RequestTimeout < 0 || o.ViewChangeTimeout < 0 || o.StatusInterval < 0:
		return fmt.Errorf("%w: negative duration", ErrBadOptions)
	case d.Window < 2*d.CheckpointInterval:
		return fmt.Errorf("%w: window %d is below twice the checkpoint interval %d", ErrBadOptions, d.Window, d.CheckpointInterval)
	}
	if _, err := parseBug(o.Bug); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = 16
	}
	if o.Window == 0 {
		o.Window = 4 * o.CheckpointInterval
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 200 * clock.Millisecond
	}
	if o.ViewChangeTimeout == 0 {
		o.ViewChangeTimeout = 400 * clock.Millisecond
	}
	if o.StatusInterval == 0 {
		o.StatusInterval = 100 * clock.Millisecond
	}
	return o
}
