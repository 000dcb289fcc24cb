package primarybackup

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
func (c cluster) Servers() []protocols.NodeID             { return protocols.Servers(4) }
func (c cluster) Node(id protocols.NodeID) protocols.Node { return c[id] }
func (c cluster) Byzantine(protocols.NodeID) bool         { return false }

// feed runs the monitors over events, each (node, notes...), and returns
// the first violation's kind.
func feed(t *testing.T, c cluster, async bool, events ...protocols.Event) string {
	t.Helper()
	ms := Monitors(MonitorOptions{Async: async, AckedWrites: true})
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

func views() (cluster, *viewService, *server, *server, *server) {
	vs := &viewService{id: "n1"}
	mk := func(id protocols.NodeID) *server { return &server{id: id, log: newLog(), sm: kv.NewMachine()} }
	n2, n3, n4 := mk("n2"), mk("n3"), mk("n4")
	return cluster{"n1": vs, "n2": n2, "n3": n3, "n4": n4}, vs, n2, n3, n4
}

var (
	v1 = View{Num: 1, Primary: "n2"}
	v2 = View{Num: 2, Primary: "n2", Backup: "n3"}
)

func TestViewRules(t *testing.T) {
	c, _, n2, n3, _ := views()
	n2.view, n3.view = v2, v2
	good := []protocols.Event{ev("n1", NewView{v1}), ev("n1", ViewAcked{1}), ev("n1", NewView{v2}),
		ev("n3", Accepted{View: 2, From: "n2", Have: 0, Transfer: true}), ev("n1", ViewAcked{2})}
	assert.Equal(t, "", feed(t, c, false, good...))

	cases := map[string][]protocols.Event{
		KindVAckView:          {ev("n1", NewView{v1}), ev("n1", NewView{v2})},
		KindViewMonotonic:     {ev("n1", NewView{v1}), ev("n1", ViewAcked{1}), ev("n1", NewView{View{Num: 3, Primary: "n2"}})},
		KindVChain:            {ev("n1", NewView{v1}), ev("n1", ViewAcked{1}), ev("n1", NewView{View{Num: 2, Primary: "n4", Backup: "n3"}})},
		KindTransferBeforeAck: {ev("n1", NewView{v1}), ev("n1", ViewAcked{1}), ev("n1", NewView{v2}), ev("n1", ViewAcked{2})},
	}
	for kind, events := range cases {
		assert.Equal(t, kind, feed(t, c, false, events...), kind)
	}
}

func TestServerRules(t *testing.T) {
	c, _, n2, n3, _ := views()
	n2.view, n3.view = v2, v2
	n3.sv = 2
	setup := []protocols.Event{ev("n1", NewView{v1}), ev("n1", ViewAcked{1}), ev("n1", NewView{v2})}
	req := kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k", "a")}

	// v-sync: an answer for index 1 before the backup acknowledged it.
	assert.Equal(t, KindVSync, feed(t, c, false, append(setup, ev("n2", Served{View: 2, Client: "c1", Seq: 1, Index: 1}))...))
	// The asynchronous protocol promises no such thing.
	assert.Equal(t, "", feed(t, c, true, append(setup, ev("n2", Served{View: 2, Client: "c1", Seq: 1, Index: 1}))...))
	// v-nonpri: an answer from the backup.
	assert.Equal(t, KindVNonPri, feed(t, c, false, append(setup, ev("n3", Served{View: 2, Client: "c1", Seq: 1}))...))
	// v-fwd: a forward taken in view 1, which names no backup.
	assert.Equal(t, KindVFwd, feed(t, c, false, append(setup, ev("n3", Accepted{View: 1, From: "n2", Have: 1}))...))

	// backup-prefix: the backup holds an entry the primary does not.
	n3.log.append(Entry{View: 2, Req: req})
	assert.Equal(t, KindBackupPrefix, feed(t, c, false, append(setup, ev("n3"))...))
	n2.log.append(Entry{View: 2, Req: req})
	assert.Equal(t, "", feed(t, c, false, append(setup, ev("n3"))...))

	// state-machine-safety and acked-write-lost: two servers apply
	// different entries at index 1, the first acknowledged.
	other := kv.Request{Client: "c2", Seq: 1, Op: kv.PutOp("k", "b")}
	applies := append(setup,
		ev("n2", Applied{Index: 1, Term: 2, Req: req, Outcome: kv.Executed}),
		ev("c1", kv.Completed{Client: "c1", Seq: 1, Op: req.Op, Server: "n2"}),
		ev("n3", Applied{Index: 1, Term: 2, Req: other, Outcome: kv.Executed}))
	assert.Equal(t, KindStateMachineSafety, feed(t, c, false, applies...))
	assert.Equal(t, KindAckedWriteLost, feed(t, c, true, applies...))
	// apply-order: a server skips an index.
	assert.Equal(t, KindApplyOrder, feed(t, c, false, append(setup, ev("n2", Applied{Index: 2, Term: 2, Req: req, Outcome: kv.Executed}))...))
}

// replicated-write-lost: what the backup of view 2 applied is what every
// server in view 2 or later applies at its index; a deposed primary of
// view 1 is not held to it.
func TestReplicatedWriteLost(t *testing.T) {
	c, _, n2, n3, n4 := views()
	n3.view = v2
	v3 := View{Num: 3, Primary: "n3", Backup: "n4"}
	n4.view = v3
	n2.view = v1
	req := kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k", "a")}
	other := kv.Request{Client: "c2", Seq: 1, Op: kv.PutOp("k", "b")}
	n3.view = v2
	setup := []protocols.Event{ev("n1", NewView{v1}), ev("n1", ViewAcked{1}), ev("n1", NewView{v2}),
		ev("n3", Accepted{View: 2, From: "n2", Transfer: true}), ev("n1", ViewAcked{2}), ev("n1", NewView{v3}),
		ev("n3", Applied{Index: 1, Term: 2, Req: req, Outcome: kv.Executed})}
	assert.Equal(t, "", feed(t, c, true, append(setup, ev("n2", Applied{Index: 1, Term: 1, Req: other, Outcome: kv.Executed}))...))
	assert.Equal(t, KindReplicatedWriteLost, feed(t, c, true, append(setup, ev("n4", Applied{Index: 1, Term: 3, Req: other, Outcome: kv.Executed}))...))
}
