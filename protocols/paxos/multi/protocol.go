package multi

import (
	"embed"
	"slices"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes Multi-Paxos replicating the KV service to dsim
// (protocol name "multipaxos"), with Flexible Paxos's quorum sizes as
// options. Its scenarios are multipaxos/* and flexible/*.
var Protocol = &protocols.Protocol{
	Name:           "multipaxos",
	Summary:        "Multi-Paxos with a distinguished leader replicating the KV service; Flexible Paxos quorums; linearizable via porcupine",
	MinServers:     1,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           Bugs,
	Probes:         slices.Concat(Probes, kv.Probes),
	Messages: []protocols.Message{
		Prepare{}, Promise{}, Accept{}, Heartbeat{}, Accepted{}, Nack{}, Decide{}, kv.Request{}, kv.Reply{},
	},
	Options: []protocols.Option{
		{Name: "phase1-quorum", Default: "0", Help: "promises a candidate needs to lead (Flexible Paxos's Q1); 0 means a majority"},
		{Name: "phase2-quorum", Default: "0", Help: "acceptances that decide a slot (Flexible Paxos's Q2); 0 means a majority; safe only if Q1 + Q2 > nodes"},
		{Name: "heartbeat", Default: "50ms", Help: "how often a leader sends every replica a Heartbeat, or an Accept with the proposals it lacks"},
		{Name: "election-timeout-min", Default: "150ms", Help: "the shortest wait without a leader before running phase 1, drawn anew each time"},
		{Name: "election-timeout-max", Default: "300ms", Help: "the longest such wait; failed candidacies widen it (backoff)"},
		{Name: "max-batch", Default: "64", Help: "proposals in one Accept, and decisions in one Decide, at most"},
	},
	Workload: kv.Workload,
	Display: protocols.Display{
		Term:   "ballot",
		Commit: "slot",
		Log:    "slots (slot/ballot; | = executed)",
		Progress: func(n int) string {
			return "executed up to slot " + strconv.Itoa(n)
		},
		Help: "ballot: the ballot the server promised (302 is round 3 of n2; a leader's is its own). " +
			"slot: the last slot it executed; the log shows each slot with the ballot it was accepted or learned in " +
			"(ballot 0: nothing accepted there yet, a hole).",
		Roles: []protocols.Role{
			{Name: "leader", Kind: protocols.RoleLeads, Help: "won phase 1 for its ballot: proposes a command per slot and answers clients"},
			{Name: "candidate", Kind: protocols.RoleSeeks, Help: "heard from no leader: runs phase 1 for every undecided slot with a higher ballot"},
			{Name: "replica", Kind: protocols.RoleFollows, Help: "accepts the leader's proposals, learns decisions and executes slots in order"},
			kv.ClientRole,
		},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build:   Build,
}

// Build wires a Multi-Paxos run: it reads the options and the workload,
// and returns the server and client factories and the checks (Monitors,
// and at the end HasLeader and Convergence; the history is judged by the
// runner).
func Build(s protocols.Setup) (protocols.Wiring, error) {
	o := Options{
		Quorums:            synod.ReadQuorums(s.Options),
		HeartbeatInterval:  s.Options.Duration("heartbeat", 0),
		ElectionTimeoutMin: s.Options.Duration("election-timeout-min", 0),
		ElectionTimeoutMax: s.Options.Duration("election-timeout-max", 0),
		MaxBatch:           s.Options.Int("max-batch", 0, 1, 100_000),
		Bug:                s.Bug,
	}
	co := kv.ReadClientOptions(s.Workload)
	if err := o.Validate(len(s.Servers)); err != nil {
		return protocols.Wiring{}, err
	}
	if err := co.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	checks := protocols.Checks{Monitors: Monitors(s.Servers, o.Quorums), History: true}
	checks.Final = append(checks.Final, protocols.HasLeader)
	checks = checks.Join(protocols.Convergence(min(clock.Second, s.Healing/2)))
	return protocols.Wiring{Server: New(len(s.Servers), o), Client: kv.NewClient(co), Checks: checks}, nil
}
