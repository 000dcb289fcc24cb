package multi

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
)

// The monitors judge a run from outside the servers, after every event. The
// consensus properties (PROTOCOLS.md §2.1: P-AGR, P-CHOSEN, P-2a, P-2c,
// P-BAL, and that only chosen values are learned) are checked per slot by
// a synod.Ghost fed from the servers' notes; the rest here. Each keeps
// ghost state that survives crashes and never changes a server.

// The violation kinds of the replicated log, beside synod's.
const (
	KindLogAgreement   = "log-agreement"   // P-LOG: two replicas executed different commands in one slot
	KindExecutionOrder = "execution-order" // P-LOG: a replica executed a slot before the one before it
	KindAckedWriteLost = "acked-write-lost"
)

// Monitors returns fresh instances of every Multi-Paxos monitor, for one run
// on the given servers with the given quorum sizes.
func Monitors(servers []protocols.NodeID, q synod.Quorums) []protocols.Monitor {
	q1, q2 := q.Sizes(len(servers))
	return []protocols.Monitor{
		&ghostMonitor{
			g:       synod.NewGhost(servers, q1, q2, cmdText),
			leads:   map[Ballot]leadership{},
			invoked: map[reqKey]kv.Op{},
		},
		&promiseMonotonic{promised: map[protocols.NodeID]Ballot{}},
		newLogAgreement(),
		newAckedWriteLost(),
		kv.ExactlyOnce(),
		kv.StaleReads(),
	}
}

// ghostMonitor feeds the notes into the per-slot Ghost. A leader's
// proposals are judged against the promises it became leader with (its
// BecameLeader note). It checks validity itself: a decided command is a
// no-op or a request some client invoked.
type ghostMonitor struct {
	g       *synod.Ghost[kv.Request]
	leads   map[Ballot]leadership
	invoked map[reqKey]kv.Op
}

type leadership struct {
	from   int
	quorum []protocols.NodeID
}

func (m *ghostMonitor) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		var err error
		switch x := note.(type) {
		case kv.Invoked:
			m.invoked[reqKey{x.Client, x.Seq}] = x.Op
		case Prepared:
			err = m.g.Prepared(ev.Node, x.Ballot)
		case Promised:
			m.g.Promised(ev.Node, x.Ballot)
		case Voted:
			err = m.g.Accepted(ev.Node, x.Slot, x.Ballot, x.Cmd)
		case BecameLeader:
			m.leads[x.Ballot] = leadership{from: x.From, quorum: x.Quorum}
		case Proposed:
			ld, ok := m.leads[x.Ballot]
			if !ok {
				return protocols.Violationf(synod.KindProposalSafety, "%s proposed %s in slot %d in ballot %s without winning phase 1 for it",
					ev.Node, cmdText(x.Cmd), x.Slot, x.Ballot)
			}
			if x.Slot < ld.from {
				return protocols.Violationf(synod.KindProposalSafety, "%s proposed %s in slot %d in ballot %s, below the slots its phase 1 covered (from %d)",
					ev.Node, cmdText(x.Cmd), x.Slot, x.Ballot, ld.from)
			}
			err = m.g.Proposed(ev.Node, x.Slot, x.Ballot, x.Cmd, ld.quorum)
		case Decided:
			if c := x.Cmd; c.Client != "" {
				if op, ok := m.invoked[reqKey{c.Client, c.Seq}]; !ok || op != c.Op {
					return protocols.Violationf(synod.KindValidity, "%s decided %s in slot %d, which no client invoked", ev.Node, cmdText(c), x.Slot)
				}
			}
			err = m.g.Learned(ev.Node, x.Slot, x.Cmd)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// promiseMonotonic: an acceptor's promise never goes down, across restarts
// too (every promise is persisted before the reply that carries it), and it
// never accepts a proposal of a ballot other than its promise (accepting a
// ballot promises it, so an acceptance is never above the promise; a lower
// one must be refused).
type promiseMonotonic struct {
	promised map[protocols.NodeID]Ballot
}

func (m *promiseMonotonic) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		return nil
	}
	n, _ := ev.Stepped(c).(*node)
	if n == nil {
		return nil
	}
	if p := m.promised[n.id]; n.promised < p {
		how := "went"
		if ev.Input == protocols.Start {
			how = "restarted"
		}
		return protocols.Violationf(synod.KindPromiseMonotonic, "%s's promise %s from ballot %s to %s", n.id, how, p, n.promised)
	} else if n.promised != p {
		m.promised[n.id] = n.promised
	}
	for _, note := range ev.Notes {
		if v, ok := note.(Voted); ok && v.Ballot != n.promised {
			return protocols.Violationf(synod.KindPromiseMonotonic, "%s accepted %s in slot %d in ballot %s while its promise was %s",
				n.id, cmdText(v.Cmd), v.Slot, v.Ballot, n.promised)
		}
	}
	return nil
}

// logAgreement: every replica executes the same command in each slot, and
// executes slots strictly in order, one incarnation at a time (P-LOG). The
// ghost is the first command executed in each slot, by anyone.
type logAgreement struct {
	executed []executedSlot
	last     map[protocols.NodeID]int // per server, the last slot this incarnation executed
}

type executedSlot struct {
	req kv.Request
	by  protocols.NodeID
}

func newLogAgreement() *logAgreement {
	return &logAgreement{executed: []executedSlot{{}}, last: map[protocols.NodeID]int{}}
}

func (m *logAgreement) Check(_ protocols.Cluster, ev protocols.Event) error {
	if ev.Input == protocols.Start {
		delete(m.last, ev.Node) // a new incarnation executes again from slot 1
	}
	for _, note := range ev.Notes {
		a, ok := note.(Applied)
		if !ok {
			continue
		}
		if want := m.last[ev.Node] + 1; a.Index != want {
			return protocols.Violationf(KindExecutionOrder, "%s executed slot %d when slot %d was next", ev.Node, a.Index, want)
		}
		m.last[ev.Node] = a.Index
		if a.Index < len(m.executed) {
			if g := m.executed[a.Index]; g.req != a.Req {
				return protocols.Violationf(KindLogAgreement, "%s executed %s in slot %d, where %s executed %s",
					ev.Node, cmdText(a.Req), a.Index, g.by, cmdText(g.req))
			}
			continue
		}
		m.executed = append(m.executed, executedSlot{req: a.Req, by: ev.Node})
	}
	return nil
}

// ackedWriteLost: a write acknowledged to a client stays in the slot where
// it was executed, on every replica that executes that slot (no
// acknowledged write is lost). The ghost maps each request to the slot
// where a replica first executed it; when a client reports a write
// completed, that slot is pinned to it.
type ackedWriteLost struct {
	executed map[reqKey]int
	acked    map[int]reqKey
}

func newAckedWriteLost() *ackedWriteLost {
	return &ackedWriteLost{executed: map[reqKey]int{}, acked: map[int]reqKey{}}
}

func (m *ackedWriteLost) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		switch x := note.(type) {
		case Applied:
			k := reqKey{x.Req.Client, x.Req.Seq}
			if x.Req.Client != "" && x.Outcome == kv.Executed {
				if _, ok := m.executed[k]; !ok {
					m.executed[k] = x.Index
				}
			}
			if w, ok := m.acked[x.Index]; ok && w != k {
				return protocols.Violationf(KindAckedWriteLost, "%s executed %s in slot %d, where the acknowledged write %s#%d was executed",
					ev.Node, cmdText(x.Req), x.Index, w.client, w.seq)
			}
		case kv.Completed:
			if !x.Op.IsWrite() {
				continue
			}
			k := reqKey{x.Client, x.Seq}
			s, ok := m.executed[k]
			if !ok {
				return protocols.Violationf(KindAckedWriteLost, "%s#%d %s was acknowledged by %s but no replica has executed it",
					x.Client, x.Seq, x.Op, x.Server)
			}
			m.acked[s] = k
		}
	}
	return nil
}
