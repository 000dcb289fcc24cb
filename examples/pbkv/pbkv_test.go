package pbkv_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"example.com/pbkv"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/cmd/cli"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
	"github.com/dsimlab/dsim/scenarios"
	"github.com/dsimlab/dsim/scenarios/dsimtest"
)

// Registering the protocol makes its catalogue and scenario files known to
// dsimtest.FromScenario and the checklist, as cli.Main does for the command.
func TestMain(m *testing.M) {
	if err := scenarios.Register(pbkv.Protocol); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// The same checklist dsim holds its own protocols to.
func TestChecklist(t *testing.T) {
	dsimtest.Checklist(t, pbkv.Protocol, dsimtest.ChecklistOptions{})
}

// rapid draws seeds and fault schedules, shrinks a failure to a few faults
// and prints them with the seed.
func TestStoreUnderRandomFaults(t *testing.T) {
	w := dsimtest.World{Protocol: pbkv.Protocol, Servers: 3, Clients: 3, Chaos: 3 * clock.Second, Healing: 3 * clock.Second}
	rapid.Check(t, dsimtest.Property(w))
}

// A stale read is caught by the linearizability check of the client
// history, which the protocol gets by setting Checks.History.
func TestBackupReadsAreCaught(t *testing.T) {
	w, err := dsimtest.FromScenario("pbkv/backup-reads")
	require.NoError(t, err)
	var rec recorder
	r := dsimtest.Run(&rec, w, 1, nil)
	require.True(t, r.Failed())
	assert.Equal(t, "linearizability", r.Result.Violations[0].Kind)
	assert.Contains(t, rec.msg, "that have no linearization")
	assert.Contains(t, rec.msg, "replay: save this scenario as repro.scn")
}

type recorder struct{ msg string }

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(format string, a ...any) { r.msg += fmt.Sprintf(format, a...) }
func (r *recorder) Fatalf(format string, a ...any) { r.msg += fmt.Sprintf(format, a...) }

// The command line knows the protocol when cli.Main registers it: run,
// fuzz, list and the terminal UI (headless here).
func TestCommandLine(t *testing.T) {
	run := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), args, &out, &errOut, pbkv.Protocol)
		return out.String() + errOut.String(), code
	}
	out, code := run("run", "pbkv/basic")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "linearizable │ ok")
	out, code = run("fuzz", "pbkv", "--seeds", "10")
	assert.Equal(t, 0, code, out)
	out, code = run("tui", "pbkv/basic", "--keys", "n n n n")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "primary")
	out, code = run("list", "--protocols")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "pbkv")
}

// The scripts in testdata walk the store message by message. Regenerate
// with go test -run TestScripts -rewrite.
//
//	write to=n1 key=k value=v   the test client cx asks a server to put
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *uint64) {
		h := prototest.New(1)
		w, err := pbkv.Protocol.Build(pbkv.Protocol.DefaultSetup())
		require.NoError(t, err)
		h.AddServers(w.Server, protocols.Servers(3)...)
		h.AddClients(func(protocols.Config) protocols.Node { return sink{} }, "cx")
		for _, m := range w.Checks.Monitors {
			h.AddMonitor(m)
		}
		var seq uint64
		return h, &seq
	}, map[string]prototest.StateCommand[*uint64]{
		"write": func(t *testing.T, h *prototest.Harness, seq *uint64, d *datadriven.TestData) string {
			var to, key, value string
			d.ScanArgs(t, "to", &to)
			d.ScanArgs(t, "key", &key)
			d.ScanArgs(t, "value", &value)
			*seq++
			h.Inject("cx", protocols.NodeID(to), kv.Request{Client: "cx", Seq: *seq, Op: kv.PutOp(key, value)})
			return ""
		},
	})
}

type sink struct{}

func (sink) Step(protocols.Input, *protocols.Effects) {}
func (sink) Status() protocols.Status                 { return protocols.Status{Role: "client"} }
