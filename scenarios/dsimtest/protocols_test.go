package dsimtest_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/broadcast"
	"github.com/dsimlab/dsim/scenarios"
	"github.com/dsimlab/dsim/scenarios/dsimtest"
)

// gossip is the broadcast protocol wired by hand, as an engineer wires their
// own: the Checker is both the monitor (validity) and the final check
// (convergence), so it is built once per run and used for both.
func gossip(bug string) dsimtest.World {
	return dsimtest.World{
		Servers: 4,
		Server:  broadcast.New(broadcast.Options{Values: 3, Bug: bug}),
		Checks: func() dsimtest.Checks {
			c := broadcast.NewChecker()
			return dsimtest.Checks{
				Monitors: []protocols.Monitor{c},
				Final:    []func(protocols.Cluster) error{c.Converged},
			}
		},
		Chaos:   3 * clock.Second,
		Healing: 3 * clock.Second,
	}
}

func TestBroadcastProperty(t *testing.T) {
	rapid.Check(t, dsimtest.Property(gossip("")))
}

// FuzzBroadcast runs under go test -fuzz=FuzzBroadcast. Plain go test runs
// only its seed corpus: rapid reads each input as its draws, and inputs too
// short or out of range for them are skipped.
func FuzzBroadcast(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 8 {
		b := make([]byte, 512)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(dsimtest.Fuzz(gossip("")))
}

// A catalogue scenario as the world: Raft with its KV client, every Raft
// invariant after every event, linearizability by porcupine, a leader and
// client progress after healing.
func TestRaftProperty(t *testing.T) {
	w, err := dsimtest.FromScenario("raft/election")
	require.NoError(t, err)
	w.Chaos = 2 * clock.Second
	w.Healing = 5 * clock.Second // the catalogue's 1s is for a calm election, not for recovery from chaos
	rapid.Check(t, dsimtest.Property(w))
}

// A failing run of a scenario world comes with a scenario file that
// `dsim run` replays exactly: same trace, same violation.
func TestScenarioReproFile(t *testing.T) {
	w, err := dsimtest.FromScenario("broadcast/no-retry-bug")
	require.NoError(t, err)
	faults, err := dsimtest.ParseSchedule("at 1s crash n3\nat 2s restart n3")
	require.NoError(t, err)
	var rec fakeT
	r := dsimtest.Run(&rec, w, 9, faults)
	require.True(t, r.Failed(), "no-retry on a 40%% lossy network loses values")
	require.Len(t, rec.errors, 1)
	assert.Equal(t, "convergence", r.Result.Violations[0].Kind)
	assert.Equal(t, "dsim run repro.scn", r.Result.Repro)

	msg := rec.errors[0]
	assert.Contains(t, msg, "broadcast/no-retry-bug FAILED with seed 9")
	assert.Contains(t, msg, "replay: save this scenario as repro.scn, then run `dsim run repro.scn`\n")
	file := msg[strings.Index(msg, "`dsim run repro.scn`\n")+len("`dsim run repro.scn`\n"):]
	for _, want := range []string{"protocol broadcast", "bug      no-retry", "seed     9", "net loss 40%", "at 1s crash n3", "at 2s restart n3"} {
		assert.Contains(t, file, want)
	}
	assert.NotContains(t, file, "expect", "a property holds when no check fails: the scenario's expectation is dropped")

	s, err := scenarios.Parse("repro.scn", strings.NewReader(file))
	require.NoError(t, err)
	res, err := scenarios.RunScenario(s, scenarios.RunOptions{Seed: s.Seed})
	require.NoError(t, err)
	assert.Equal(t, r.Result.TraceHash, res.TraceHash, "dsim run repro.scn replays the run")
	assert.Equal(t, r.Result.Violations, res.Violations)
}

// A scenario's own faults stay part of its world, and a changed Chaos must
// still hold them.
func TestScenarioKeepsItsFaults(t *testing.T) {
	w, err := dsimtest.FromScenario("broadcast/partition-heal")
	require.NoError(t, err)
	var rec fakeT
	r := dsimtest.Run(&rec, w, 1, nil)
	require.Empty(t, rec.errors)
	assert.False(t, r.Failed())

	w.Chaos = 500 * clock.Millisecond
	dsimtest.Run(&rec, w, 1, nil)
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "after the end of the chaos phase")

	_, err = dsimtest.FromScenario("raft/no-such-thing")
	assert.ErrorIs(t, err, scenarios.ErrUnknownScenario)
}

// fakeT records what Run reports.
type fakeT struct{ errors []string }

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Fatalf(format string, args ...any) { f.Errorf(format, args...) }
