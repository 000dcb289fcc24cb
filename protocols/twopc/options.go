package twopc

import (
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Options configures a 2PC world: the bank (embedded), the protocol's
// timeouts and an optional bug. Every zero value has a default.
type Options struct {
	bank.World
	// VoteTimeout is how long the coordinator waits for all votes before it
	// aborts. Zero: 200ms.
	VoteTimeout clock.Duration
	// ResendInterval is how often the coordinator resends a commit decision
	// to participants that have not acknowledged it. Zero: 200ms.
	ResendInterval clock.Duration
	// QueryInterval is how often a prepared participant asks the coordinator
	// for the decision. Zero: 300ms.
	QueryInterval clock.Duration
	// Bug switches on one of the deliberate bugs in Bugs, by name; "" runs
	// the correct protocol.
	Bug string
}

// Defaults for the zero values of Options.
const (
	DefaultVoteTimeout    = 200 * clock.Millisecond
	DefaultResendInterval = 200 * clock.Millisecond
	DefaultQueryInterval  = 300 * clock.Millisecond
)

// BlockedAfter is how many unanswered queries make a prepared participant
// report the "blocked-prepared" probe.
const BlockedAfter = 3

// WithDefaults returns o with every zero field replaced by its default.
func (o Options) WithDefaults() Options {
	o.World = o.World.WithDefaults()
	if o.VoteTimeout == 0 {
		o.VoteTimeout = DefaultVoteTimeout
	}
	if o.ResendInterval == 0 {
		o.ResendInterval = DefaultResendInterval
	}
	if o.QueryInterval == 0 {
		o.QueryInterval = DefaultQueryInterval
	}
	return o
}

// Validate reports the first option out of range or an unknown bug.
func (o Options) Validate() error {
	if err := o.World.Validate(); err != nil {
		return fmt.Errorf("twopc: %w", err)
	}
	switch {
	case o.VoteTimeout < 0:
		return fmt.Errorf("twopc: VoteTimeout %v is negative", o.VoteTimeout)
	case o.ResendInterval < 0:
		return fmt.Errorf("twopc: ResendInterval %v is negative", o.ResendInterval)
	case o.QueryInterval < 0:
		return fmt.Errorf("twopc: QueryInterval %v is negative", o.QueryInterval)
	}
	if o.Bug != "" && !slices.ContainsFunc(Bugs, func(b protocols.Bug) bool { return b.Name == o.Bug }) {
		return fmt.Errorf("twopc: unknown bug %q", o.Bug)
	}
	return nil
}
