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
	// forget-vote: raft/chaos churns its membership, and a leader-completeness
	// failure (vote-without-log-check) usually needs that history to show,
	// which keeps its shrunk schedule above a handful of faults.
	const bug = "forget-vote"
	var first *Result
	var seed uint64
	for seed = 1; seed <= 100; seed++ {
		r, err := RunScenario(s, RunOptions{Seed: seed, Bug: bug})
		require.NoError(t, err)
		if !r.Pass {
			first = r
			break
		}
	}
	require.NotNil(t, first, "%s is caught within 100 seeds", bug)

	sh, err := Shrink(context.Background(), s, seed, ShrinkOptions{Bug: bug})
	require.NoError(t, err)
	assert.Equal(t, first.Violations[0].Kind, sh.Violation)
	assert.Greater(t, sh.FaultsBefore, 10)
	assert.LessOrEqual(t, len(sh.Scenario.Faults), 5, "a handful of faults at most")
	assert.Less(t, sh.Scenario.Duration, s.Duration)
	assert.Equal(t, first.Repro, sh.From)

	file := sh.File()
	assert.True(t, strings.HasPrefix(file, "# Shrunk by dsim fuzz --shrink from: "+first.Repro))
	back, err := Parse("shrunk.scn", strings.NewReader(file))
	require.NoError(t, err)
	assert.Empty(t, back.Chaos, "everything is written out")
	assert.Equal(t, bug, back.Bug)
	res, err := RunScenario(back, RunOptions{Seed: back.Seed})
	require.NoError(t, err)
	require.False(t, res.Pass)
	assert.Equal(t, sh.Violation, res.Violations[0].Kind)

	// Without its bug the shrunk world passes: it shows the bug, not a world
	// too harsh for correct code.
	back.Bug = ""
	res, err = RunScenario(back, RunOptions{Seed: back.Seed})
	require.NoError(t, err)
	assert.True(t, res.Pass, "%v", res.Violations)
}

// The same holds for every bug variant of every protocol: the first failing
// seed of its chaos sweep shrinks to a file that fails with the bug and
// passes without it.
func TestShrunkScenariosPassWithoutTheirBug(t *testing.T) {
	if testing.Short() {
		t.Skip("shrinks every bug variant")
	}
	for _, b := range AllBugs() {
		t.Run(b.Protocol+"/"+b.Name, func(t *testing.T) {
			t.Parallel()
			s, err := Builtin(b.Protocol + "/chaos")
			require.NoError(t, err)
			var seed uint64
			for seed = 1; seed <= 500; seed++ {
				r, err := RunScenario(s, RunOptions{Seed: seed, Bug: b.Name})
				require.NoError(t, err)
				if !r.Pass {
					break
				}
			}
			require.LessOrEqual(t, seed, uint64(500))
			sh, err := Shrink(context.Background(), s, seed, ShrinkOptions{Bug: b.Name})
			require.NoError(t, err)
			back, err := Parse("shrunk.scn", strings.NewReader(sh.File()))
			require.NoError(t, err)
			with, err := RunScenario(back, RunOptions{Seed: back.Seed})
			require.NoError(t, err)
			assert.False(t, with.Pass)
			back.Bug = ""
			without, err := RunScenario(back, RunOptions{Seed: back.Seed})
			require.NoError(t, err)
			assert.True(t, without.Pass, "%s without its bug: %v", sh.From, without.Violations)
			t.Logf("%s: %d faults -> %d in %d runs", sh.From, sh.FaultsBefore, len(back.Faults), sh.Runs)
		})
	}
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
