package paxos

import (
	"embed"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/paxos/multi"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
)

//go:embed catalog/paxos
var paxosCatalog embed.FS

//go:embed catalog/multipaxos catalog/flexible
var multiCatalog embed.FS

// Paxos describes single-decree Paxos to dsim: proposers, acceptors and
// learners choosing one value, for teaching. Its scenarios are paxos/*.
var Paxos = &protocols.Protocol{
	Name:       "paxos",
	Summary:    "single-decree Paxos (Paxos Made Simple): proposers, acceptors and learners choose one value",
	MinServers: 1,
	MinHealing: clock.Second,
	Bugs:       synod.Bugs,
	Probes:     synod.Probes,
	Messages: []protocols.Message{
		synod.Prepare{}, synod.Promise{}, synod.Accept{}, synod.Accepted{}, synod.Nack{}, synod.Chosen{}, synod.Ask{},
	},
	Options: []protocols.Option{
		{Name: "proposers", Default: "all", Help: "the servers that propose, each its own value (n1 proposes v1): all, or a list such as n1 n2"},
		{Name: "acceptors", Default: "all", Help: "the servers that accept (vote): all, or a list"},
		{Name: "learners", Default: "all", Help: "the servers that learn the outcome: all, or a list"},
		{Name: "phase1-quorum", Default: "0", Help: "promises a proposer needs before phase 2; 0 means a majority of the acceptors"},
		{Name: "phase2-quorum", Default: "0", Help: "acceptances that choose a value; 0 means a majority of the acceptors"},
		{Name: "start-delay", Default: "0s", Help: "no proposer starts its first round before this"},
		{Name: "start-spread", Default: "0s", Help: "each proposer starts its first round at a random time up to this after the start delay"},
		{Name: "round-timeout", Default: "100ms", Help: "a round without a quorum by then is abandoned for a higher ballot"},
		{Name: "backoff", Default: "20ms", Help: "a proposer waits a random time up to this, doubled after each failure in a row, before its next round; 0s retries at once"},
		{Name: "ask-every", Default: "200ms", Help: "how often a learner that has not learned the value asks the others"},
	},
	Display: protocols.Display{
		Term:   "ballot",
		Commit: "learnt",
		Log:    "status",
		Progress: func(n int) string {
			if n == 0 {
				return "nobody has learned the value yet"
			}
			return "the chosen value is learned"
		},
		Help: "ballot: a proposer's current ballot, or an acceptor's promise (302 is round 3 of n2). " +
			"learnt: 1 once the node knows the chosen value.",
		Roles: []protocols.Role{
			{Name: "proposer", Kind: protocols.RoleOther, Help: "a proposer waiting for its first round"},
			{Name: "preparing", Kind: protocols.RoleSeeks, Help: "a proposer in phase 1: it asked the acceptors to promise its ballot"},
			{Name: "proposing", Kind: protocols.RoleLeads, Help: "a proposer in phase 2: a quorum promised; it asks them to accept a value"},
			{Name: "backoff", Kind: protocols.RoleSeeks, Help: "a proposer whose round failed, waiting a random time before a higher ballot"},
			{Name: "done", Kind: protocols.RoleOther, Help: "a proposer that knows the chosen value"},
			{Name: "acceptor", Kind: protocols.RoleFollows, Help: "promises ballots and accepts proposals; a quorum of acceptances chooses a value"},
			{Name: "learner", Kind: protocols.RoleOther, Help: "learns the chosen value from a quorum of acceptances"},
		},
	},
	Catalog: protocols.CatalogDir(paxosCatalog, "catalog"),
	Build:   buildPaxos,
}

func buildPaxos(s protocols.Setup) (protocols.Wiring, error) {
	o := synod.Options{
		Proposers:    readIDs(s.Options, "proposers"),
		Acceptors:    readIDs(s.Options, "acceptors"),
		Learners:     readIDs(s.Options, "learners"),
		Quorums:      readQuorums(s.Options),
		StartDelay:   s.Options.Duration("start-delay", 0),
		StartSpread:  s.Options.Duration("start-spread", 0),
		RoundTimeout: s.Options.Duration("round-timeout", 0),
		AskEvery:     s.Options.Duration("ask-every", 0),
		Bug:          s.Bug,
	}
	o.Backoff = s.Options.Duration("backoff", 20*clock.Millisecond)
	o.NoBackoff = o.Backoff == 0
	if err := o.Validate(s.Servers); err != nil {
		return protocols.Wiring{}, err
	}
	checks := protocols.Checks{
		Monitors: synod.Monitors(s.Servers, o),
		Final:    []func(protocols.Cluster) error{synod.AllLearned},
	}
	return protocols.Wiring{Server: synod.New(s.Servers, o), Checks: checks}, nil
}

// MultiPaxos describes Multi-Paxos replicating the KV service to dsim, with
// Flexible Paxos's quorum sizes as options. Its scenarios are
// multipaxos/* and flexible/*.
var MultiPaxos = &protocols.Protocol{
	Name:           "multipaxos",
	Summary:        "Multi-Paxos with a distinguished leader replicating the KV service; Flexible Paxos quorums; linearizable via porcupine",
	MinServers:     1,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           multi.Bugs,
	Probes:         slices.Concat(multi.Probes, kv.Probes),
	Messages: []protocols.Message{
		multi.Prepare{}, multi.Promise{}, multi.Accept{}, multi.Heartbeat{}, multi.Accepted{}, multi.Nack{}, multi.Decide{}, kv.Request{}, kv.Reply{},
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
	Catalog: protocols.CatalogDir(multiCatalog, "catalog"),
	Build:   buildMulti,
}

func buildMulti(s protocols.Setup) (protocols.Wiring, error) {
	o := multi.Options{
		Quorums:            readQuorums(s.Options),
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
	checks := protocols.Checks{Monitors: multi.Monitors(s.Servers, o.Quorums), History: true}
	checks.Final = append(checks.Final, protocols.HasLeader)
	checks = checks.Join(protocols.Convergence(min(clock.Second, s.Healing/2)))
	return protocols.Wiring{Server: multi.New(len(s.Servers), o), Client: kv.NewClient(co), Checks: checks}, nil
}

// readIDs reads a list of servers ("n1 n2 n3"); absent or "all" is nil,
// meaning every server.
func readIDs(s protocols.Settings, name string) []protocols.NodeID {
	raw, ok := s.Raw(name)
	if !ok || strings.TrimSpace(raw) == "all" {
		return nil
	}
	var ids []protocols.NodeID
	for _, f := range strings.Fields(strings.ReplaceAll(raw, ",", " ")) {
		ids = append(ids, protocols.NodeID(f))
	}
	if len(ids) == 0 {
		s.Fail(name, "want all or a list of servers, as in n1 n2")
	}
	return ids
}

// readQuorums reads the two quorum sizes, Flexible Paxos's options.
func readQuorums(s protocols.Settings) synod.Quorums {
	return synod.Quorums{
		Phase1: s.Int("phase1-quorum", 0, 0, 64),
		Phase2: s.Int("phase2-quorum", 0, 0, 64),
	}
}
