package raft

import (
	"embed"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes Raft to dsim: its options, bugs, probes, messages,
// display, catalogue of scenarios, and how a run is wired and checked.
var Protocol = &protocols.Protocol{
	Name:           "raft",
	Summary:        "Raft (extended paper, Figure 2) replicating the KV service; linearizable via porcupine",
	MinServers:     1,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           Bugs,
	Probes:         slices.Concat(Probes, kv.Probes),
	Violations:     Violations,
	Messages: []protocols.Message{
		RequestVote{}, RequestVoteReply{}, AppendEntries{}, AppendEntriesReply{}, kv.Request{}, kv.Reply{},
	},
	Options: []protocols.Option{
		{Name: "heartbeat", Default: "50ms", Help: "how often a leader sends AppendEntries to every follower"},
		{Name: "election-timeout-min", Default: "150ms", Help: "the shortest election timeout, drawn anew each time the timer is armed"},
		{Name: "election-timeout-max", Default: "300ms", Help: "the longest election timeout"},
		{Name: "max-append-entries", Default: "64", Help: "entries in one AppendEntries at most"},
	},
	Workload: kv.Workload,
	Display: protocols.Display{
		Term:   "term",
		Commit: "commit",
		Log:    "log (index/term; | = commit point)",
		Help:   "term: the server's current term. commit: the index of its last committed entry.",
		Roles: []protocols.Role{
			{Name: "leader", Kind: protocols.RoleLeads, Help: "replicates its log to the others and answers clients; one per term at most"},
			{Name: "candidate", Kind: protocols.RoleSeeks, Help: "its election timer fired: it asks for votes in a new term"},
			{Name: "follower", Kind: protocols.RoleFollows, Help: "accepts entries from the leader of its term and votes in elections"},
			kv.ClientRole,
		},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build:   build,
}

func build(s protocols.Setup) (protocols.Wiring, error) {
	o := Options{
		HeartbeatInterval:  s.Options.Duration("heartbeat", 0),
		ElectionTimeoutMin: s.Options.Duration("election-timeout-min", 0),
		ElectionTimeoutMax: s.Options.Duration("election-timeout-max", 0),
		MaxAppendEntries:   s.Options.Int("max-append-entries", 0, 1, 100_000),
		Bug:                s.Bug,
	}
	co := kv.ReadClientOptions(s.Workload)
	if err := o.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	if err := co.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	checks := protocols.Checks{Monitors: Monitors(), History: true}
	checks.Final = append(checks.Final, protocols.HasLeader)
	checks = checks.Join(protocols.Convergence(min(clock.Second, s.Healing/2)))
	return protocols.Wiring{Server: New(o), Client: kv.NewClient(co), Checks: checks}, nil
}
