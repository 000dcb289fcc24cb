package dsimtest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/raft"
	"github.com/dsimlab/dsim/scenarios/dsimtest"
)

// A world built from a protocol's description gets the protocol's own
// checks, and the client history is counted and judged.
func TestWorldFromADescription(t *testing.T) {
	w := dsimtest.World{Protocol: raft.Protocol, Servers: 3, Clients: 2, Chaos: 2 * clock.Second, Healing: 3 * clock.Second}
	faults, err := dsimtest.ParseSchedule("at 500ms isolate leader\nat 1200ms heal")
	require.NoError(t, err)
	var rec fakeT
	r := dsimtest.Run(&rec, w, 3, faults)
	require.Empty(t, rec.errors)
	assert.Greater(t, r.Result.Ops.OK, 10)
	assert.Equal(t, "ok", r.Result.Linearizable)
	assert.Greater(t, r.Result.LatencyMS.P50, 0.0)

	w.Bug = "no-such-bug"
	dsimtest.Run(&rec, w, 3, faults)
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], `protocol raft has no bug variant "no-such-bug"`)
}

// loner is a KV server that keeps its own copy and answers at once,
// replicating nothing: each client that talks to another server sees
// another world. Only the client history shows it.
type loner struct{ sm *kv.Machine }

func (l *loner) Step(in protocols.Input, out *protocols.Effects) {
	if r, ok := in.Msg.(kv.Request); ok {
		v, _ := l.sm.Apply(r)
		out.Send(in.From, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: v})
	}
}
func (l *loner) Status() protocols.Status { return protocols.Status{Role: "loner"} }

// A user's own protocol, wired from factories, gets the linearizability
// check and op counts by setting Checks.History.
func TestFactoryWorldChecksItsHistory(t *testing.T) {
	w := dsimtest.World{
		Servers: 3,
		Server:  func(protocols.Config) protocols.Node { return &loner{sm: kv.NewMachine()} },
		Clients: 3,
		Client:  kv.NewClient(kv.ClientOptions{Keys: 1, Target: kv.TargetRandom}),
		Checks:  func() dsimtest.Checks { return dsimtest.Checks{History: true} },
		Chaos:   time(1), Healing: time(1),
	}
	var rec fakeT
	r := dsimtest.Run(&rec, w, 1, nil)
	require.True(t, r.Failed())
	assert.Equal(t, "linearizability", r.Result.Violations[0].Kind)
	assert.Equal(t, "illegal", r.Result.Linearizable)
	assert.Greater(t, r.Result.Ops.OK, 10)
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "linearizability")

	w.Checks = nil // no history: nothing judges it, and it passes
	ok := dsimtest.Run(&rec, w, 1, nil)
	assert.False(t, ok.Failed())
	assert.Equal(t, "skipped", ok.Result.Linearizable)
}

func time(s int) clock.Duration { return clock.Duration(s) * clock.Second }

// With DSIMTEST_TRACE set, an illegal history leaves the offending key's
// operations (in dsim check's format) and porcupine's page beside the
// trace, and the failure message quotes the operations.
func TestIllegalHistoryIsWrittenOut(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(dsimtest.TraceEnv, dir)
	w := dsimtest.World{
		Servers: 3,
		Server:  func(protocols.Config) protocols.Node { return &loner{sm: kv.NewMachine()} },
		Clients: 2,
		Client:  kv.NewClient(kv.ClientOptions{Keys: 1, Target: kv.TargetRandom, MaxOps: 6}),
		Checks:  func() dsimtest.Checks { return dsimtest.Checks{History: true} },
		Chaos:   time(1), Healing: time(1),
	}
	var rec fakeT
	r := dsimtest.Run(&rec, w, 1, nil)
	require.True(t, r.Failed())
	require.Len(t, rec.errors, 1)
	msg := rec.errors[0]
	assert.Contains(t, msg, "operations on k1 that have no linearization (2 of its 12, by call time):\n  c2 put(k1, \"c2.1\")")
	assert.Contains(t, msg, `  c1 get(k1) -> ""`)
	base := filepath.Join(dir, "world-seed1")
	assert.Contains(t, msg, "are in "+base+".json and "+base+".html")
	js, err := os.ReadFile(base + ".json")
	require.NoError(t, err)
	ops, err := checker.ParseHistory(bytes.NewReader(js))
	require.NoError(t, err)
	assert.Len(t, ops, 12)
	html, err := os.ReadFile(base + ".html")
	require.NoError(t, err)
	assert.Contains(t, string(html), "<html")

	// The trace of any run, passing or not, is there on request.
	tr, err := r.Trace(w)
	require.NoError(t, err)
	assert.Contains(t, tr, "c1 start")
}
