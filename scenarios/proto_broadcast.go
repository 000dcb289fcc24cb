package scenarios

import (
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/broadcast"
)

func init() {
	var bugs []Bug
	for _, b := range broadcast.Bugs {
		bugs = append(bugs, Bug{Protocol: "broadcast", Name: b.Name, Description: b.Description})
	}
	Register(&Protocol{
		Name:       "broadcast",
		Summary:    "gossip broadcast: every value reaches every live node once the network heals",
		MinNodes:   2,
		Kinds:      []string{"Gossip", "Ack"},
		MinHealing: 500 * clock.Millisecond,
		Bugs:       bugs,
		Probes:     broadcast.Probes,
		Build: func(w *Wiring) error {
			o := broadcast.Options{
				Values:         w.Options.Int("values", 5, 0, 10_000),
				OriginateEvery: w.Options.Duration("originate-every", 0),
				GossipEvery:    w.Options.Duration("gossip-every", 0),
				Batch:          w.Options.Int("batch", 0, 0, 10_000),
				Bug:            w.Bug,
			}
			if err := o.Validate(); err != nil {
				return err
			}
			check := broadcast.NewChecker()
			w.Server = broadcast.New(o)
			w.Monitors = append(w.Monitors, check)
			w.Final = append(w.Final, func(c protocols.Cluster) error { return check.Converged(c) })
			return nil
		},
	})
}
