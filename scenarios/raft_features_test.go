package scenarios

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The scenarios of Raft's production features mean what their texts say.
func TestRaftFeatureScenarios(t *testing.T) {
	run := func(t *testing.T, name string, edit func(*Scenario)) *Result {
		t.Helper()
		s, err := Builtin(name)
		require.NoError(t, err)
		if edit != nil {
			c := *s
			edit(&c)
			s = &c
		}
		res, err := RunScenario(s, RunOptions{Seed: s.Seed})
		require.NoError(t, err)
		return res
	}
	t.Run("partial connectivity churns basic Raft and not PreVote with CheckQuorum", func(t *testing.T) {
		t.Parallel()
		basic := run(t, "raft/partial-connectivity", nil)
		assert.Greater(t, basic.Probes["leader-step-down"], 5, "leader after leader deposed")
		fixed := run(t, "raft/partial-connectivity-prevote", nil)
		require.True(t, fixed.Pass, "%v", fixed.Violations)
		assert.Zero(t, fixed.Probes["leader-step-down"])
		assert.Equal(t, 1, fixed.Probes["leader-elected"], "one leader, for good")
	})
	t.Run("a rejoining server deposes the leader without PreVote only", func(t *testing.T) {
		t.Parallel()
		assert.Greater(t, run(t, "raft/disruptive-rejoin", nil).Probes["leader-step-down"], 0)
		with := run(t, "raft/disruptive-rejoin-prevote", nil)
		require.True(t, with.Pass, "%v", with.Violations)
		assert.Zero(t, with.Probes["leader-step-down"])
		assert.Greater(t, with.Probes["pre-vote-failed"], 0)
	})
	t.Run("a lease outlasted by drift reads stale; ReadIndex, the log or a wider margin do not", func(t *testing.T) {
		t.Parallel()
		bad := run(t, "raft/lease-drift", nil)
		require.True(t, bad.Pass, "the expected stale read: %v", bad.Violations)
		for _, fix := range []Setting{{Key: "read", Value: "index"}, {Key: "read", Value: "log"}, {Key: "lease-margin", Value: "50%"}} {
			res := run(t, "raft/lease-drift", func(s *Scenario) {
				s.Expect = Expectation{}
				s.Options = slices.Clone(s.Options)
				for i := range s.Options {
					if s.Options[i].Key == fix.Key {
						s.Options[i].Value = fix.Value
					}
				}
			})
			assert.True(t, res.Pass, "option %s %s: %v", fix.Key, fix.Value, res.Violations)
		}
	})
	t.Run("snapshots compact and catch a follower up", func(t *testing.T) {
		t.Parallel()
		res := run(t, "raft/snapshot-catch-up", nil)
		require.True(t, res.Pass, "%v", res.Violations)
		assert.Greater(t, res.Probes["snapshot-taken"], 10)
		assert.Greater(t, res.Probes["snapshot-installed"], 0)
	})
	t.Run("membership: a learner promoted, a server added, the leader removed", func(t *testing.T) {
		t.Parallel()
		res := run(t, "raft/membership", nil)
		require.True(t, res.Pass, "%v", res.Violations)
		assert.Equal(t, 1, res.Probes["leader-removed-step-down"])
		assert.GreaterOrEqual(t, res.Probes["config-change"], 4)
		assert.Equal(t, 1, res.Probes["learner-promoted"])
	})
	t.Run("two overlapping changes: the rule breaks, then the harm follows", func(t *testing.T) {
		t.Parallel()
		s, err := Builtin("raft/membership-early-change")
		require.NoError(t, err)
		res, err := RunScenario(s, RunOptions{Seed: s.Seed, KeepGoing: true})
		require.NoError(t, err)
		var kinds []string
		for _, v := range res.Violations {
			kinds = append(kinds, v.Kind)
		}
		require.NotEmpty(t, kinds)
		assert.Equal(t, "config-change-rule", kinds[0], "the rule is reported first")
		for _, harm := range []string{"disjoint-majorities", "leader-completeness", "state-machine-safety", "acked-write-lost"} {
			assert.Contains(t, kinds, harm, "run on, the text promises %s", harm)
		}
	})
	t.Run("the bug scenarios pass without their bug", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"raft/read-index-before-noop", "raft/lease-without-check-quorum", "raft/snapshot-without-sessions",
			"raft/snapshot-without-config", "raft/membership-early-change"} {
			res := run(t, name, func(s *Scenario) { s.Bug, s.Expect = "", Expectation{} })
			assert.True(t, res.Pass, "%s without its bug: %v", name, res.Violations)
		}
	})
}
