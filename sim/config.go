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
// within seconds.
const DefaultMaxEvents = 20_000_000

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
	Trace     io.Writer // if set, receives every trace line
	// Strategy resolves the byzantine strategies "byzantine" faults name;
	// nil means the world knows none.
	Strategy StrategyFunc
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
