package kv

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSnapshotEncodingRoundTrips(t *testing.T) {
	m := NewMachine()
	m.Apply(put("c1", 1, "k1", "a"))
	m.Apply(Request{Client: "c2", Seq: 4, Op: AppendOp("k2", "b")})
	m.Apply(Request{Client: "c1", Seq: 2, Op: GetOp("k1")})
	b := m.Snapshot().Encode()
	s, err := DecodeSnapshot(b)
	require.NoError(t, err)
	back := s.Restore()
	assert.Equal(t, m.Snapshot(), back.Snapshot(), "the state comes back whole")
	assert.Equal(t, b, back.Snapshot().Encode(), "equal machines encode to equal bytes")

	v, ok := back.Cached("c1", 2)
	assert.True(t, ok, "the sessions come back too")
	assert.Equal(t, "a", v)
	_, outcome := back.Apply(Request{Client: "c2", Seq: 4, Op: AppendOp("k2", "b")})
	assert.Equal(t, Duplicate, outcome, "so a retried request is not executed twice")

	bare := m.Snapshot()
	bare.Sessions = nil
	s, err = DecodeSnapshot(bare.Encode())
	require.NoError(t, err)
	forgetful := s.Restore()
	assert.Equal(t, "b", forgetful.Value("k2"))
	_, outcome = forgetful.Apply(Request{Client: "c2", Seq: 4, Op: AppendOp("k2", "b")})
	assert.Equal(t, Executed, outcome, "without sessions the retry runs again")
	assert.Equal(t, "bb", forgetful.Value("k2"))
}

func TestDecodeSnapshotRefusesGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("xyz"), []byte("kv1"), append(NewMachine().Snapshot().Encode(), 7)} {
		_, err := DecodeSnapshot(b)
		assert.ErrorIs(t, err, ErrBadSnapshot, "%q", b)
	}
	_, err := DecodeSnapshot(NewMachine().Snapshot().Encode())
	assert.NoError(t, err)
}

func TestRestoredCountsAsApplied(t *testing.T) {
	n := Restored{Index: 120, Term: 3}
	assert.Equal(t, 120, n.AppliedIndex())
	assert.Equal(t, "restored 120/3", n.String())
}

// The monitors keep bounded memory over long runs and still judge.
func TestMonitorsStayBounded(t *testing.T) {
	once := ExactlyOnce().(*exactlyOnce)
	stale := StaleReads().(*staleReads)
	for i := 1; i <= 50_000; i++ {
		r := put("c1", uint64(i), fmt.Sprintf("k%d", i%3), fmt.Sprint(i))
		e := ev("n1", Applied{Index: i, Req: r, Outcome: Executed})
		require.NoError(t, once.Check(noCluster{}, e))
		require.NoError(t, stale.Check(noCluster{}, e))
	}
	assert.LessOrEqual(t, once.at.Len(), 2*onceLimit)
	assert.LessOrEqual(t, len(once.at.clients[0].at), 2*onceLimit+farAhead, "the slice is cut too")
	for k, vs := range stale.versions {
		assert.LessOrEqual(t, len(vs), staleReadsPrune+1, k)
	}
	// A recent duplicate is still caught.
	err := once.Check(noCluster{}, ev("n2", Applied{Index: 50_001, Req: put("c1", 49_990, "k1", "49990"), Outcome: Executed}))
	assert.ErrorContains(t, err, "exactly-once")
	// And a stale read: the get invoked now must see k1's latest value.
	require.NoError(t, stale.Check(noCluster{}, ev("c2", Invoked{Client: "c2", Seq: 1, Op: GetOp("k1")})))
	err = stale.Check(noCluster{}, ev("c2", Completed{Client: "c2", Seq: 1, Op: GetOp("k1"), Output: "1", Server: "n3"}))
	assert.ErrorContains(t, err, "stale-read")
}
