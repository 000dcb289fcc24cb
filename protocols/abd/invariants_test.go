package abd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// cluster is a hand-made protocols.Cluster for feeding monitors events.
type cluster struct {
	nodes map[protocols.NodeID]protocols.Node
}

func (c *cluster) Now() clock.Time                         { return 0 }
func (c *cluster) Servers() []protocols.NodeID             { return protocols.Servers(3) }
func (c *cluster) Node(id protocols.NodeID) protocols.Node { return c.nodes[id] }
func (c *cluster) Byzantine(protocols.NodeID) bool         { return false }

func server(id protocols.NodeID, regs ...register) *node {
	return &node{id: id, regs: regs}
}

// feed runs every monitor over the events in order and returns the first
// violation's kind, or "".
func feed(t *testing.T, c *cluster, events ...protocols.Event) string {
	t.Helper()
	return feedTo(t, Monitors(3), c, events...)
}

// realTimeOnly is the real-time-order monitor alone.
func realTimeOnly() []protocols.Monitor { return Monitors(3)[3:] }

func feedTo(t *testing.T, ms []protocols.Monitor, c *cluster, events ...protocols.Event) string {
	t.Helper()
	for i, ev := range events {
		ev.Seq = uint64(i + 1)
		for _, m := range ms {
			if err := m.Check(c, ev); err != nil {
				var v *protocols.Violation
				require.ErrorAs(t, err, &v)
				return v.Kind
			}
		}
	}
	return ""
}

func TestTagMonotonicAcrossRestart(t *testing.T) {
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{"n1": server("n1", register{"k1", Tag{2, "c1#1"}, "a"})}}
	first := protocols.Event{Node: "n1", Input: protocols.Receive}
	assert.Empty(t, feed(t, c, first))
	restarted := &cluster{nodes: map[protocols.NodeID]protocols.Node{"n1": server("n1", register{"k1", Tag{1, "c1#1"}, "old"})}}
	ms := Monitors(3)
	require.NoError(t, ms[0].Check(c, first))
	err := ms[0].Check(restarted, protocols.Event{Seq: 2, Node: "n1", Input: protocols.Start})
	require.Error(t, err)
	assert.Contains(t, err.Error(), KindTagMonotonic)
}

func TestTagUniqueCatchesOneTagTwoValues(t *testing.T) {
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{}}
	tag := Tag{1, "c1#1"}
	assert.Equal(t, KindTagUnique, feed(t, c,
		protocols.Event{Node: "n1", Notes: []protocols.Note{Stored{Key: "k1", Tag: tag, Value: "a"}}},
		protocols.Event{Node: "n2", Notes: []protocols.Note{Stored{Key: "k1", Tag: tag, Value: "b"}}},
	))
}

func TestQuorumCountsDurableHolders(t *testing.T) {
	tag := Tag{1, "c1#1"}
	put := kv.PutOp("k1", "a")
	n1 := server("n1", register{"k1", tag, "a"})
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{"n1": n1, "n2": server("n2"), "n3": server("n3")}}
	decided := protocols.Event{Node: "n1", Notes: []protocols.Note{Decided{Client: "c1", Seq: 1, Op: put, Tag: tag, Value: "a"}}}
	assert.Equal(t, KindQuorum, feed(t, c, decided), "one holder of three is no majority")

	c.nodes["n2"] = server("n2", register{"k1", tag, "a"})
	assert.Empty(t, feed(t, c, protocols.Event{Node: "n2"}, decided), "two holders of three are")
}

func TestRealTimeOrderCatchesTheNewOldInversion(t *testing.T) {
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{}}
	get := kv.GetOp("k1")
	newTag := Tag{1, "c9#1"}
	assert.Equal(t, KindRealTimeOrder, feedTo(t, realTimeOnly(), c,
		protocols.Event{Node: "c1", Notes: []protocols.Note{kv.Invoked{Client: "c1", Seq: 1, Op: get}}},
		protocols.Event{Node: "n1", Notes: []protocols.Note{Decided{Client: "c1", Seq: 1, Op: get, Tag: newTag, Value: "new"}}},
		protocols.Event{Node: "c2", Notes: []protocols.Note{kv.Invoked{Client: "c2", Seq: 1, Op: get}}},
		protocols.Event{Node: "n3", Notes: []protocols.Note{Decided{Client: "c2", Seq: 1, Op: get, Tag: Tag{}, Value: ""}}},
	))
}

func TestRealTimeOrderAllowsConcurrentOperations(t *testing.T) {
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{}}
	get := kv.GetOp("k1")
	// c2's read began before c1's was decided: it may return the old value.
	assert.Empty(t, feedTo(t, realTimeOnly(), c,
		protocols.Event{Node: "c1", Notes: []protocols.Note{kv.Invoked{Client: "c1", Seq: 1, Op: get}}},
		protocols.Event{Node: "c2", Notes: []protocols.Note{kv.Invoked{Client: "c2", Seq: 1, Op: get}}},
		protocols.Event{Node: "n1", Notes: []protocols.Note{Decided{Client: "c1", Seq: 1, Op: get, Tag: Tag{1, "c9#1"}, Value: "new"}}},
		protocols.Event{Node: "n3", Notes: []protocols.Note{Decided{Client: "c2", Seq: 1, Op: get, Tag: Tag{}, Value: ""}}},
	))
}

func TestTagOrder(t *testing.T) {
	assert.True(t, Tag{}.Less(Tag{1, "a"}))
	assert.True(t, Tag{1, "z"}.Less(Tag{2, "a"}))
	assert.True(t, Tag{2, "c1#7"}.Less(Tag{2, "c2#3"}), "the writer breaks ties")
	assert.Equal(t, "6:c1#7", Tag{6, "c1#7"}.String())
	assert.Equal(t, "0", Tag{}.String())
}
