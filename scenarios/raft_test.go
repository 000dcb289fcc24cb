package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// raft/figure8 passes on correct Raft and fails on the commit-old-term
// variant, whatever the seed: the pinned timeouts, drifting clocks and
// targeted faults make the order of events exact. Run on past the broken
// rule, the bug does the harm Figure 8 shows: a later leader overwrites the
// committed entries.
func TestFigure8CatchesCommitOldTerm(t *testing.T) {
	s, err := Builtin("raft/figure8")
	require.NoError(t, err)
	for seed := uint64(1); seed <= 3; seed++ {
		ok, err := RunScenario(s, RunOptions{Seed: seed})
		require.NoError(t, err)
		assert.True(t, ok.Pass, "seed %d: %v", seed, ok.Violations)
		assert.Greater(t, ok.Probes["commit-advanced-by-noop"], 0, "the no-op commits the old entries")

		bad, err := RunScenario(s, RunOptions{Seed: seed, Bug: "commit-old-term", KeepGoing: true})
		require.NoError(t, err)
		require.False(t, bad.Pass, "seed %d", seed)
		require.GreaterOrEqual(t, len(bad.Violations), 3, "%v", bad.Violations)
		assert.Equal(t, "commit-current-term", bad.Violations[0].Kind)
		assert.Contains(t, bad.Violations[0].Detail, "leader n1 of term 5 advanced its commit index to 187, an entry of term 1")
		// The harm: n5 is elected without the committed entries and
		// overwrites them.
		assert.Equal(t, "leader-completeness", bad.Violations[1].Kind)
		assert.Contains(t, bad.Violations[1].Detail, "n5 became leader of term 9 without entry 183/1")
		assert.Equal(t, "state-machine-safety", bad.Violations[2].Kind)
	}
}

// The scenarios the Raft issue names exist and mean what they say.
func TestRaftCatalogue(t *testing.T) {
	for _, name := range []string{"election", "leader-crash", "leader-isolated", "split-vote", "figure8", "log-repair", "unreliable", "clock-skew", "churn", "chaos", "canonical"} {
		_, err := Builtin("raft/" + name)
		assert.NoError(t, err, name)
	}
	probes := func(name string) map[string]int {
		s, err := Builtin(name)
		require.NoError(t, err)
		res, err := RunScenario(s, RunOptions{Seed: s.Seed})
		require.NoError(t, err)
		require.True(t, res.Pass, "%s: %v", name, res.Violations)
		return res.Probes
	}
	p := probes("raft/leader-isolated")
	assert.Greater(t, p["leader-step-down"], 0, "the old leader steps down after the heal")
	assert.Greater(t, p["log-truncation"], 0, "its uncommitted entries are replaced")
	assert.Greater(t, probes("raft/leader-crash")["restart-recovered"], 0)
	assert.Greater(t, probes("raft/log-repair")["fast-backup"], 0)
	assert.Greater(t, probes("raft/unreliable")["duplicate-request"], 0)
}
