package mapreduce

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
)

// New returns the factory of a MapReduce world's servers: the coordinator,
// the workers and the store, by ID (Options.Coordinator and Options.Store,
// or the first and the last server). The input corpus is generated once
// and shared, read-only, by every node the factory builds.
func New(o Options) protocols.Factory {
	o = o.withDefaults()
	d := newDataset(o)
	return func(cfg protocols.Config) protocols.Node {
		o := o
		if o.Coordinator == "" || o.Store == "" {
			all := protocols.SortIDs(append(slices.Clone(cfg.Peers), cfg.ID))
			if o.Coordinator == "" {
				o.Coordinator = all[0]
			}
			if o.Store == "" {
				o.Store = all[len(all)-1]
			}
		}
		switch cfg.ID {
		case o.Coordinator:
			return newCoordinator(cfg, o)
		case o.Store:
			return newStore(cfg, o, d)
		}
		return newWorker(cfg, o)
	}
}
