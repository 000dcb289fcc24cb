package sim

import (
	"fmt"
	"io"
	"slices"

	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// DefaultMaxEvents is the event budget when Config.MaxEvents is zero: far
// more than any sane scenario needs, few enough that a livelock is reported
// within seconds. The scenarios runner sizes a tighter budget from each
// scenario (scenarios.EventBudget).
const DefaultMaxEvents = 20_000_000

// DefaultMaxInstant is how many events may happen at one virtual instant
// when Config.MaxInstant is zero. A sane run has a few per instant (at most
// about every pair of nodes at once); one where time stops advancing
// (zero latency, zero-length timers) piles up millions at one instant, and
// is failed as a time stall instead of running until its event budget.
const DefaultMaxInstant = 100_000

// DefaultMaxInFlight is the bound on what a run may hold waiting at once
// (messages on the wire, on held links and at paused nodes, armed timers)
// when Config.MaxInFlight is zero. The queue is the kernel's one store
// that grows with what nodes send rather than with what they do, so a
// node sending faster than the network delivers fails the run here, in
// a count of entries, long before it fills the machine's memory.
const DefaultMaxInFlight = 500_000

// DefaultMaxHashedBytes bounds the bytes a run's events fold into the
// trace hash, all told, when Config.MaxHashedBytes is zero. An event folds
// its fields and its message, everything its trace line shows (World.Hash),
// so this is the kernel's measure of what the run's messages carried,
// counted the same whether or not lines are rendered: a node whose
// messages grow without bound (a leader resending its whole log on every
// heartbeat) fails here, though the count of its messages looks sane.
// Runs of the built-in protocols fold about 100 bytes an event, tens of
// megabytes in all.
const DefaultMaxHashedBytes = 1 << 30

// DefaultMaxRecords bounds the durable records one node may keep when
// Config.MaxRecords is zero: a log that grows this long in a simulated run
// is a runaway (a client loop over a near-zero-latency network), and the
// run fails before its logs fill the machine's memory.
const DefaultMaxRecords = 1_000_000

// MaxNodes bounds the size of a world: beyond this a scenario is almost
// certainly a typo, and the dense link matrix would grow large.
const MaxNodes = 64

// Config is everything a run is built from. Together with the code, it
// determines the run exactly.
type Config struct {
	Seed      uint64
	Servers   []protocols.NodeID // the protocol's servers, in natural order
	Server    protocols.Factory
	Clients   []protocols.NodeID // client nodes, if any
	Client    protocols.Factory
	Link      net.LinkConfig // initial settings of every link
	Faults    []Fault        // the fault schedule; applied in time order, ties in list order
	Monitors  []protocols.Monitor
	MaxEvents uint64    // event budget; 0 means DefaultMaxEvents
	DeepCopy  bool      // copy every message and record, to catch nodes sharing memory through them
	Trace     io.Writer // if set, receives every trace line (and lines are rendered: World.RenderLines)
	// Strategy resolves the byzantine strategies "byzantine" faults name;
	// nil means the world knows none.
	Strategy StrategyFunc
	// MaxInstant fails the run as a time stall when this many events
	// happen at one virtual instant; 0 means DefaultMaxInstant.
	MaxInstant uint64
	// MaxInFlight fails the run when this many events wait in the queue,
	// on held links and at paused nodes at once; 0 means
	// DefaultMaxInFlight.
	MaxInFlight int
	// MaxRecords fails the run when one node keeps this many durable
	// records; 0 means DefaultMaxRecords.
	MaxRecords int
	// EventRate, when set, fails the run with event-budget as soon as it
	// has processed more than EventSlack + EventRate × (virtual seconds so
	// far) events: a runaway fails when it starts running away, not at
	// the end of its whole budget.
	EventRate  uint64
	EventSlack uint64
	// MaxHashedBytes fails the run when its events have folded this many
	// bytes into the trace hash in all (World.HashedBytes): their fields
	// and the messages they carried, whether or not lines are rendered; 0
	// means DefaultMaxHashedBytes.
	MaxHashedBytes uint64
}

// Validate reports a configuration that cannot run, naming the problem.
func (c *Config) Validate() error {
	if len(c.Servers) == 0 {
		return fmt.Errorf("no servers")
	}
	if n := len(c.Servers) + len(c.Clients); n > MaxNodes {
		return fmt.Errorf("%d nodes: at most %d", n, MaxNodes)
	}
	if c.Server == nil || (len(c.Clients) > 0 && c.Client == nil) {
		return fmt.Errorf("missing node factory")
	}
	known := map[protocols.NodeID]bool{}
	for _, id := range slices.Concat(c.Servers, c.Clients) {
		if err := checkID(string(id)); err != nil {
			return err
		}
		if known[id] {
			return fmt.Errorf("node %s listed twice", id)
		}
		known[id] = true
	}
	if err := c.Link.Validate(); err != nil {
		return fmt.Errorf("network: %w", err)
	}
	env := &faultEnv{known: known, servers: c.Servers, strategy: c.Strategy}
	for _, f := range c.Faults {
		if err := f.check(env); err != nil {
			return fmt.Errorf("at %s %s: %w", f.At, f, err)
		}
	}
	return nil
}
