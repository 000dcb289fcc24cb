package synod

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
)

// kindOf returns the violation kind of err, or "" for nil.
func kindOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var v *protocols.Violation
	require.True(t, errors.As(err, &v), "%v is not a violation", err)
	return v.Kind
}

var five = protocols.Servers(5)

func newGhost() *Ghost[string] { return NewGhost(five, 3, 3, func(v string) string { return v }) }

// accept records the acceptances of v in ballot b by the given acceptors
// and returns the first violation.
func accept(g *Ghost[string], s int, b Ballot, v string, by ...protocols.NodeID) error {
	for _, a := range by {
		if err := g.Accepted(a, s, b, v); err != nil {
			return err
		}
	}
	return nil
}

func promise(g *Ghost[string], b Ballot, by ...protocols.NodeID) []protocols.NodeID {
	for _, a := range by {
		g.Promised(a, b)
	}
	return by
}

func TestGhostChoosesWithAPhase2Quorum(t *testing.T) {
	g := newGhost()
	require.NoError(t, accept(g, 0, 101, "v1", "n1", "n2"))
	_, _, ok := g.Chosen(0)
	assert.False(t, ok, "two of five is not a quorum of three")
	require.NoError(t, accept(g, 0, 101, "v1", "n2"), "a duplicate counts once")
	_, _, ok = g.Chosen(0)
	assert.False(t, ok)
	require.NoError(t, accept(g, 0, 101, "v1", "n3"))
	v, b, ok := g.Chosen(0)
	assert.True(t, ok)
	assert.Equal(t, "v1", v)
	assert.Equal(t, Ballot(101), b)
}

func TestGhostAcceptancesOfDifferentBallotsDoNotAddUp(t *testing.T) {
	g := newGhost()
	require.NoError(t, accept(g, 0, 101, "v1", "n1", "n2"))
	require.NoError(t, accept(g, 0, 202, "v1", "n3"))
	_, _, ok := g.Chosen(0)
	assert.False(t, ok, "v1 was accepted by three acceptors, but in two ballots")
}

func TestGhostChosenUnique(t *testing.T) {
	g := newGhost()
	require.NoError(t, accept(g, 0, 101, "v1", "n1", "n2", "n3"))
	assert.Equal(t, KindChosenUnique, kindOf(t, accept(g, 0, 202, "v2", "n3", "n4", "n5")))
}

func TestGhostChosenStable(t *testing.T) {
	t.Run("a later proposal", func(t *testing.T) {
		// Quorums of two of five need not intersect (flexible/unsafe-quorums):
		// the proposal is safe by its promises and still changes the value.
		g := NewGhost(five, 2, 2, func(v string) string { return v })
		require.NoError(t, accept(g, 0, 101, "v1", "n1", "n2"))
		q := promise(g, 202, "n4", "n5")
		assert.Equal(t, KindChosenStable, kindOf(t, g.Proposed("n4", 0, 202, "v2", q)))
	})
	t.Run("a proposal made before the lower ballot was chosen", func(t *testing.T) {
		g := newGhost()
		require.NoError(t, g.Proposed("n2", 0, 202, "v2", promise(g, 202, "n3", "n4", "n5")))
		require.NoError(t, accept(g, 0, 101, "v1", "n1", "n2"))
		assert.Equal(t, KindChosenStable, kindOf(t, accept(g, 0, 101, "v1", "n3")))
	})
	t.Run("the same value is fine", func(t *testing.T) {
		g := newGhost()
		require.NoError(t, accept(g, 0, 101, "v1", "n1", "n2", "n3"))
		require.NoError(t, g.Proposed("n2", 0, 202, "v1", promise(g, 202, "n3", "n4", "n5")))
	})
}

func TestGhostProposalSafety(t *testing.T) {
	t.Run("the highest ballot among the promises", func(t *testing.T) {
		g := newGhost()
		require.NoError(t, accept(g, 0, 101, "v1", "n1"))
		require.NoError(t, accept(g, 0, 202, "v2", "n2"))
		q := promise(g, 303, "n1", "n2", "n4")
		assert.Equal(t, KindProposalSafety, kindOf(t, g.Proposed("n3", 0, 303, "v1", q)), "v2 in 202 beats v1 in 101")
		g2 := newGhost()
		require.NoError(t, accept(g2, 0, 101, "v1", "n1"))
		require.NoError(t, accept(g2, 0, 202, "v2", "n2"))
		require.NoError(t, g2.Proposed("n3", 0, 303, "v2", promise(g2, 303, "n1", "n2", "n4")))
	})
	t.Run("free when the quorum accepted nothing", func(t *testing.T) {
		g := newGhost()
		require.NoError(t, accept(g, 0, 101, "v1", "n1"))
		require.NoError(t, g.Proposed("n3", 0, 303, "v3", promise(g, 303, "n3", "n4", "n5")))
	})
	t.Run("acceptances at or above the ballot do not count", func(t *testing.T) {
		g := newGhost()
		q := promise(g, 303, "n3", "n4", "n5")
		require.NoError(t, g.Proposed("n3", 0, 303, "v3", q))
		require.NoError(t, accept(g, 0, 303, "v3", "n4"))
		require.NoError(t, g.Proposed("n3", 0, 303, "v3", q))
	})
	t.Run("a promise never made", func(t *testing.T) {
		g := newGhost()
		promise(g, 303, "n3", "n4")
		assert.Equal(t, KindProposalSafety, kindOf(t, g.Proposed("n3", 0, 303, "v3", five[2:])))
	})
	t.Run("too few promises", func(t *testing.T) {
		g := newGhost()
		assert.Equal(t, KindProposalSafety, kindOf(t, g.Proposed("n3", 0, 303, "v3", promise(g, 303, "n3", "n4"))))
	})
}

func TestGhostBallotUnique(t *testing.T) {
	t.Run("two proposers, one ballot", func(t *testing.T) {
		g := newGhost()
		require.NoError(t, g.Prepared("n1", 101))
		assert.Equal(t, KindBallotUnique, kindOf(t, g.Prepared("n2", 101)))
	})
	t.Run("a ballot reused", func(t *testing.T) {
		g := newGhost()
		require.NoError(t, g.Prepared("n1", 101))
		require.NoError(t, g.Prepared("n1", 201))
		assert.Equal(t, KindBallotUnique, kindOf(t, g.Prepared("n1", 101)))
	})
	t.Run("two values in one ballot", func(t *testing.T) {
		g := newGhost()
		require.NoError(t, accept(g, 0, 101, "v1", "n1"))
		assert.Equal(t, KindBallotUnique, kindOf(t, accept(g, 0, 101, "v2", "n2")))
		g2 := newGhost()
		q := promise(g2, 101, "n1", "n2", "n3")
		require.NoError(t, g2.Proposed("n1", 0, 101, "v1", q))
		assert.Equal(t, KindBallotUnique, kindOf(t, g2.Proposed("n1", 0, 101, "v2", q)))
	})
}

func TestGhostVotesNeverGoBack(t *testing.T) {
	g := newGhost()
	require.NoError(t, accept(g, 0, 202, "v2", "n1"))
	assert.Equal(t, KindPromiseMonotonic, kindOf(t, accept(g, 0, 101, "v1", "n1")))
}

func TestGhostLearning(t *testing.T) {
	g := newGhost()
	assert.Equal(t, KindLearnChosen, kindOf(t, g.Learned("n4", 0, "v1")), "nothing chosen yet")
	g = newGhost()
	require.NoError(t, accept(g, 0, 101, "v1", "n1", "n2", "n3"))
	require.NoError(t, g.Learned("n4", 0, "v1"))
	assert.Equal(t, KindAgreement, kindOf(t, g.Learned("n5", 0, "v2")))
	g = newGhost()
	require.NoError(t, accept(g, 0, 101, "v1", "n1", "n2", "n3"))
	assert.Equal(t, KindLearnChosen, kindOf(t, g.Learned("n4", 0, "v2")))
}

func TestGhostSlotsAreIndependent(t *testing.T) {
	g := newGhost()
	require.NoError(t, accept(g, 1, 101, "a", "n1", "n2", "n3"))
	require.NoError(t, accept(g, 2, 101, "b", "n1", "n2", "n3"))
	require.NoError(t, g.Learned("n4", 1, "a"))
	require.NoError(t, g.Learned("n4", 2, "b"))
}

func TestFlexibleQuorumsIntersect(t *testing.T) {
	assert.True(t, Quorums{}.Intersect(5))
	assert.True(t, Quorums{Phase1: 4, Phase2: 2}.Intersect(5))
	assert.False(t, Quorums{Phase1: 2, Phase2: 2}.Intersect(5))
	q1, q2 := Quorums{Phase2: 2}.Sizes(5)
	assert.Equal(t, []int{3, 2}, []int{q1, q2})
	assert.Error(t, Quorums{Phase1: 6}.Validate(5))
}

func TestBallots(t *testing.T) {
	b := MakeBallot(3, 2)
	assert.Equal(t, "302", b.String())
	assert.Equal(t, uint64(3), b.Round())
	assert.Equal(t, 2, b.Proposer())
	assert.Less(t, MakeBallot(2, 99), MakeBallot(3, 1), "a higher round outbids any proposer of a lower one")
	assert.Equal(t, 2, Number([]protocols.NodeID{"n10", "n2", "n1"}, "n2"))
}
