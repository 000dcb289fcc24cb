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
	for _, f := range c.Faults {
		if err := f.check(known, c.Servers); err != nil {
			return fmt.Errorf("at %s %s: %w", f.At, f, err)
		}
	}
	return nil
}

// check reports a fault that names unknown nodes or makes no sense.
func (f *Fault) check(known map[protocols.NodeID]bool, servers []protocols.NodeID) error {
	if f.At < 0 {
		return fmt.Errorf("negative time")
	}
	isServer := func(id protocols.NodeID) error {
		if !slices.Contains(servers, id) {
			if known[id] {
				return fmt.Errorf("%s is a client; isolate and clock faults apply to servers", id)
			}
			return fmt.Errorf("unknown node %s", id)
		}
		return nil
	}
	exists := func(id protocols.NodeID) error {
		if id != "" && !known[id] {
			return fmt.Errorf("unknown node %s", id)
		}
		return nil
	}
	var errs []error
	switch f.Kind {
	case Partition, OneWay, Bridge:
		for _, g := range f.Groups {
			for _, id := range g {
				if id == Leader || id == All {
					errs = append(errs, fmt.Errorf("%s can be used with crash, restart, pause, resume, isolate and clock, not in partitions", id))
				}
				errs = append(errs, exists(id))
			}
		}
		for _, id := range f.Nodes {
			errs = append(errs, exists(id))
		}
		groups := f.Groups
		if f.Kind == Bridge {
			groups = [][]protocols.NodeID{f.Groups[0], f.Nodes, f.Groups[1]}
		}
		if _, err := net.Split(groups...); err != nil {
			errs = append(errs, err)
		}
	case Isolate, ClockOffset, ClockDrift, ClockJump:
		if f.Nodes[0] != Leader {
			errs = append(errs, isServer(f.Nodes[0]))
		}
	case Crash, Restart, Pause, Resume:
		for _, id := range f.Nodes {
			switch {
			case (id == Leader && f.Kind != Restart && f.Kind != Resume) || id == All:
				if len(f.Nodes) > 1 {
					errs = append(errs, fmt.Errorf("%s stands alone: it cannot be listed with other nodes", id))
				}
			case id == Leader && f.Kind == Restart:
				errs = append(errs, fmt.Errorf("the leader is up: restart it after crashing it by name, or use restart all"))
			case id == Leader:
				errs = append(errs, fmt.Errorf("once paused the leader no longer leads: resume it by name, or use resume all"))
			default:
				errs = append(errs, exists(id))
			}
		}
	case NetSet, Clog, Hold, Release:
		errs = append(errs, exists(f.Link.From), exists(f.Link.To))
		if f.Kind == NetSet && f.Field == FieldLatency {
			errs = append(errs, f.Lat.Validate())
		}
	case DropNext, DelayNext:
		errs = append(errs, exists(f.Rule.From), exists(f.Rule.To), f.Rule.Validate())
	case DropInFlight:
		errs = append(errs, exists(f.Rule.From), exists(f.Rule.To))
		if f.Sent > f.At {
			errs = append(errs, fmt.Errorf("the message is sent at %s, after the fault", f.Sent))
		}
	case PartitionBy:
		switch {
		case f.Shape == ShapeRing && len(servers) < 4:
			errs = append(errs, fmt.Errorf("partition ring needs at least 4 servers: with %d every server already sees a majority", len(servers)))
		case len(servers) < 2:
			errs = append(errs, fmt.Errorf("partition %s needs at least 2 servers", f.Shape))
		}
	case Heal, Recover:
	default:
		errs = append(errs, fmt.Errorf("unknown fault kind %d", f.Kind))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
