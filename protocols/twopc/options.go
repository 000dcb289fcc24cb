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

// The bug names, as used in Options.Bug.
const (
	BugAbortAfterYes   = "abort-after-yes"
	BugSendBeforeLog   = "send-before-log"
	BugUnloggedPrepare = "unlogged-prepare"
)

// Bugs lists the deliberate bugs of this package.
var Bugs = []protocols.Bug{
	{Name: BugAbortAfterYes, Description: "a prepared participant that hears nothing aborts on its own instead of asking the coordinator: " +
		"it breaks its yes vote, and atomicity breaks when the coordinator decided commit"},
	{Name: BugSendBeforeLog, Description: "the coordinator sends its decision before the decision record is synced: " +
		"a crash right after the send loses it, the restarted coordinator presumes abort, and atomicity breaks"},
	{Name: BugUnloggedPrepare, Description: "a participant votes yes without persisting its prepared state: " +
		"after a crash it has forgotten the transaction, so a commit finds nothing to apply and money vanishes"},
}

// The probes this package reports (see Probes).
const (
	ProbeVoteNoConflict       = "vote-no-conflict"
	ProbeVoteNoFunds          = "vote-no-funds"
	ProbeVoteTimeout          = "vote-timeout"
	ProbeDecisionResent       = "decision-resent"
	ProbeDuplicateSubmit      = "duplicate-submit"
	ProbePresumedAbort        = "presumed-abort"
	ProbeCoordinatorRecovered = "coordinator-recovered"
	ProbeParticipantRecovered = "participant-recovered-prepared"
	ProbeBlockedPrepared      = "blocked-prepared"
)

// Probes lists the coverage probes the nodes report:
//
//   - vote-no-conflict, vote-no-funds: a participant refused to prepare
//     (a lock was taken, or the withdrawal would overdraw)
//   - vote-timeout: the coordinator aborted because votes were missing
//   - decision-resent: the coordinator resent a commit nobody acknowledged
//   - duplicate-submit: a transaction ID the coordinator already knew arrived again
//   - presumed-abort: the coordinator answered abort for a transaction it
//     had no decision record for (after a crash, or never heard of)
//   - coordinator-recovered: a restarted coordinator found unfinished
//     transactions in its log and resumed them
//   - participant-recovered-prepared: a participant restarted while prepared
//     and asked for the decision
//   - blocked-prepared: a prepared participant asked BlockedAfter times and
//     heard nothing: it is blocked, holding its locks
var Probes = []string{
	ProbeVoteNoConflict, ProbeVoteNoFunds, ProbeVoteTimeout, ProbeDecisionResent, ProbeDuplicateSubmit,
	ProbePresumedAbort, ProbeCoordinatorRecovered, ProbeParticipantRecovered, ProbeBlockedPrepared,
}

// New returns the factory of 2PC servers: the node whose ID is the
// coordinator coordinates, every other server is a participant holding its
// share of the accounts. It panics on invalid options (Validate first).
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

// NewClient returns the factory of bank clients for this world; their
// Peers are all the servers.
func NewClient(opts Options) protocols.Factory { return bank.NewClient(opts.World) }

// Monitors returns fresh monitors for one run (see bank.Monitor for what
// they check). Pass the same slice to FinalChecks at the end of the run.
func Monitors() []protocols.Monitor {
	return []protocols.Monitor{bank.NewMonitor(bank.DefaultGrace)}
}

// FinalChecks runs the end-of-run checks of monitors (made by Monitors)
// after healing: durability of every transfer reported committed, and no
// transaction still blocked.
func FinalChecks(c protocols.Cluster, monitors []protocols.Monitor) error {
	return bank.FinalChecks(c, monitors)
}

// Checks returns fresh monitors for one run and the end-of-run check bound
// to them (bank.Checks: the checks are the same for every atomic-commit
// protocol).
func Checks() (monitors []protocols.Monitor, final func(protocols.Cluster) error) {
	return bank.Checks()
}

// InDoubt lists the transactions participants hold prepared right now:
// during chaos that is 2PC blocking; after healing it is a liveness failure.
func InDoubt(c protocols.Cluster) []bank.Doubt { return bank.InDoubt(c) }
