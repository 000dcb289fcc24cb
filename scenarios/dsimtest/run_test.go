package dsimtest

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

func mustSchedule(t *testing.T, text string) []sim.Fault {
	t.Helper()
	faults, err := ParseSchedule(text)
	require.NoError(t, err)
	return faults
}

func TestRunPasses(t *testing.T) {
	rec := &recorder{}
	r := Run(rec, tallyWorld(false), 7, mustSchedule(t, "at 500ms crash n1\nat 1s restart n1\nat 1.5s isolate n3"))
	require.False(t, rec.failed, "%v", rec.errors)
	assert.False(t, r.Failed())
	assert.Empty(t, r.Result.Violations)
	// Three servers tick for 3s; n1 misses the ticks of its 500ms down.
	assert.Greater(t, r.Result.Events, uint64(80))
	assert.Equal(t, int64(3000), r.Result.SimTimeMS, "chaos 2s, then healing 1s")
}

// A failure reaches t.Errorf with everything needed to replay it, and the
// printed schedule, parsed back, replays the run exactly.
func TestRunReportsAndReplays(t *testing.T) {
	faults := mustSchedule(t, `
		# n2 loses its unsynced count
		at 1.25s crash n2
		at 300ms pause n3
		at 400ms resume n3
	`)
	rec := &recorder{}
	r := Run(rec, tallyWorld(false), 42, faults)
	require.True(t, r.Failed())
	require.Len(t, rec.errors, 1)
	msg := rec.errors[0]
	for _, want := range []string{
		"world FAILED with seed 42",
		"increasing at event",
		"(2.100s): n2: reported 1 after 12",
		"schedule (seed 42; the recover at 2s that begins healing is implied):\n  at 300ms pause n3\n  at 400ms resume n3\n  at 1250ms crash n2\n",
		"dsimtest.Run(t, world, 42, faults)",
	} {
		assert.Contains(t, msg, want)
	}
	assert.Equal(t, msg, r.String())

	again := Run(&recorder{}, tallyWorld(false), 42, mustSchedule(t, formatSchedule(r.Faults, "")))
	assert.Equal(t, r.Result.TraceHash, again.Result.TraceHash, "the printed schedule replays the run")
	assert.Equal(t, r.Result.Violations, again.Result.Violations)
}

// Final checks run after the healing phase, only when no monitor failed.
func TestRunFinalChecks(t *testing.T) {
	w := tallyWorld(false)
	w.Checks = func() Checks {
		return Checks{
			Monitors: []protocols.Monitor{increasing{}},
			Final: []func(protocols.Cluster) error{
				func(c protocols.Cluster) error {
					if got := c.Node("n1").Status().Commit; got < 25 {
						return protocols.Violationf("progress", "n1 counted only %d", got)
					}
					return nil
				},
				func(protocols.Cluster) error { return assert.AnError },
			},
		}
	}
	rec := &recorder{}
	r := Run(rec, w, 1, mustSchedule(t, "at 100ms pause n1"))
	require.Len(t, r.Result.Violations, 2)
	assert.Equal(t, "progress", r.Result.Violations[0].Kind)
	assert.Equal(t, "n1 counted only 11", r.Result.Violations[0].Detail, "paused at 100ms before its first tick, which runs at the 2s recover, then 10 more")
	assert.Equal(t, float64(3000), r.Result.Violations[0].TimeMS)
	assert.Equal(t, "final-check", r.Result.Violations[1].Kind)

	r = Run(&recorder{}, w, 1, mustSchedule(t, "at 150ms crash n2"))
	require.Len(t, r.Result.Violations, 1, "a monitor failure stops the run; final checks do not run")
	assert.Equal(t, "increasing", r.Result.Violations[0].Kind)
}

// A world or schedule that cannot run is the caller's mistake: t.Fatalf.
func TestRunRejectsBadWorlds(t *testing.T) {
	for name, c := range map[string]struct {
		w      World
		faults string
		want   string
	}{
		"no server":      {World{}, "", "no Server factory"},
		"client missing": {World{Server: newTally(false), Clients: 2}, "", "2 clients but no Client factory"},
		"unknown node":   {tallyWorld(false), "at 1s crash n9", "unknown node n9"},
		"too late":       {tallyWorld(false), "at 3s crash n1", "after the chaos phase (2s)"},
		"scenario nodes": {withServer(mustScenario(t, "broadcast/basic")), "", "leave Server, Client and Checks nil"},
	} {
		rec := &recorder{}
		r := Run(rec, c.w, 1, mustSchedule(t, c.faults))
		assert.Nil(t, r, name)
		require.Len(t, rec.errors, 1, name)
		assert.Contains(t, rec.errors[0], c.want, name)
		assert.True(t, strings.HasPrefix(rec.errors[0], "dsimtest: bad world: "), name)
	}
}

func TestParseScheduleErrors(t *testing.T) {
	for text, want := range map[string]string{
		"crash n1":             "schedule line 1: want \"at TIME FAULT\"",
		"\nat 1s":              "schedule line 2: want \"at TIME FAULT\"",
		"at soon crash n1":     "schedule line 1: at duration \"soon\"",
		"at 1s explode n1":     "schedule line 1: unknown fault \"explode\"",
		"# fine\nat 1s crash":  "schedule line 2: crash: want one or more nodes",
		"nodes 3\nat 1s heal":  "schedule line 1:",
		"at 1s partition n1 |": "schedule line 1: empty group at the end",
	} {
		_, err := ParseSchedule(text)
		require.Error(t, err, text)
		assert.Contains(t, err.Error(), want, text)
	}
	faults, err := ParseSchedule("  \n# nothing\n")
	require.NoError(t, err)
	assert.Empty(t, faults)
}

func mustScenario(t *testing.T, name string) World {
	t.Helper()
	w, err := FromScenario(name)
	require.NoError(t, err)
	return w
}

func withServer(w World) World {
	w.Server = newTally(false)
	return w
}

// flaky breaks the rules: its tick count starts from the process's random
// source, so the same seed and schedule give different runs.
type flakyNode struct{ n int }

func (f *flakyNode) Step(in protocols.Input, out *protocols.Effects) {
	if in.Kind == protocols.Start {
		f.n = int(globalCounter.Add(1)) // state that outlives the run: a determinism leak
	}
	out.Note(f.n)
}

func (f *flakyNode) Status() protocols.Status { return protocols.Status{Commit: f.n} }

func TestNondeterminismIsNamed(t *testing.T) {
	w := World{Servers: 2, Server: func(protocols.Config) protocols.Node { return &flakyNode{} },
		Checks: func() Checks {
			return Checks{Monitors: []protocols.Monitor{protocols.MonitorFunc(func(c protocols.Cluster, ev protocols.Event) error {
				if n := c.Node("n1"); n != nil && n.Status().Commit%2 == 1 {
					return protocols.Violationf("odd", "n1 started odd")
				}
				return nil
			})}}
		}}
	var rec recorder
	for seed := uint64(0); seed < 4; seed++ {
		Run(&rec, w, seed, nil)
	}
	assert.Contains(t, strings.Join(rec.errors, "\n"), "NOT DETERMINISTIC: the same seed and schedule ran twice gave different traces")
}

func TestTraceOfAFailingRun(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(TraceEnv, dir)
	w := World{Servers: 2,
		Checks: func() Checks {
			return Checks{Monitors: []protocols.Monitor{protocols.MonitorFunc(func(c protocols.Cluster, ev protocols.Event) error {
				return protocols.Violationf("always", "fails at once")
			})}}
		}}
	w.Server = func(protocols.Config) protocols.Node { return &steady{} }
	var rec recorder
	Run(&rec, w, 7, nil)
	path := filepath.Join(dir, "world-seed7.trace")
	assert.Contains(t, strings.Join(rec.errors, "\n"), "trace: every event of this run is in "+path)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "1 0.000s n1 start")
}

type steady struct{}

func (steady) Step(protocols.Input, *protocols.Effects) {}
func (steady) Status() protocols.Status                 { return protocols.Status{} }

var globalCounter atomic.Int64
