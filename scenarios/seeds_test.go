package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Seeds that long sweeps found failing in correct protocols, each kept
// here once its cause was fixed: each must pass.

// requireSeedsPass runs the built-in scenario name with each seed and
// asserts that every run passes.
func requireSeedsPass(t *testing.T, name string, seeds ...uint64) {
	t.Helper()
	s, err := Builtin(name)
	require.NoError(t, err)
	for _, seed := range seeds {
		res, err := RunScenario(s, RunOptions{Seed: seed})
		require.NoError(t, err)
		assert.True(t, res.Pass, "%s seed %d: %s", name, seed, res.Verdict())
	}
}

// Elections deadlocked for good while servers refused votes to servers
// outside their own, possibly stale, configurations
// (protocols/raft/design.md, "Membership changes").
func TestRaftChaosSeedsThatDeadlockedOnMembership(t *testing.T) {
	requireSeedsPass(t, "raft/chaos", 3343, 3506, 5934, 6390, 7686, 12667, 13785, 14423)
}

// A candidate paused in term 1 took office when it resumed, long after
// two one-server changes had been committed in later terms. Its
// configuration's majorities need not overlap the committed one's, but
// every one of them holds a server of a later term, which refuses its
// entries: disjoint-majorities must not call it a violation
// (protocols/raft/invariants.go, configSafety).
func TestRaftChaosStaleTermLeaderIsNoDisjointMajority(t *testing.T) {
	requireSeedsPass(t, "raft/chaos", 12043, 15635)
}

// A leader cut off in the minority learned, on healing, decisions of a
// later ballot and went on heartbeating its own ballot with a commit point
// that covered them: its follower took what it had accepted in that
// ballot for a decided slot, another command than the one decided
// (protocols/paxos/multi/replica.go, handleDecide).
func TestMultiPaxosChaosStaleLeaderLearningADecide(t *testing.T) {
	requireSeedsPass(t, "multipaxos/chaos", 5318)
}
