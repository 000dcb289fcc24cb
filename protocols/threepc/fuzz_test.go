package threepc

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/bank/banktest"
)

type rapidChooser struct{ t *rapid.T }

func (c rapidChooser) IntN(n int, label string) int { return rapid.IntRange(0, n-1).Draw(c.t, label) }

type seededChooser struct{ r *rand.Rand }

func (c seededChooser) IntN(n int, _ string) int { return c.r.IntN(n) }

// fuzzWorld is coordinator n1, participants n2..n4 and two clients running
// random transfers.
func fuzzWorld(seed uint64) *banktest.World {
	return banktest.NewWorld(seed, 4, 2, New(Options{}), NewClient(Options{}), Monitors())
}

// TestCrashOnlyWorldIsSafeAndNonBlocking: with a prompt, reliable network and
// only crashes and restarts, 3PC never breaks a safety property, and once
// everything is back up nothing is left in doubt.
func TestCrashOnlyWorldIsSafeAndNonBlocking(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := fuzzWorld(rapid.Uint64().Draw(rt, "seed"))
		if err := w.CrashOnly(rapidChooser{rt}, 600, banktest.DefaultWeights); err != nil {
			rt.Fatalf("%v\n%s", err, w.Log())
		}
		if err := w.Heal(50); err != nil {
			rt.Fatalf("%v\n%s", err, w.Log())
		}
	})
}

// TestAsynchronousSchedulesBreakAtomicity: let messages be late, lost or
// duplicated (a timeout is then no failure detector) and random schedules
// soon find an atomicity violation: the partition result, found blind.
func TestAsynchronousSchedulesBreakAtomicity(t *testing.T) {
	for seed := uint64(1); seed <= 500; seed++ {
		w := fuzzWorld(seed)
		err := w.Chaos(seededChooser{rand.New(rand.NewPCG(seed, 3))}, 600, banktest.DefaultWeights)
		if err == nil {
			continue
		}
		t.Logf("seed %d: %v", seed, err)
		require.ErrorContains(t, err, bank.KindAtomicity+":", "the first violation 3PC shows is atomicity")
		return
	}
	t.Fatal("no violation in 500 asynchronous schedules")
}

// TestMessagesAreValues: wrapping every node so that any mutation of a sent
// message, a received one or a persisted record is reported changes
// nothing in the trace and reports nothing (rule 5 of docs/architecture.md). The
// asynchronous schedules may well break atomicity (that is 3PC); the traces
// must still agree to the byte.
func TestMessagesAreValues(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		run := func(freeze bool) string {
			server, client := New(Options{}), NewClient(Options{})
			if freeze {
				mutated := func(what string) { t.Errorf("seed %d: %s", seed, what) }
				server, client = banktest.Freeze(server, mutated), banktest.Freeze(client, mutated)
			}
			w := banktest.NewWorld(seed, 4, 2, server, client, Monitors())
			err := w.Chaos(seededChooser{rand.New(rand.NewPCG(seed, 5))}, 400, banktest.DefaultWeights)
			return fmt.Sprint(err) + "\n" + w.Log()
		}
		require.Equal(t, run(false), run(true), "seed %d", seed)
	}
}

// TestProbesAreDeclaredAndReached: random runs (crash-only and asynchronous)
// reach every declared probe and report no undeclared one.
func TestProbesAreDeclaredAndReached(t *testing.T) {
	seen := banktest.ProbeCounter{}
	for seed := uint64(1); seed <= 30; seed++ {
		w := banktest.NewWorld(seed, 4, 2, New(Options{}), NewClient(Options{}), append(Monitors(), seen))
		ch := seededChooser{rand.New(rand.NewPCG(seed, 9))}
		require.NoError(t, w.CrashOnly(ch, 600, banktest.DefaultWeights))
		require.NoError(t, w.Heal(50))
		w = banktest.NewWorld(seed, 4, 2, New(Options{}), NewClient(Options{}), []protocols.Monitor{seen})
		_ = w.Chaos(ch, 600, banktest.DefaultWeights) // no safety monitors: 3PC breaks them here
	}
	for _, p := range Probes {
		assert.Positive(t, seen[p], "probe %s never reached", p)
	}
	for p := range seen {
		assert.Contains(t, Probes, p, "probe %s is not declared", p)
	}
}
