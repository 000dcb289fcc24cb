package twopc

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols/bank/banktest"
)

type rapidChooser struct{ t *rapid.T }

func (c rapidChooser) IntN(n int, label string) int { return rapid.IntRange(0, n-1).Draw(c.t, label) }

type seededChooser struct{ r *rand.Rand }

func (c seededChooser) IntN(n int, _ string) int { return c.r.IntN(n) }

// fuzzWorld is coordinator n1, participants n2..n4 (two accounts each) and
// two clients running random transfers.
func fuzzWorld(seed uint64, bug string) *banktest.World {
	opts := Options{Bug: bug}
	return banktest.NewWorld(seed, 4, 2, New(opts), NewClient(opts), Monitors())
}

// TestSafetyUnderRandomSchedules: correct 2PC breaks no safety property under
// any mix of delivery order, loss, duplication, timer firings, crashes and
// restarts, and once healed it resolves everything (no transaction left
// prepared) with every committed transfer applied everywhere.
func TestSafetyUnderRandomSchedules(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := fuzzWorld(rapid.Uint64().Draw(rt, "seed"), "")
		ch := rapidChooser{rt}
		if err := w.Chaos(ch, 600, banktest.DefaultWeights); err != nil {
			rt.Fatalf("%v\n%s", err, w.Log())
		}
		if err := w.Heal(50); err != nil {
			rt.Fatalf("%v\n%s", err, w.Log())
		}
	})
}

// TestRandomSchedulesCatchEachBug: each bug variant is caught by the
// monitors within a few hundred random schedules, and the seed that catches
// it reproduces the same violation.
func TestRandomSchedulesCatchEachBug(t *testing.T) {
	for _, b := range Bugs {
		t.Run(b.Name, func(t *testing.T) {
			run := func(seed uint64) error {
				w := fuzzWorld(seed, b.Name)
				ch := seededChooser{rand.New(rand.NewPCG(seed, 0xb0c))}
				if err := w.Chaos(ch, 600, banktest.DefaultWeights); err != nil {
					return err
				}
				return w.Heal(50)
			}
			for seed := uint64(1); seed <= 500; seed++ {
				if err := run(seed); err != nil {
					t.Logf("caught at seed %d: %v", seed, err)
					require.Equal(t, err.Error(), run(seed).Error(), "the same seed must reproduce the same violation")
					return
				}
			}
			t.Fatalf("bug %s not caught in 500 random schedules", b.Name)
		})
	}
}

// TestScheduleIsDeterministic: one seed, one trace.
func TestScheduleIsDeterministic(t *testing.T) {
	trace := func() string {
		w := fuzzWorld(7, "")
		ch := seededChooser{rand.New(rand.NewPCG(7, 1))}
		require.NoError(t, w.Chaos(ch, 600, banktest.DefaultWeights))
		require.NoError(t, w.Heal(50))
		return w.Log()
	}
	a := trace()
	require.Equal(t, a, trace())
	require.Contains(t, a, "note finished", "the schedule should get some transaction through")
}

// TestMessagesAreValues: wrapping every node so that any mutation of a sent
// message, a received one or a persisted record is reported changes
// nothing in the trace and reports nothing (rule 5 of docs/architecture.md).
func TestMessagesAreValues(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		run := func(freeze bool) string {
			opts := Options{}
			server, client := New(opts), NewClient(opts)
			if freeze {
				mutated := func(what string) { t.Errorf("seed %d: %s", seed, what) }
				server, client = banktest.Freeze(server, mutated), banktest.Freeze(client, mutated)
			}
			w := banktest.NewWorld(seed, 4, 2, server, client, Monitors())
			ch := seededChooser{rand.New(rand.NewPCG(seed, 5))}
			require.NoError(t, w.Chaos(ch, 400, banktest.DefaultWeights))
			require.NoError(t, w.Heal(50))
			return w.Log()
		}
		require.Equal(t, run(false), run(true), "seed %d", seed)
	}
}

// TestProbesAreDeclaredAndReached: random runs reach every declared probe
// and report no undeclared one.
func TestProbesAreDeclaredAndReached(t *testing.T) {
	seen := banktest.ProbeCounter{}
	for seed := uint64(1); seed <= 30; seed++ {
		opts := Options{}
		w := banktest.NewWorld(seed, 4, 2, New(opts), NewClient(opts), append(Monitors(), seen))
		require.NoError(t, w.Chaos(seededChooser{rand.New(rand.NewPCG(seed, 9))}, 600, banktest.DefaultWeights))
		require.NoError(t, w.Heal(50))
	}
	for _, p := range Probes {
		assert.Positive(t, seen[p], "probe %s never reached", p)
	}
	for p := range seen {
		assert.Contains(t, Probes, p, "probe %s is not declared", p)
	}
}
