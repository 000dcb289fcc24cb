package chain

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/clock"
)

// Options configures a chain. The zero value is chain replication with a
// chain of three, the master's usual timing, and reads at the tail only.
type Options struct {
	// CRAQ lets every chain node answer reads (Terrace & Freedman's
	// apportioned queries): a node whose latest version of the key is clean
	// (acknowledged by the tail) answers from its own state; one whose
	// latest version is dirty asks the tail which version is committed.
	// False: only the tail answers reads (chain).
	CRAQ bool
	// Length is how many servers the master keeps in the chain, adding
	// idle servers at the tail when members fail. Zero means 3.
	Length int
	// PingInterval is how often every server pings the master, and how
	// often the master looks for dead servers. Zero means 50ms.
	PingInterval clock.Duration
	// Lease is how long a server may answer reads after it sent a ping
	// that the master answered with a lease, by its own timers. Zero means
	// 100ms.
	Lease clock.Duration
	// DeadTimeout is how long the master waits without a ping before it
	// removes a server from the chain (counted in its own ticks). It must
	// cover the lease even if the server's clock runs at half speed and
	// the master's at one and a half (clock.MaxDriftPPM): at least
	// 3×Lease + PingInterval. Zero means that minimum.
	DeadTimeout clock.Duration
	// RetryInterval is how often a server resends what its successor has
	// not passed on to the tail, and repeats an unanswered sync request.
	// Zero means 25ms.
	RetryInterval clock.Duration
	// MaxBatch caps the entries of one Forward, except the catch-up of a
	// successor that asked for everything after its log. Zero means 64.
	MaxBatch int
	// Bug switches on one of the named bug variants; "" is correct code.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("chain: bad options")

// Validate reports options that cannot work.
func (o Options) Validate() error {
	d := o.withDefaults()
	switch {
	case o.Length < 0 || o.MaxBatch < 0:
		return fmt.Errorf("%w: negative count", ErrBadOptions)
	case o.PingInterval < 0 || o.Lease < 0 || o.DeadTimeout < 0 || o.RetryInterval < 0:
		return fmt.Errorf("%w: negative duration", ErrBadOptions)
	case d.Lease < d.PingInterval:
		return fmt.Errorf("%w: lease %v is shorter than the ping interval %v: leases would lapse between pings", ErrBadOptions, d.Lease, d.PingInterval)
	case d.DeadTimeout < 3*d.Lease+d.PingInterval:
		// A server's lease may run twice as long as granted (its clock at
		// half speed), the master's ticks as fast as 2/3 of their length:
		// the master must not reconfigure until every lease it granted a
		// server it removes has surely lapsed.
		return fmt.Errorf("%w: dead timeout %v is under 3×lease + ping interval (%v): a removed server could still hold a lease",
			ErrBadOptions, d.DeadTimeout, 3*d.Lease+d.PingInterval)
	}
	if _, err := parseBug(o.Bug, o.CRAQ); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Length == 0 {
		o.Length = 3
	}
	if o.PingInterval == 0 {
		o.PingInterval = 50 * clock.Millisecond
	}
	if o.Lease == 0 {
		o.Lease = 100 * clock.Millisecond
	}
	if o.DeadTimeout == 0 {
		o.DeadTimeout = 3*o.Lease + o.PingInterval
	}
	if o.RetryInterval == 0 {
		o.RetryInterval = 25 * clock.Millisecond
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = 64
	}
	return o
}

// deadTicks is how many master ticks without a ping make a server dead.
// One more than the timeout's worth, because the first tick after a ping
// may come at once.
func (o Options) deadTicks() int {
	return int((o.DeadTimeout+o.PingInterval-1)/o.PingInterval) + 1
}
