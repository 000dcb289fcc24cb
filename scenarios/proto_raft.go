package scenarios

import (
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"

	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/raft"
)

func init() {
	var bugs []Bug
	for _, b := range raft.Bugs {
		bugs = append(bugs, Bug{Protocol: "raft", Name: b.Name, Description: b.Description})
	}
	Register(&Protocol{
		Name:           "raft",
		Summary:        "Raft (extended paper, Figure 2) replicating the KV service; linearizable via porcupine",
		MinNodes:       1,
		DefaultClients: 3,
		Bugs:           bugs,
		Probes:         slices.Concat(raft.Probes, kv.Probes),
		Kinds:          []string{"RequestVote", "RequestVoteReply", "AppendEntries", "AppendEntriesReply", "Request", "Reply"},
		MinHealing:     clock.Second,
		// Options:
		//
		//	option heartbeat 50ms
		//	option election-timeout-min 150ms
		//	option election-timeout-max 300ms
		//	option max-append-entries 64
		Build: func(w *Wiring) error {
			o := raft.Options{
				HeartbeatInterval:  w.Options.Duration("heartbeat", 0),
				ElectionTimeoutMin: w.Options.Duration("election-timeout-min", 0),
				ElectionTimeoutMax: w.Options.Duration("election-timeout-max", 0),
				MaxAppendEntries:   w.Options.Int("max-append-entries", 0, 1, 100_000),
				Bug:                w.Bug,
			}
			if err := w.Options.Err(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			w.Server = raft.New(o)
			w.Client = kvClient(w, nil)
			w.Monitors = raft.Monitors()
			w.KV = true
			conv := newRaftConvergence()
			w.Observers = append(w.Observers, conv.observe)
			lag := min(clock.Second, w.Scenario.healing()/2)
			w.Final = append(w.Final, hasLeader, func(c protocols.Cluster) error { return conv.check(c, lag) })
			return nil
		},
	})
}
