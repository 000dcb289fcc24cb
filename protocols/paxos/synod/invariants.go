package synod

import (
	"slices"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// The monitors judge a run from outside the nodes, after every event. They
// read the notes nodes emit (Prepared, Promised, Voted, Proposed, Learned)
// into a Ghost, and acceptor state by type assertion to *node, and keep
// what they need across crashes. They never change a node.

// Monitors returns fresh instances of every single-decree Paxos monitor for
// one run on the given servers with the given options (the roles and
// quorum sizes say what "chosen" means).
func Monitors(servers []protocols.NodeID, opts Options) []protocols.Monitor {
	o := opts.withDefaults(servers)
	q1, q2 := o.Quorums.Sizes(len(o.Acceptors))
	valid := map[string]bool{}
	for _, p := range o.Proposers {
		valid[ValueOf(p)] = true
	}
	return []protocols.Monitor{
		&ghostMonitor{g: NewGhost(o.Acceptors, q1, q2, func(v string) string { return v }), valid: valid},
		&promiseMonotonic{promised: map[protocols.NodeID]Ballot{}, accepted: map[protocols.NodeID]Ballot{}},
	}
}

// ghostMonitor feeds the notes into the Ghost, which checks agreement, that
// a value is chosen at most once and never changes, that every proposal is
// safe, that ballots are unique, and that only chosen values are learned;
// it checks validity itself: only a proposer's own value can be learned.
type ghostMonitor struct {
	g     *Ghost[string]
	valid map[string]bool
}

func (m *ghostMonitor) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		var err error
		switch x := note.(type) {
		case Prepared:
			err = m.g.Prepared(ev.Node, x.Ballot)
		case Promised:
			m.g.Promised(ev.Node, x.Ballot)
		case Voted:
			err = m.g.Accepted(ev.Node, 0, x.Ballot, x.Value)
		case Proposed:
			err = m.g.Proposed(ev.Node, 0, x.Ballot, x.Value, x.Quorum)
		case Learned:
			if !m.valid[x.Value] {
				return protocols.Violationf(KindValidity, "%s learned %s, which no proposer proposed", ev.Node, x.Value)
			}
			err = m.g.Learned(ev.Node, 0, x.Value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// promiseMonotonic: an acceptor's promise never goes down, across restarts
// too (every promise was persisted before it was sent, so a restart must
// come back at least there); its accepted ballot never goes down either,
// and is never above its promise (accepting a ballot promises it).
type promiseMonotonic struct {
	promised map[protocols.NodeID]Ballot
	accepted map[protocols.NodeID]Ballot
}

func (m *promiseMonotonic) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		return nil
	}
	n, _ := ev.Stepped(c).(*node)
	if n == nil || !n.acceptor {
		return nil
	}
	how := "went"
	if ev.Input == protocols.Start {
		how = "restarted"
	}
	switch p, a := m.promised[n.id], m.accepted[n.id]; {
	case n.promised < p:
		return protocols.Violationf(KindPromiseMonotonic, "%s's promise %s from ballot %s to %s", n.id, how, p, n.promised)
	case n.accepted < a:
		return protocols.Violationf(KindPromiseMonotonic, "%s's accepted ballot %s from %s to %s", n.id, how, a, n.accepted)
	case n.accepted > n.promised:
		m.promised[n.id], m.accepted[n.id] = n.promised, n.accepted
		return protocols.Violationf(KindPromiseMonotonic, "%s accepted ballot %s but its promise is only %s: accepting a ballot must promise it",
			n.id, n.accepted, n.promised)
	}
	m.promised[n.id], m.accepted[n.id] = n.promised, n.accepted
	return nil
}

// AllLearned is the end-of-run check: after the healing phase every live
// learner has learned the chosen value, and every live proposer knows it
// (its round succeeded, or it learned it otherwise).
func AllLearned(c protocols.Cluster) error {
	var missing []string
	for _, id := range c.Servers() {
		n, _ := c.Node(id).(*node)
		if n == nil || c.Byzantine(id) || n.known || (!n.learner && !n.proposer) {
			continue
		}
		missing = append(missing, string(id))
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return protocols.Violationf("liveness", "%s still %s not learned the chosen value after the healing phase",
			strings.Join(missing, ", "), map[bool]string{true: "has", false: "have"}[len(missing) == 1])
	}
	return nil
}
