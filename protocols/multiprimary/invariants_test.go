package multiprimary

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

type cluster struct {
	now   clock.Time
	nodes map[protocols.NodeID]protocols.Node
}

func (c *cluster) Now() clock.Time                         { return c.now }
func (c *cluster) Servers() []protocols.NodeID             { return protocols.Servers(3) }
func (c *cluster) Node(id protocols.NodeID) protocols.Node { return c.nodes[id] }
func (c *cluster) Byzantine(protocols.NodeID) bool         { return false }

func server(id protocols.NodeID, key string, vs ...Version) *node {
	n := &node{id: id, opts: Options{Resolve: VVs}.withDefaults()}
	if key != "" {
		n.keys = []keyState{{key: key, versions: vs}}
	}
	return n
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

func TestVVOrder(t *testing.T) {
	a, b := ParseVV("n1:1"), ParseVV("n2:1")
	assert.False(t, a.LessEq(b))
	assert.False(t, b.LessEq(a), "concurrent")
	ab := a.Merge(b)
	assert.Equal(t, "n1:1,n2:1", ab.String())
	assert.True(t, a.LessEq(ab) && b.LessEq(ab))
	assert.Equal(t, "n1:1,n2:1,n3:4", ab.With("n3", 4).String())
	assert.Nil(t, ParseVV("garbage"))
}

func TestJoinKeepsConcurrentSiblings(t *testing.T) {
	a := Version{VV: ParseVV("n1:1"), Value: "a"}
	b := Version{VV: ParseVV("n2:1"), Value: "b"}
	ab := Version{VV: ParseVV("n1:1,n2:1,n3:1"), Value: "ab"}
	vs := joinVV(joinVV(nil, a), b)
	assert.Len(t, vs, 2)
	assert.Equal(t, []Version{ab}, joinVV(vs, ab), "a version that dominates both replaces them")
	assert.Len(t, joinVV([]Version{ab}, a), 1, "a dominated version is ignored")
}

func TestMergeCatchesADroppedSibling(t *testing.T) {
	ch := Checks(Options{Resolve: VVs}, false, clock.Second)
	a := Version{VV: ParseVV("n1:1"), Value: "a"}
	b := Version{VV: ParseVV("n2:1"), Value: "b"}
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{"n1": server("n1", "k1", b)}}
	assert.Equal(t, KindMerge, feed(t, ch, c, protocols.Event{Node: "n1", Notes: []protocols.Note{Merged{"k1", a}, Merged{"k1", b}}}))
	c.nodes["n1"] = server("n1", "k1", a, b)
	ch = Checks(Options{Resolve: VVs}, false, clock.Second)
	assert.Empty(t, feed(t, ch, c, protocols.Event{Node: "n1", Notes: []protocols.Note{Merged{"k1", a}, Merged{"k1", b}}}))
}

func TestConvergenceAtTheEnd(t *testing.T) {
	ch := Checks(Options{Resolve: VVs}, false, clock.Second)
	a := Version{VV: ParseVV("n1:1"), Value: "a"}
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{"n1": server("n1", "k1", a), "n2": server("n2", ""), "n3": server("n3", "k1", a)}}
	assert.Empty(t, feed(t, ch, c, protocols.Event{Node: "n1", Notes: []protocols.Note{Wrote{Client: "c1", Seq: 1, Key: "k1", Version: a}, Merged{"k1", a}}}))
	c.now = clock.Time(3 * clock.Second)
	err := ch.Final[1](c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), KindConvergence)
	c.nodes["n2"] = server("n2", "k1", a)
	assert.NoError(t, ch.Final[1](c))
}

func TestLostUpdateUnderSkew(t *testing.T) {
	ch := Checks(Options{}, true, clock.Second)
	c := &cluster{nodes: map[protocols.NodeID]protocols.Node{}}
	p1, p2 := kv.PutOp("k2", "a"), kv.PutOp("k2", "b")
	early := Version{Stamp: Stamp{Millis: 100, Writer: "c1#1"}, Value: "a"}
	skewed := Version{Stamp: Stamp{Millis: 50, Writer: "c2#1"}, Value: "b"}
	assert.Equal(t, KindLostUpdate, feed(t, ch, c,
		protocols.Event{Node: "c1", Notes: []protocols.Note{kv.Invoked{Client: "c1", Seq: 1, Op: p1}}},
		protocols.Event{Node: "n2", Notes: []protocols.Note{Wrote{Client: "c1", Seq: 1, Key: "k2", Version: early}}},
		protocols.Event{Node: "c1", Notes: []protocols.Note{kv.Completed{Client: "c1", Seq: 1, Op: p1}}},
		protocols.Event{Node: "c2", Notes: []protocols.Note{kv.Invoked{Client: "c2", Seq: 1, Op: p2}}},
		protocols.Event{Node: "n1", Notes: []protocols.Note{Wrote{Client: "c2", Seq: 1, Key: "k2", Version: skewed}}},
	))
}
