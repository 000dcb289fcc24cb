package broadcast

import (
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// Options configure the protocol. The zero value is usable: every field has
// a default.
type Options struct {
	Values         int            // values each node originates; default 5
	OriginateEvery clock.Duration // mean gap between a node's originations; default 300ms
	GossipEvery    clock.Duration // how often unacknowledged values are resent; default 100ms
	Batch          int            // values per gossip message at most; default 16
	Bug            string         // a bug variant from Bugs, or ""
}

func (o Options) withDefaults() Options {
	if o.Values == 0 {
		o.Values = 5
	}
	if o.OriginateEvery == 0 {
		o.OriginateEvery = 300 * clock.Millisecond
	}
	if o.GossipEvery == 0 {
		o.GossipEvery = 100 * clock.Millisecond
	}
	if o.Batch == 0 {
		o.Batch = 16
	}
	return o
}

// Validate reports options that make no sense.
func (o Options) Validate() error {
	switch {
	case o.Values < 0 || o.Values > 100_000:
		return fmt.Errorf("values %d: want 0 to 100000", o.Values)
	case o.OriginateEvery < 0 || o.GossipEvery < 0:
		return fmt.Errorf("intervals must not be negative")
	case o.Batch < 0:
		return fmt.Errorf("batch %d: must not be negative", o.Batch)
	}
	if o.Bug != "" && !slices.ContainsFunc(Bugs, func(b protocols.Bug) bool { return b.Name == o.Bug }) {
		return fmt.Errorf("unknown bug %q", o.Bug)
	}
	return nil
}
