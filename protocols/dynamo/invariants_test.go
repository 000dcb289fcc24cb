package dynamo

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// cluster is a hand-made protocols.Cluster of five servers.
type cluster struct {
	now   clock.Time
	nodes map[protocols.NodeID]protocols.Node
}

func (c *cluster) Now() clock.Time                         { return c.now }
func (c *cluster) Servers() []protocols.NodeID             { return protocols.Servers(5) }
func (c *cluster) Node(id protocols.NodeID) protocols.Node { return c.nodes[id] }
func (c *cluster) Byzantine(protocols.NodeID) bool         { return false }

func server(id protocols.NodeID, es ...entry) *node {
	return &node{id: id, servers: protocols.Servers(5), opts: Options{}.withDefaults(5), entries: es}
}

func feed(t *testing.T, ch protocols.Checks, c *cluster, events ...protocols.Event) string {
	t.Helper()
	for i, ev := range events {
		ev.Seq = uint64(i + 1)
		for _, m := range ch.Monitors {
			if err := m.Check(c, ev); err != nil {
				var v *protocols.Violation
				require.ErrorAs(t, err, &v)
				return v.Kind
			}
		}
	}
	return ""
}

func checks(fresh bool) protocols.Checks {
	return Checks(Options{}, protocols.Servers(5), fresh, clock.Second)
}

func TestVersionMonotonic(t *testing.T) {
	ch := checks(false)
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{"n4": server("n4", entry{"k1", Version{2, "c1#2"}, "b"})}}
	assert.Empty(t, feed(t, ch, c, protocols.Event{Node: "n4"}))
	c.nodes["n4"] = server("n4", entry{"k1", Version{1, "c1#1"}, "a"})
	assert.Equal(t, KindVersionMonotonic, feed(t, ch, c, protocols.Event{Node: "n4"}))
}

func TestStaleReadAndLostUpdate(t *testing.T) {
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{}}
	put, get := kv.PutOp("k1", "a"), kv.GetOp("k1")
	v1 := Version{1, "c1#1"}
	done := []protocols.Event{
		{Node: "c1", Notes: []protocols.Note{kv.Invoked{Client: "c1", Seq: 1, Op: put}}},
		{Node: "n4", Notes: []protocols.Note{Decided{Client: "c1", Seq: 1, Op: put, Version: v1, Value: "a"}}},
	}
	stale := append(done,
		protocols.Event{Node: "c2", Notes: []protocols.Note{kv.Invoked{Client: "c2", Seq: 1, Op: get}}},
		protocols.Event{Node: "n5", Notes: []protocols.Note{Decided{Client: "c2", Seq: 1, Op: get}}})
	assert.Equal(t, KindStaleRead, feed(t, checks(true), c, stale...))
	assert.Empty(t, feed(t, checks(false), c, stale...), "only when fresh reads are promised")

	lost := append(done,
		protocols.Event{Node: "c2", Notes: []protocols.Note{kv.Invoked{Client: "c2", Seq: 1, Op: kv.PutOp("k1", "b")}}},
		protocols.Event{Node: "n5", Notes: []protocols.Note{Decided{Client: "c2", Seq: 1, Op: kv.PutOp("k1", "b"), Version: Version{1, "c0#9"}, Value: "b"}}})
	assert.Equal(t, KindLostUpdate, feed(t, checks(true), c, lost...))
}

func TestFinalChecks(t *testing.T) {
	// k1's home replicas are n4, n5, n1.
	v := Version{1, "c1#1"}
	put := kv.PutOp("k1", "a")
	ch := checks(false)
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{}}
	for _, id := range protocols.Servers(5) {
		c.nodes[id] = server(id)
	}
	c.nodes["n4"] = server("n4", entry{"k1", v, "a"})
	assert.Empty(t, feed(t, ch, c,
		protocols.Event{Node: "n4", Time: 0, Notes: []protocols.Note{Stored{Key: "k1", Version: v, Value: "a"}, Decided{Client: "c1", Seq: 1, Op: put, Version: v, Value: "a"}}},
		protocols.Event{Node: "n2", Time: 0, Notes: []protocols.Note{Hinted{Home: "n5", Key: "k1", Version: v}}},
	))
	c.now = clock.Time(5 * clock.Second)
	err := ch.Final[1](c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), KindAckedWriteLost)

	for _, id := range []protocols.NodeID{"n5", "n1"} {
		c.nodes[id] = server(id, entry{"k1", v, "a"})
	}
	err = ch.Final[1](c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), KindHintedHandoff, "n2 still holds its hint")

	assert.Empty(t, feed(t, ch, c, protocols.Event{Node: "n2", Notes: []protocols.Note{Delivered{Home: "n5", Key: "k1", Version: v}}}))
	assert.NoError(t, ch.Final[1](c))
}

func TestPreferenceIsARingOrder(t *testing.T) {
	p := Preference(protocols.Servers(5), "k1")
	assert.Equal(t, []protocols.NodeID{"n4", "n5", "n1", "n2", "n3"}, p)
}
