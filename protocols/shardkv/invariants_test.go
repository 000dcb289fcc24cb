package shardkv

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The cross-group monitor, fed notes by hand: a controller n1 and two
// groups of one (g1 = n2, g2 = n3), four shards, g1 alone in
// configuration 1; configuration 2 moves shard 1 to g2.

type noCluster struct{}

func (noCluster) Now() clock.Time                      { return 0 }
func (noCluster) Servers() []protocols.NodeID          { return protocols.Servers(3) }
func (noCluster) Node(protocols.NodeID) protocols.Node { return nil }
func (noCluster) Byzantine(protocols.NodeID) bool      { return false }

func ghostFixture() (*ghost, Config) {
	o := Options{Controllers: 1, GroupSize: 1, InitialGroups: 1, Shards: 4}
	g := newGhost(NewLayout(protocols.Servers(3), o), o)
	cfg2 := Config{Num: 2, Groups: []int{1, 2}, Shards: []int{1, 2, 1, 1}}
	return g, cfg2
}

func feed(t *testing.T, g *ghost, id protocols.NodeID, notes ...protocols.Note) error {
	t.Helper()
	return g.Check(noCluster{}, protocols.Event{Node: id, Input: protocols.Receive, Notes: notes})
}

func put(seq uint64, key, value string) kv.Request {
	return kv.Request{Client: "c1", Seq: seq, Op: kv.PutOp(key, value)}
}

func kind(err error) string {
	if v, ok := err.(*protocols.Violation); ok {
		return v.Kind
	}
	return ""
}

func TestGhostAcceptsACorrectHandoff(t *testing.T) {
	g, cfg2 := ghostFixture()
	require.NoError(t, feed(t, g, "n2", ConfigApplied{Gid: 1, Num: 1, Index: 2}))
	require.NoError(t, feed(t, g, "n3", ConfigApplied{Gid: 2, Num: 1, Index: 2}))
	require.NoError(t, feed(t, g, "n2", Served{Gid: 1, Num: 1, Shard: 1, Index: 3, Req: put(1, "k1", "a"), Outcome: kv.Executed}))
	require.NoError(t, feed(t, g, "n1", ConfigMade{Config: cfg2}))
	require.NoError(t, feed(t, g, "n2", ConfigApplied{Gid: 1, Num: 2, Index: 4}))
	require.NoError(t, feed(t, g, "n3", ConfigApplied{Gid: 2, Num: 2, Index: 3}))
	state := kv.NewMachine()
	state.Apply(put(1, "k1", "a"))
	require.NoError(t, feed(t, g, "n3", Installed{Gid: 2, Num: 2, Shard: 1, Index: 4, State: state.Snapshot()}))
	// A retry of c1#1 at the new owner is a duplicate: fine.
	require.NoError(t, feed(t, g, "n3", Served{Gid: 2, Num: 2, Shard: 1, Index: 5, Req: put(1, "k1", "a"), Outcome: kv.Duplicate}))
}

func TestGhostCatchesEachRuleBroken(t *testing.T) {
	setup := func(t *testing.T) *ghost {
		g, cfg2 := ghostFixture()
		require.NoError(t, feed(t, g, "n2", ConfigApplied{Gid: 1, Num: 1, Index: 2}))
		require.NoError(t, feed(t, g, "n3", ConfigApplied{Gid: 2, Num: 1, Index: 2}))
		require.NoError(t, feed(t, g, "n2", Served{Gid: 1, Num: 1, Shard: 1, Index: 3, Req: put(1, "k1", "a"), Outcome: kv.Executed}))
		require.NoError(t, feed(t, g, "n1", ConfigMade{Config: cfg2}))
		require.NoError(t, feed(t, g, "n2", ConfigApplied{Gid: 1, Num: 2, Index: 4}))
		require.NoError(t, feed(t, g, "n3", ConfigApplied{Gid: 2, Num: 2, Index: 3}))
		return g
	}
	t.Run("skipped configuration", func(t *testing.T) {
		g, _ := ghostFixture()
		assert.Equal(t, KindConfigOrder, kind(feed(t, g, "n2", ConfigApplied{Gid: 1, Num: 2, Index: 2})))
	})
	t.Run("served after giving the shard away", func(t *testing.T) {
		g := setup(t)
		assert.Equal(t, KindShardOwnership, kind(feed(t, g, "n2", Served{Gid: 1, Num: 2, Shard: 1, Index: 5, Req: put(2, "k1", "b"), Outcome: kv.Executed})))
	})
	t.Run("served before the data arrived", func(t *testing.T) {
		g := setup(t)
		assert.Equal(t, KindShardOwnership, kind(feed(t, g, "n3", Served{Gid: 2, Num: 2, Shard: 1, Index: 4, Req: put(2, "k1", "b"), Outcome: kv.Executed})))
	})
	t.Run("a write lost in the hand-off", func(t *testing.T) {
		g := setup(t)
		assert.Equal(t, KindHandoffState, kind(feed(t, g, "n3", Installed{Gid: 2, Num: 2, Shard: 1, Index: 4, State: kv.NewMachine().Snapshot()})))
	})
	t.Run("the duplicate table left behind", func(t *testing.T) {
		g := setup(t)
		snap := kv.NewMachine()
		snap.Apply(put(1, "k1", "a"))
		s := snap.Snapshot()
		s.Sessions = nil
		assert.Equal(t, KindHandoffState, kind(feed(t, g, "n3", Installed{Gid: 2, Num: 2, Shard: 1, Index: 4, State: s})))
	})
	t.Run("executed twice across groups", func(t *testing.T) {
		g := setup(t)
		snap := kv.NewMachine()
		snap.Apply(put(1, "k1", "a"))
		require.NoError(t, feed(t, g, "n3", Installed{Gid: 2, Num: 2, Shard: 1, Index: 4, State: snap.Snapshot()}))
		assert.Equal(t, KindExactlyOnce, kind(feed(t, g, "n3", Served{Gid: 2, Num: 2, Shard: 1, Index: 5, Req: put(1, "k1", "a"), Outcome: kv.Executed})))
	})
}
