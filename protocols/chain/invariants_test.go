package chain

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// cluster is a fixed set of nodes for feeding the monitors by hand.
type cluster map[protocols.NodeID]protocols.Node

func (c cluster) Now() clock.Time                         { return 0 }
func (c cluster) Servers() []protocols.NodeID             { return protocols.Servers(5) }
func (c cluster) Node(id protocols.NodeID) protocols.Node { return c[id] }
func (c cluster) Byzantine(protocols.NodeID) bool         { return false }

type clientNode struct{}

func (clientNode) Step(protocols.Input, *protocols.Effects) {}
func (clientNode) Status() protocols.Status                 { return protocols.Status{Role: "client"} }

// feed runs the monitors over events and returns the first violation's
// kind.
func feed(t *testing.T, c cluster, craq bool, events ...protocols.Event) string {
	t.Helper()
	ms, _ := Monitors(craq, clock.Second)
	for i, ev := range events {
		ev.Seq = uint64(i + 1)
		for _, m := range ms {
			if err := m.Check(c, ev); err != nil {
				var v *protocols.Violation
				require.True(t, errors.As(err, &v), "%v", err)
				return v.Kind
			}
		}
	}
	return ""
}

func ev(node protocols.NodeID, notes ...protocols.Note) protocols.Event {
	return protocols.Event{Node: node, Input: protocols.Receive, Notes: notes}
}

var c1 = Config{Epoch: 1, Chain: []Member{{"n2", 1}, {"n3", 1}, {"n4", 1}}}

// chainOf builds a master and three servers in configuration c1, each
// serving as its role says, with the histories given.
func chainOf(hists ...[]kv.Request) (cluster, []*server) {
	c := cluster{"n1": &master{id: "n1", cfg: c1}, "c1": clientNode{}}
	var ss []*server
	for i, id := range []protocols.NodeID{"n2", "n3", "n4"} {
		s := &server{id: id, cfg: c1, since: 1, ready: true, predSynced: true, log: newHistory()}
		s.pred, s.succ = c1.neighbours(id)
		for _, r := range hists[i] {
			s.log.append(Entry{Epoch: 1, Req: r})
		}
		c[id] = s
		ss = append(ss, s)
	}
	return c, ss
}

var (
	wa = kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k", "a")}
	wb = kv.Request{Client: "c1", Seq: 2, Op: kv.PutOp("k", "b")}
	wx = kv.Request{Client: "c2", Seq: 1, Op: kv.PutOp("k", "x")}
)

func TestConfigRules(t *testing.T) {
	c, _ := chainOf(nil, nil, nil)
	start := ev("n1", NewConfig{c1})
	assert.Equal(t, "", feed(t, c, false, start, ev("n1", NewConfig{Config{Epoch: 2, Chain: []Member{{"n2", 1}, {"n4", 1}}}})))
	assert.Equal(t, "", feed(t, c, false, start, ev("n1", NewConfig{Config{Epoch: 2, Chain: append(c1.Chain[:3:3], Member{"n5", 2}), Joining: true}})))
	assert.Equal(t, KindConfig, feed(t, c, false, start, ev("n1", NewConfig{Config{Epoch: 2, Chain: []Member{{"n3", 1}, {"n2", 1}}}})), "reordered")
	assert.Equal(t, KindConfig, feed(t, c, false, start, ev("n1", NewConfig{Config{Epoch: 3, Chain: c1.Chain}})), "skipped an epoch")
	assert.Equal(t, KindConfig, feed(t, c, false, start, ev("n1", NewConfig{Config{Epoch: 2, Chain: []Member{{"n5", 2}, {"n2", 1}}}})), "added at the head")
}

func TestUpdatePropagation(t *testing.T) {
	c, _ := chainOf([]kv.Request{wa, wb}, []kv.Request{wa}, nil)
	assert.Equal(t, "", feed(t, c, false, ev("n1", NewConfig{c1}), ev("n3")))
	c, _ = chainOf([]kv.Request{wa}, []kv.Request{wa, wb}, nil)
	assert.Equal(t, KindUPI, feed(t, c, false, ev("n1", NewConfig{c1}), ev("n3")), "longer than its predecessor")
	c, _ = chainOf([]kv.Request{wa, wb}, []kv.Request{wx}, nil)
	assert.Equal(t, KindUPI, feed(t, c, false, ev("n1", NewConfig{c1}), ev("n3")), "another history")
}

func TestCommitsAndReads(t *testing.T) {
	c, ss := chainOf([]kv.Request{wa, wb}, []kv.Request{wa, wb}, []kv.Request{wa})
	head, tail := ss[0], ss[2]
	commit1 := ev("n4", Committed{Epoch: 1, Upto: 1})
	start := ev("n1", NewConfig{c1})
	get := kv.GetOp("k")

	// c-iri: the head counts update 2 as acknowledged; only 1 is committed.
	head.acked = 2
	assert.Equal(t, KindIRI, feed(t, c, false, start, commit1, ev("n2")))
	head.acked = 1
	assert.Equal(t, "", feed(t, c, false, start, commit1, ev("n2")))

	// c-tailreply: a write answered by the head.
	assert.Equal(t, KindTailReply, feed(t, c, false, start, commit1, ev("n2", Replied{Client: "c1", Seq: 1, Index: 1})))
	// acked-write-lost: an acknowledged write nobody committed.
	assert.Equal(t, KindAckedWriteLost, feed(t, c, false, start, commit1,
		ev("c1", kv.Completed{Client: "c1", Seq: 2, Op: wb.Op, Server: "n4"})))

	// c-read: a read without a lease; in chain, a read at the head.
	head.acked = 0
	assert.Equal(t, KindRead, feed(t, c, false, start, ev("n4", ServedRead{Epoch: 1, Client: "c1", Seq: 3, How: AtTail, Ready: true})))
	assert.Equal(t, KindRead, feed(t, c, false, start, ev("n2", ServedRead{Epoch: 1, Client: "c1", Seq: 3, How: Clean, Lease: true, Ready: true})))
	assert.Equal(t, "", feed(t, c, true, start, ev("n2", ServedRead{Epoch: 1, Client: "c1", Seq: 3, How: Clean, Lease: true, Ready: true})))
	assert.Equal(t, KindRead, feed(t, c, true, start, ev("n2", ServedRead{Epoch: 1, Client: "c1", Seq: 3, How: Dirty, Lease: true, Ready: true})))

	// dirty-read: a get that returns b, which is not committed.
	invoke := ev("c1", kv.Invoked{Client: "c1", Seq: 3, Op: get})
	assert.Equal(t, KindDirtyRead, feed(t, c, true, start, commit1, invoke, ev("c1", kv.Completed{Client: "c1", Seq: 3, Op: get, Output: "b", Server: "n2"})))
	// stale-read: b commits, a get invoked after returns a.
	tail.log.append(Entry{Epoch: 1, Req: wb})
	commit2 := ev("n4", Committed{Epoch: 1, Upto: 2})
	assert.Equal(t, KindStaleRead, feed(t, c, true, start, commit1, commit2, invoke, ev("c1", kv.Completed{Client: "c1", Seq: 3, Op: get, Output: "a", Server: "n2"})))
	// A get invoked before b committed may return a or b.
	assert.Equal(t, "", feed(t, c, true, start, commit1, invoke, commit2, ev("c1", kv.Completed{Client: "c1", Seq: 3, Op: get, Output: "a", Server: "n2"})))

	// c-dur: the serving tail of the latest configuration loses a
	// committed update.
	ms, _ := Monitors(true, clock.Second)
	m := ms[0]
	for i, e := range []protocols.Event{start, commit1, commit2} {
		e.Seq = uint64(i + 1)
		require.NoError(t, m.Check(c, e))
	}
	tail.log = newHistory()
	tail.log.append(Entry{Epoch: 1, Req: wa})
	var v *protocols.Violation
	require.ErrorAs(t, m.Check(c, ev("n4")), &v)
	assert.Equal(t, KindDur, v.Kind)
}
