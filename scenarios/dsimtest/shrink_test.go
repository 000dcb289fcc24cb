package dsimtest

import (
	"testing"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/broadcast"
	"github.com/dsimlab/dsim/sim"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The toy's bug needs exactly one fault: a crash of n2 after its first
// tick. Whatever rapid first stumbles on, it must shrink to that.
func TestShrinkToOneCrash(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		s := check(t, tallyWorld(false), seed)
		require.NotNil(t, s.first, "rapid seed %d: no failure found in %d runs", seed, s.runs)
		require.True(t, s.minimal.Failed())
		t.Logf("rapid seed %d: failure found at run %d with %d faults; shrunk to %d in %d runs in all:\n%s",
			seed, s.found, len(s.first.Faults), len(s.minimal.Faults), s.runs, s.minimal)
		assert.Equal(t, "at 101ms crash n2\n", formatSchedule(s.minimal.Faults, ""), "rapid seed %d", seed)
		assert.Equal(t, uint64(0), s.minimal.Seed, "the sim seed does not matter to this bug, so it shrinks to 0")
		assert.Equal(t, "increasing", s.minimal.Result.Violations[0].Kind)
		assert.Contains(t, s.rapidSays, "[rapid] failed after ")
		assert.Contains(t, s.rapidSays, "world failed with seed 0 and 1 faults: increasing at event 50 (2.100s): n2: reported 1 after 1")
		assert.Contains(t, s.logged, "[rapid] draw schedule: \n    at 101ms crash n2", "rapid logs the minimal draw as scenario-file lines")
		assert.Contains(t, s.logged, "schedule (seed 0; the recover at 2s that begins healing is implied):\n  at 101ms crash n2\n", "and the report")
	}
}

// With two bugs about, shrinking must stay on the one it found first: a
// crash of n2 (increasing) must not shrink into a pause (the panic of the
// stall bug), though pause comes before crash in the class order and so is
// what rapid tries first.
func TestShrinkKeepsTheViolationKind(t *testing.T) {
	kinds := map[string]int{}
	for seed := uint64(1); seed <= 8; seed++ {
		s := check(t, tallyWorld(true), seed)
		require.NotNil(t, s.first, "rapid seed %d: no failure found", seed)
		first, last := s.first.Result.Violations[0].Kind, s.minimal.Result.Violations[0].Kind
		kinds[first]++
		t.Logf("rapid seed %d: %s with %d faults -> %s with %d faults (%d runs): %s", seed, first, len(s.first.Faults), last, len(s.minimal.Faults), s.runs, formatSchedule(s.minimal.Faults, ""))
		assert.Equal(t, first, last, "rapid seed %d", seed)
		assert.Len(t, s.minimal.Faults, 1, "rapid seed %d: either bug needs one fault", seed)
	}
	assert.Positive(t, kinds["increasing"], "some seed must find the crash bug first, or this test shows nothing")
	assert.Positive(t, kinds["panic"], "some seed must find the stall bug first")
}

// Real protocol bugs, with broadcast wired by hand as an engineer would wire
// their own. forget-on-restart keeps learned values in memory only, so a
// node that crashes after learning a value never gets it back; no-retry
// sends each value once, so a node down while others gossip misses values
// for good. Either shrinks to one crash (with the rapid seed fixed, so the
// outcome is fixed too).
func TestShrinkBroadcastBug(t *testing.T) {
	for _, c := range []struct{ bug string }{{"forget-on-restart"}, {"no-retry"}} {
		w := World{
			Servers: 4,
			Server:  broadcast.New(broadcast.Options{Values: 3, Bug: c.bug}),
			Checks: func() Checks {
				ch := broadcast.NewChecker()
				return Checks{Monitors: []protocols.Monitor{ch}, Final: []func(protocols.Cluster) error{ch.Converged}}
			},
			Chaos:   3 * clock.Second,
			Healing: 3 * clock.Second,
		}
		s := check(t, w, 1)
		require.NotNil(t, s.first, "%s: no failure found in %d runs", c.bug, s.runs)
		t.Logf("%s: failure found at run %d with %d faults; shrunk to %d in %d runs in all:\n%s",
			c.bug, s.found, len(s.first.Faults), len(s.minimal.Faults), s.runs, s.minimal)
		assert.Equal(t, "convergence", s.minimal.Result.Violations[0].Kind, c.bug)
		require.Len(t, s.minimal.Faults, 1, c.bug)
		assert.Equal(t, sim.Crash, s.minimal.Faults[0].Kind, c.bug)
	}
}
