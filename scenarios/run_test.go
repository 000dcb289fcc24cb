package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBroadcastScenariosPass(t *testing.T) {
	for _, name := range []string{"broadcast/basic", "broadcast/partition-heal", "broadcast/lossy", "broadcast/crash-restart", "broadcast/no-retry-bug"} {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			require.NoError(t, err)
			res, err := RunScenario(s, RunOptions{Seed: 1})
			require.NoError(t, err)
			assert.True(t, res.Pass, "%+v", res)
			assert.Equal(t, "skipped", res.Linearizable)
		})
	}
}

// A client that crashes and restarts leaves its open operation
// indeterminate; nobody waits for it, so liveness is not judged on it.
func TestCrashedClientIsNotALivenessFailure(t *testing.T) {
	s, err := Parse("c.scn", strings.NewReader("protocol raft\nnodes 3\nclients 2\nduration 3s\nhealing 2s\nat 1s crash c1\nat 2s restart c1\n"))
	require.NoError(t, err)
	res, err := RunScenario(s, RunOptions{Seed: 1})
	require.NoError(t, err)
	assert.True(t, res.Pass, "%v", res.Violations)
	assert.GreaterOrEqual(t, res.Ops.Indeterminate, 1)
}

// Without a healing phase there is nothing to judge liveness on, and a
// healing phase too short for the protocol is refused up front.
func TestHealingPhaseRules(t *testing.T) {
	parse := func(src string) *Scenario {
		s, err := Parse("h.scn", strings.NewReader(src))
		require.NoError(t, err)
		return s
	}
	res, err := RunScenario(parse("protocol raft\nnodes 3\nduration 2s\nhealing 0s\nat 1s crash all\n"), RunOptions{Seed: 1})
	require.NoError(t, err)
	assert.True(t, res.Pass, "no end-of-run checks without a healing phase: %v", res.Violations)

	_, err = RunScenario(parse("protocol raft\nnodes 3\nduration 2s\nhealing 20ms\n"), RunOptions{Seed: 1})
	assert.ErrorContains(t, err, "healing 20ms is too short for raft to recover and be judged; use at least 1s")
}

func TestMisspeltMessageKindIsAnError(t *testing.T) {
	s, err := Parse("k.scn", strings.NewReader("protocol raft\nnodes 3\nduration 2s\nat 1s drop next 1 AppendEntry n1->n2\n"))
	require.NoError(t, err)
	_, err = Start(s, RunOptions{Seed: 1})
	assert.ErrorContains(t, err, `k.scn:4: raft has no message kind "AppendEntry" (its kinds: RequestVote, RequestVoteReply, AppendEntries`)
}

func TestReproCarriesTheEventBudget(t *testing.T) {
	s, err := Builtin("raft/election")
	require.NoError(t, err)
	res, err := RunScenario(s, RunOptions{Seed: 1, MaxEvents: 500})
	require.NoError(t, err)
	assert.False(t, res.Pass)
	assert.Equal(t, "event-budget", res.Violations[0].Kind)
	assert.Equal(t, "dsim run raft/election --seed 1 --max-events 500", res.Repro)
}
