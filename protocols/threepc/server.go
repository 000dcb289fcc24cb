package threepc

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

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
