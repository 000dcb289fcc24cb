package raft

import (
	"slices"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// This file holds cluster configurations (thesis chapter 4): who votes, who
// only receives the log, and the one-server changes that move from one
// configuration to the next.

// Suffrage says what part a server plays in a configuration, as hashicorp
// raft's ServerSuffrage does.
type Suffrage uint8

// The suffrages. A server outside a configuration has none.
const (
	// Voter votes in elections and counts towards every majority.
	Voter Suffrage = iota + 1
	// Learner receives the log but neither votes nor counts: a replica
	// catching up, or one kept for reads.
	Learner
	// Staging is a learner the leader promotes to voter by itself as soon
	// as it has caught up (what add-server asks for): a new server joins
	// the majorities only once it can help them, not while it copies the
	// log (thesis §4.2.1).
	Staging
)

func (s Suffrage) String() string {
	switch s {
	case Voter:
		return "voter"
	case Learner:
		return "learner"
	case Staging:
		return "staging"
	}
	return "none"
}

// Member is one server of a configuration.
type Member struct {
	ID       protocols.NodeID
	Suffrage Suffrage
}

// Config is a cluster configuration: its members sorted by ID. A Config is
// a value: once built it is never changed (apply returns a new one), so log
// entries, records and messages may share its slice.
type Config struct {
	Members []Member
}

// initialConfig makes the first k of servers (sorted) voters: every one
// when k is zero.
func initialConfig(servers []protocols.NodeID, k int) Config {
	ids := protocols.SortIDs(slices.Clone(servers))
	if k == 0 || k > len(ids) {
		k = len(ids)
	}
	c := Config{Members: make([]Member, k)}
	for i, id := range ids[:k] {
		c.Members[i] = Member{ID: id, Suffrage: Voter}
	}
	return c
}

// Suffrage returns id's part in the configuration (zero when it is not a
// member).
func (c Config) Suffrage(id protocols.NodeID) Suffrage {
	for _, m := range c.Members {
		if m.ID == id {
			return m.Suffrage
		}
	}
	return 0
}

// Voters returns the voting members, sorted.
func (c Config) Voters() []protocols.NodeID {
	var ids []protocols.NodeID
	for _, m := range c.Members {
		if m.Suffrage == Voter {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// Equal reports whether two configurations have the same members with the
// same suffrage.
func (c Config) Equal(o Config) bool { return slices.Equal(c.Members, o.Members) }

// String renders the configuration as n1 n2 n3 n4(learner), voters plain.
func (c Config) String() string {
	var b strings.Builder
	for i, m := range c.Members {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(m.ID))
		if m.Suffrage != Voter {
			b.WriteString("(" + m.Suffrage.String() + ")")
		}
	}
	if len(c.Members) == 0 {
		return "(empty)"
	}
	return b.String()
}

// ConfOp is a one-server configuration change.
type ConfOp uint8

// The changes. Each adds, removes or changes the suffrage of one server, so
// the voters of two consecutive configurations differ by at most one and
// any majority of one overlaps any majority of the other (thesis §4.1).
const (
	ConfAddLearner ConfOp = iota + 1 // add a server as a learner
	ConfAddServer                    // add a server as staging: a learner promoted once caught up
	ConfPromote                      // make a learner or staging server a voter
	ConfRemove                       // remove a server, voter or not
)

func (op ConfOp) String() string {
	switch op {
	case ConfAddLearner:
		return "add-learner"
	case ConfAddServer:
		return "add-server"
	case ConfPromote:
		return "promote"
	case ConfRemove:
		return "remove-server"
	}
	return "conf?"
}

// ConfChange is a configuration change as a log entry carries it. The zero
// value is no change: the entry holds a client request or is a no-op.
type ConfChange struct {
	Op   ConfOp
	Node protocols.NodeID
}

// String renders the change as add-server n4.
func (cc ConfChange) String() string { return cc.Op.String() + " " + string(cc.Node) }

// valid reports whether cc applies to c: it adds a server that is not a
// member, promotes one that does not vote, or removes a member (but never
// the last voter).
func (c Config) valid(cc ConfChange) bool {
	s := c.Suffrage(cc.Node)
	switch cc.Op {
	case ConfAddLearner, ConfAddServer:
		return s == 0
	case ConfPromote:
		return s == Learner || s == Staging
	case ConfRemove:
		return s != 0 && !(s == Voter && len(c.Voters()) == 1)
	}
	return false
}

// apply returns the configuration after cc. A change that does not apply
// leaves it as it is.
func (c Config) apply(cc ConfChange) Config {
	if !c.valid(cc) {
		return c
	}
	out := Config{Members: make([]Member, 0, len(c.Members)+1)}
	for _, m := range c.Members {
		if m.ID != cc.Node {
			out.Members = append(out.Members, m)
		}
	}
	switch cc.Op {
	case ConfAddLearner:
		out.Members = append(out.Members, Member{ID: cc.Node, Suffrage: Learner})
	case ConfAddServer:
		out.Members = append(out.Members, Member{ID: cc.Node, Suffrage: Staging})
	case ConfPromote:
		out.Members = append(out.Members, Member{ID: cc.Node, Suffrage: Voter})
	}
	slices.SortFunc(out.Members, func(a, b Member) int { return protocols.Compare(a.ID, b.ID) })
	return out
}

// disjointMajorities reports whether a majority of a's voters and a
// majority of b's voters can be disjoint: then two leaders, or a leader and
// a commit, could each rely on one without hearing of the other. Take a
// majority of a from the voters only a has, then from the shared ones, and
// likewise for b: they are disjoint exactly when the shared voters suffice
// for both.
func disjointMajorities(a, b Config) bool {
	va, vb := a.Voters(), b.Voters()
	if len(va) == 0 || len(vb) == 0 {
		return false
	}
	shared := 0
	for _, id := range va {
		if slices.Contains(vb, id) {
			shared++
		}
	}
	needA := max(0, protocols.Quorum(len(va))-(len(va)-shared))
	needB := max(0, protocols.Quorum(len(vb))-(len(vb)-shared))
	return needA+needB <= shared
}
