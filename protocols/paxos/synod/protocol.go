package synod

import (
	"embed"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes single-decree Paxos to dsim (protocol name "paxos"):
// proposers, acceptors and learners choosing one value, for teaching. Its
// scenarios are paxos/*.
var Protocol = &protocols.Protocol{
	Name:       "paxos",
	Summary:    "single-decree Paxos (Paxos Made Simple): proposers, acceptors and learners choose one value",
	MinServers: 1,
	MinHealing: clock.Second,
	Bugs:       Bugs,
	Probes:     Probes,
	Messages: []protocols.Message{
		Prepare{}, Promise{}, Accept{}, Accepted{}, Nack{}, Chosen{}, Ask{},
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
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build:   Build,
}

// Build wires a run of single-decree Paxos: it reads the options, and
// returns the node factory and the checks (Monitors, and AllLearned at the
// end of the run).
func Build(s protocols.Setup) (protocols.Wiring, error) {
	o := Options{
		Proposers:    readIDs(s.Options, "proposers"),
		Acceptors:    readIDs(s.Options, "acceptors"),
		Learners:     readIDs(s.Options, "learners"),
		Quorums:      ReadQuorums(s.Options),
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
		Monitors: Monitors(s.Servers, o),
		Final:    []func(protocols.Cluster) error{AllLearned},
	}
	return protocols.Wiring{Server: New(s.Servers, o), Checks: checks}, nil
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

// ReadQuorums reads the two quorum sizes, Flexible Paxos's options
// phase1-quorum and phase2-quorum (0 is a majority).
func ReadQuorums(s protocols.Settings) Quorums {
	return Quorums{
		Phase1: s.Int("phase1-quorum", 0, 0, 64),
		Phase2: s.Int("phase2-quorum", 0, 0, 64),
	}
}
