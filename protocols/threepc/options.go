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

// Bugs is empty: the interesting failure of 3PC (atomicity lost under a
// partition) happens with the correct protocol.
var Bugs []protocols.Bug

// The probes this package reports (see Probes).
const (
	ProbeVoteNoConflict       = "vote-no-conflict"
	ProbeVoteNoFunds          = "vote-no-funds"
	ProbeVoteTimeout          = "vote-timeout"
	ProbeAckTimeoutCommit     = "ack-timeout-commit"
	ProbeTerminationRan       = "termination-protocol-ran"
	ProbeTerminationCommit    = "termination-commit"
	ProbeTerminationAbort     = "termination-abort"
	ProbeCoordinatorRecovered = "coordinator-recovered"
	ProbeDecisionAdopted      = "decision-adopted"
	ProbeParticipantRecovered = "participant-recovered-prepared"
	ProbeConflictingDecision  = "conflicting-decision"
)

// Probes lists the coverage probes the nodes report:
//
//   - vote-no-conflict, vote-no-funds: a participant refused to prepare
//   - vote-timeout: the coordinator aborted because votes were missing
//   - ack-timeout-commit: the coordinator committed although some
//     participant never acknowledged PreCommit (presumed crashed; at least
//     one other did)
//   - termination-protocol-ran: a participant, suspecting the coordinator,
//     became recovery coordinator and collected states
//   - termination-commit, termination-abort: a recovery coordinator decided
//   - coordinator-recovered: a restarted coordinator found unfinished
//     transactions in its log
//   - decision-adopted: the coordinator learned an outcome it had not
//     decided itself (from a recovery coordinator, or by asking after a restart)
//   - participant-recovered-prepared: a participant restarted in doubt and
//     asked the others
//   - conflicting-decision: a participant received a decision opposite to
//     the one it had applied: the partition result, atomicity is lost
var Probes = []string{
	ProbeVoteNoConflict, ProbeVoteNoFunds, ProbeVoteTimeout, ProbeAckTimeoutCommit,
	ProbeTerminationRan, ProbeTerminationCommit, ProbeTerminationAbort,
	ProbeCoordinatorRecovered, ProbeDecisionAdopted, ProbeParticipantRecovered, ProbeConflictingDecision,
}

// New returns the factory of 3PC servers: the coordinator (n1 by default)
// and participants holding the accounts. It panics on invalid options
// (Validate first).
func New(opts Options) protocols.Factory {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.WithDefaults()
	return func(cfg protocols.Config) protocols.Node {
		servers := protocols.SortIDs(append(slices.Clone(cfg.Peers), cfg.ID))
		layout := opts.Layout(servers)
		if cfg.ID == layout.Coordinator {
			return newCoordinator(cfg, opts, layout)
		}
		return newParticipant(cfg, opts, layout)
	}
}

// NewClient returns the factory of bank clients for this world.
func NewClient(opts Options) protocols.Factory { return bank.NewClient(opts.World) }

// Monitors returns fresh monitors for one run: the same bank checks as 2PC,
// so the partition scenario fails exactly the atomicity check 2PC passes.
func Monitors() []protocols.Monitor {
	return []protocols.Monitor{bank.NewMonitor(bank.DefaultGrace)}
}

// FinalChecks runs the end-of-run checks of monitors (made by Monitors).
func FinalChecks(c protocols.Cluster, monitors []protocols.Monitor) error {
	return bank.FinalChecks(c, monitors)
}

// Checks returns fresh monitors for one run and the end-of-run check bound
// to them (bank.Checks: the checks are the same for every atomic-commit
// protocol).
func Checks() (monitors []protocols.Monitor, final func(protocols.Cluster) error) {
	return bank.Checks()
}

// InDoubt lists the transactions participants hold prepared right now.
func InDoubt(c protocols.Cluster) []bank.Doubt { return bank.InDoubt(c) }
