package scenarios

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A bug variant found by a sweep shrinks to a small scenario file, and that
// file, parsed back, fails the same way.
func TestShrinkFindsASmallFailingScenario(t *testing.T) {
	s, err := Builtin("raft/chaos")
	require.NoError(t, err)
	const bug = "vote-without-log-check"
	first, err := RunScenario(s, RunOptions{Seed: 1, Bug: bug})
	require.NoError(t, err)
	require.False(t, first.Pass, "seed 1 catches %s", bug)

	sh, err := Shrink(context.Background(), s, 1, bug, nil)
	require.NoError(t, err)
	assert.Equal(t, first.Violations[0].Kind, sh.Violation)
	assert.Greater(t, sh.FaultsBefore, 10)
	assert.LessOrEqual(t, len(sh.Scenario.Faults), 5, "a handful of faults at most")
	assert.Less(t, sh.Scenario.Duration, s.Duration)
	assert.Equal(t, "dsim run raft/chaos --seed 1 --bug "+bug, sh.From)

	file := sh.File()
	assert.True(t, strings.HasPrefix(file, "# Shrunk by dsim fuzz --shrink from: dsim run raft/chaos --seed 1 --bug "+bug))
	back, err := Parse("shrunk.scn", strings.NewReader(file))
	require.NoError(t, err)
	assert.Empty(t, back.Chaos, "everything is written out")
	assert.Equal(t, bug, back.Bug)
	res, err := RunScenario(back, RunOptions{Seed: back.Seed})
	require.NoError(t, err)
	require.False(t, res.Pass)
	assert.Equal(t, sh.Violation, res.Violations[0].Kind)
}

// Writing a swarm seed's schedule out changes nothing about the run.
func TestExplicitScheduleRunsTheSameRun(t *testing.T) {
	for _, name := range []string{"raft/chaos", "2pc/chaos", "broadcast/chaos"} {
		s, err := Builtin(name)
		require.NoError(t, err)
		for _, seed := range []uint64{1, 2, 3} {
			a, err := RunScenario(s, RunOptions{Seed: seed})
			require.NoError(t, err)
			e, err := Explicit(s, seed, "")
			require.NoError(t, err)
			back, err := Parse("explicit.scn", strings.NewReader(Format(e)))
			require.NoError(t, err)
			b, err := RunScenario(back, RunOptions{Seed: seed})
			require.NoError(t, err)
			assert.Equal(t, a.TraceHash, b.TraceHash, "%s seed %d", name, seed)
		}
	}
}
