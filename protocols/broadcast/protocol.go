package broadcast

import (
	"embed"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes gossip broadcast to dsim.
var Protocol = &protocols.Protocol{
	Name:       "broadcast",
	Summary:    "gossip broadcast: every value reaches every live node once the network heals",
	MinServers: 2,
	MinHealing: 500 * clock.Millisecond,
	Bugs:       Bugs,
	Probes:     Probes,
	Violations: []string{"validity", "convergence"},
	Messages:   []protocols.Message{Gossip{}, Ack{}},
	Options: []protocols.Option{
		{Name: "values", Default: "5", Help: "values each node originates"},
		{Name: "originate-every", Default: "300ms", Help: "mean gap between a node's originations"},
		{Name: "gossip-every", Default: "100ms", Help: "how often unacknowledged values are resent"},
		{Name: "batch", Default: "16", Help: "values per gossip message at most"},
	},
	Display: protocols.Display{
		Commit: "values",
		Log:    "values received, newest last",
		Progress: func(n int) string {
			if n == 1 {
				return "has 1 value"
			}
			return "has " + strconv.Itoa(n) + " values"
		},
		Help:  "values: how many values the node has, received or its own (gossip has no terms).",
		Roles: []protocols.Role{{Name: "gossiper", Kind: protocols.RoleOther, Help: "originates values and passes on what it learns until each peer acknowledges it"}},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build: func(s protocols.Setup) (protocols.Wiring, error) {
		o := Options{
			Values:         s.Options.Int("values", 5, 0, 10_000),
			OriginateEvery: s.Options.Duration("originate-every", 0),
			GossipEvery:    s.Options.Duration("gossip-every", 0),
			Batch:          s.Options.Int("batch", 0, 0, 10_000),
			Bug:            s.Bug,
		}
		if err := o.Validate(); err != nil {
			return protocols.Wiring{}, err
		}
		check := NewChecker()
		return protocols.Wiring{
			Server: New(o),
			Checks: protocols.Checks{Monitors: []protocols.Monitor{check}, Final: []func(protocols.Cluster) error{check.Converged}},
		}, nil
	},
}
