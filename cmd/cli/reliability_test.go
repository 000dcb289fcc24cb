package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/scenarios"
)

// hourLong is a scenario that runs for minutes of wall time: only an
// interruption ends it within a test.
const hourLong = "protocol raft\nnodes 5\nduration 1h\n"

// runCancelled runs a command and cancels it, as a signal would, after d.
func runCancelled(t *testing.T, d time.Duration, sig os.Signal, stdin string, args ...string) (string, string, int, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	timer := time.AfterFunc(d, func() { cancel(Interrupted{sig}) })
	defer timer.Stop()
	var out, errOut bytes.Buffer
	start := time.Now()
	code := RunIO(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code, time.Since(start) - d
}

// An interrupted sweep is not a pass: it exits 130, summarises the seeds it
// ran and says how many of how many.
func TestInterruptedFuzzExits130(t *testing.T) {
	out, errOut, code, after := runCancelled(t, 500*time.Millisecond, os.Interrupt, "", "fuzz", "raft", "--seeds", "100000")
	assert.Equal(t, 130, code)
	assert.Regexp(t, `interrupted after \d+ of 100000 seeds \(0 failed\): the sweep is incomplete`, errOut)
	assert.Contains(t, out, "target")
	assert.Less(t, after, 10*time.Second, "stops promptly")

	// With --json, stdout stays JSON lines.
	out, _, code, _ = runCancelled(t, 500*time.Millisecond, os.Interrupt, "", "fuzz", "raft", "--seeds", "100000", "--json")
	assert.Equal(t, 130, code)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" {
			assert.True(t, json.Valid([]byte(l)), "%q", l)
		}
	}
}

// dsim run and dsim check stop on Ctrl-C too (they used to ignore it); the
// run says how far it got, and SIGTERM exits 143.
func TestInterruptedRunAndCheckStopPromptly(t *testing.T) {
	_, errOut, code, after := runCancelled(t, 300*time.Millisecond, os.Interrupt, hourLong, "run", "-")
	assert.Equal(t, 130, code)
	assert.Regexp(t, `^stdin: stopped at event \d+, [0-9.]+s of 3605s virtual; no check had failed\n$`, errOut)
	assert.Less(t, after, 5*time.Second)

	_, _, code, _ = runCancelled(t, 300*time.Millisecond, syscall.SIGTERM, hourLong, "run", "-")
	assert.Equal(t, 143, code)

	// A history that never ends arrives on stdin: check stops waiting.
	r, w := io.Pipe()
	defer w.Close()
	go w.Write([]byte(`{"format": "dsim-kv-history/1", "ops": [`))
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(300*time.Millisecond, func() { cancel(Interrupted{os.Interrupt}) })
	var errOut2 bytes.Buffer
	start := time.Now()
	code = RunIO(ctx, []string{"check", "-"}, r, io.Discard, &errOut2)
	assert.Equal(t, 130, code)
	assert.Contains(t, errOut2.String(), "stdin: interrupted before the check was done")
	assert.Less(t, time.Since(start), 5*time.Second)

	// run --all reports the scenarios it ran.
	_, errOut, code, _ = runCancelled(t, 200*time.Millisecond, os.Interrupt, "", "run", "--all")
	assert.Equal(t, 130, code)
	assert.Regexp(t, `stopped in \S+ after \d+ of \d+ scenarios`, errOut)
}

var traceLine = regexp.MustCompile(`^\d+ \d+\.\d+s `)

// A trace cut short is kept, complete up to its last line and marked as
// incomplete, never cut mid-line at a buffer boundary; nothing temporary
// is left behind.
func TestInterruptedTraceIsMarkedIncomplete(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.trace")
	_, errOut, code, _ := runCancelled(t, 500*time.Millisecond, syscall.SIGTERM, hourLong, "run", "-", "--trace", path)
	require.Equal(t, 143, code, errOut)
	assert.Contains(t, errOut, "marked incomplete")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(data, []byte("\n")))
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Greater(t, len(lines), 1)
	last := lines[len(lines)-1]
	assert.Regexp(t, `^# incomplete: the run was stopped \(terminated \(SIGTERM\)\) after event \d+ at [0-9.]+s; the trace ends here$`, last)
	for i, l := range lines[:len(lines)-1] {
		if !traceLine.MatchString(l) {
			t.Fatalf("line %d is not a whole trace line: %q", i+1, l)
		}
	}
	assertNoTemporaries(t, dir)
}

func assertNoTemporaries(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasSuffix(e.Name(), ".tmp"), "temporary file %s left behind", e.Name())
	}
}

// Outputs appear when complete, replacing what was there; a device is
// written directly.
func TestOutputsAppearWhole(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "t.trace")
	hist := filepath.Join(dir, "h.json")
	require.NoError(t, os.WriteFile(trace, []byte("old content\n"), 0o600))
	_, errOut, code := dsim(t, "run", "raft/election", "--trace", trace, "--history", hist, "--html", filepath.Join(dir, "h.html"))
	require.Equal(t, 0, code, errOut)
	data, err := os.ReadFile(trace)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "old content")
	st, err := os.Stat(trace)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	_, _, code = dsim(t, "check", hist)
	assert.Equal(t, 0, code)
	assertNoTemporaries(t, dir)

	_, errOut, code = dsim(t, "run", "broadcast/basic", "--trace", os.DevNull)
	assert.Equal(t, 0, code, errOut)
}

// "-" reads the scenario or the history from standard input, as Unix
// tools do; the repro line reads it again.
func TestStdinIsAFile(t *testing.T) {
	src, err := scenarios.BuiltinSource("broadcast/basic")
	require.NoError(t, err)
	var out, errOut bytes.Buffer
	code := RunIO(context.Background(), []string{"run", "-", "--json", "--seed", "4"}, bytes.NewReader(src), &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	var res scenarios.Result
	require.NoError(t, json.Unmarshal(out.Bytes(), &res))
	assert.Equal(t, "dsim run - --seed 4", res.Repro)
	direct, _, _ := dsim(t, "run", "broadcast/basic", "--json", "--seed", "4")
	var want scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(direct), &want))
	assert.Equal(t, want.TraceHash, res.TraceHash)

	out.Reset()
	code = RunIO(context.Background(), []string{"check", "-"}, strings.NewReader(`{"format": "dsim-kv-history/1", "ops": []}`), &out, &errOut)
	assert.Equal(t, 0, code)
	assert.Contains(t, out.String(), "stdin: 0 operations, linearizable: ok")

	out.Reset()
	code = RunIO(context.Background(), []string{"fuzz", "-", "--seeds", "2", "--json"}, bytes.NewReader(src), &out, &errOut)
	assert.Equal(t, 0, code)
	assert.Equal(t, 2, strings.Count(out.String(), "\n"))
}

// An empty shard still checks its flags; a valid one warns that it runs
// nothing (it used to exit 0 with "0 seeds" whatever the bug name).
func TestEmptyShard(t *testing.T) {
	_, errOut, code := dsim(t, "fuzz", "raft", "--seeds", "3", "--shard", "5/10", "--bug", "bogus")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `no bug variant "bogus"`)
	_, errOut, code = dsim(t, "fuzz", "raft", "--seeds", "3", "--shard", "5/10")
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "warning: shard 5/10 of 3 seeds is empty")
}

// The last seed there is can be run and swept.
func TestTheLastSeed(t *testing.T) {
	out, errOut, code := dsim(t, "fuzz", "broadcast", "--start", "18446744073709551615", "--seeds", "1", "--json")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `"seed":18446744073709551615`)
}

// Repro and follow-up commands quote paths that need it.
func TestPathsWithSpacesAreQuoted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my runs")
	require.NoError(t, os.Mkdir(dir, 0o755))
	scn := filepath.Join(dir, "lossy world.scn")
	require.NoError(t, os.WriteFile(scn, []byte("protocol broadcast\nnodes 3\nduration 4s\nnet loss 30%\n"), 0o644))
	out, _, code := dsim(t, "run", scn, "--bug", "no-retry", "--seed", "3", "--json")
	require.Equal(t, 1, code)
	var res scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Equal(t, "dsim run '"+scn+"' --seed 3 --bug no-retry", res.Repro)

	hist := filepath.Join(dir, "client history.json")
	_, errOut, code := dsim(t, "run", "raft/election", "--history", hist)
	require.Equal(t, 0, code)
	assert.Contains(t, errOut, "check it with: dsim check '"+hist+"'")

	shrunk := filepath.Join(dir, "shrunk one.scn")
	out, errOut, code = dsim(t, "fuzz", scn, "--bug", "no-retry", "--seeds", "5", "--shrink", "--shrink-out", shrunk)
	require.Equal(t, 1, code, errOut)
	assert.Contains(t, out, "run it: dsim run '"+shrunk+"'")
}

// A shrunk file's default name never reads as a flag or hides itself.
func TestShrunkBase(t *testing.T) {
	for name, want := range map[string]string{
		"raft/chaos": "raft-chaos", "-": "stdin", "/tmp/x/my.scn": "my", "./.hidden.scn": "hidden", "../-x.scn": "x", "dir/---.scn": "scenario",
	} {
		assert.Equal(t, want, shrunkBase(name), name)
	}
}

// The helper process for TestSignals: it runs the real Main, with real
// signals, on an hour-long scenario.
func TestHelperMain(t *testing.T) {
	if os.Getenv("DSIM_HELPER_MAIN") == "" {
		t.Skip("run by TestSignals")
	}
	os.Args = append([]string{"dsim"}, strings.Fields(os.Getenv("DSIM_HELPER_MAIN"))...)
	Main()
}

// Real signals to a real process: SIGTERM stops a run with its trace
// marked incomplete and exits 143; two Ctrl-Cs stop at once, 130, and
// leave no temporary file.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	scn := filepath.Join(dir, "long.scn")
	require.NoError(t, os.WriteFile(scn, []byte(hourLong), 0o644))
	start := func(args string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMain$")
		cmd.Env = append(os.Environ(), "DSIM_HELPER_MAIN="+args)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		require.NoError(t, cmd.Start())
		return cmd, &errOut
	}
	exitCode := func(cmd *exec.Cmd) int {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatal("still running 20s after the signal")
		}
		return cmd.ProcessState.ExitCode()
	}

	trace := filepath.Join(dir, "t.trace")
	cmd, errOut := start("run " + scn + " --trace " + trace)
	time.Sleep(time.Second)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 143, exitCode(cmd), errOut.String())
	data, err := os.ReadFile(trace)
	require.NoError(t, err, errOut.String())
	assert.Contains(t, string(data), "# incomplete: the run was stopped")

	trace2 := filepath.Join(dir, "t2.trace")
	cmd, errOut = start("run " + scn + " --trace " + trace2)
	time.Sleep(time.Second)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	assert.Equal(t, 130, exitCode(cmd), errOut.String())
	assert.Contains(t, errOut.String(), "interrupted (SIGINT)")
	assertNoTemporaries(t, dir)
}
