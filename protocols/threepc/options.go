package threepc

import (
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Options configures a 3PC world: the bank (embedded) and the protocol's
// timeouts. Every zero value has a default.
type Options struct {
	bank.World
	// VoteTimeout is how long the coordinator waits for all votes before it
	// aborts. Zero: 200ms.
	VoteTimeout clock.Duration
	// AckTimeout is how long the coordinator waits for PreCommit acks before
	// committing anyway: a participant that does not ack is presumed crashed
	// and will learn the outcome when it recovers. With no ack at all it
	// resends PreCommit and waits again instead: then nobody is known to be
	// pre-committed, and committing could contradict the participants'
	// termination. Zero: 200ms.
	AckTimeout clock.Duration
	// ResendInterval is how often the coordinator resends DoCommit to
	// participants that have not confirmed, and a restarted coordinator
	// repeats its queries. Zero: 200ms.
	ResendInterval clock.Duration
	// TerminationTimeout is how long a prepared participant waits for the
	// coordinator (or the current recovery coordinator) before it suspects
	// it and moves to the next termination round. Zero: 400ms.
	TerminationTimeout clock.Duration
	// CollectTimeout is how long a recovery coordinator waits for states,
	// then for acks, before acting on what it has. Zero: 200ms.
	CollectTimeout clock.Duration
	// Bug must be empty: 3PC has no bug variants (Bugs is empty). Its
	// unsafety under partitions is the protocol, not a bug.
	Bug string
}

// Defaults for the zero values of Options.
const (
	DefaultVoteTimeout        = 200 * clock.Millisecond
	DefaultAckTimeout         = 200 * clock.Millisecond
	DefaultResendInterval     = 200 * clock.Millisecond
	DefaultTerminationTimeout = 400 * clock.Millisecond
	DefaultCollectTimeout     = 200 * clock.Millisecond
)

// WithDefaults returns o with every zero field replaced by its default.
func (o Options) WithDefaults() Options {
	o.World = o.World.WithDefaults()
	for _, f := range []struct {
		v *clock.Duration
		d clock.Duration
	}{
		{&o.VoteTimeout, DefaultVoteTimeout}, {&o.AckTimeout, DefaultAckTimeout},
		{&o.ResendInterval, DefaultResendInterval}, {&o.TerminationTimeout, DefaultTerminationTimeout},
		{&o.CollectTimeout, DefaultCollectTimeout},
	} {
		if *f.v == 0 {
			*f.v = f.d
		}
	}
	return o
}

// Validate reports the first option out of range or an unknown bug.
func (o Options) Validate() error {
	if err := o.World.Validate(); err != nil {
		return fmt.Errorf("threepc: %w", err)
	}
	for _, d := range []clock.Duration{o.VoteTimeout, o.AckTimeout, o.ResendInterval, o.TerminationTimeout, o.CollectTimeout} {
		if d < 0 {
			return fmt.Errorf("threepc: timeout %v is negative", d)
		}
	}
	if o.Bug != "" && !slices.ContainsFunc(Bugs, func(b protocols.Bug) bool { return b.Name == o.Bug }) {
		return fmt.Errorf("threepc: unknown bug %q", o.Bug)
	}
	return nil
}
