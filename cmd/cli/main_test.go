package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/scenarios"
	"github.com/dsimlab/dsim/sim"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dsim runs the command line in-process and returns stdout, stderr and the
// exit code.
func dsim(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./cmd/cli -update to create it")
	assert.Equal(t, string(want), got)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestList(t *testing.T) {
	out, _, code := dsim(t, "list")
	assert.Equal(t, 0, code)
	golden(t, "list", out)

	out, _, code = dsim(t, "list", "--json")
	require.Equal(t, 0, code)
	var entries []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &entries))
	require.Len(t, entries, len(scenarios.Names()))
	for i, e := range entries {
		assert.NotEmpty(t, e["name"])
		assert.NotEmpty(t, e["protocol"])
		assert.NotEmpty(t, e["title"])
		assert.Equal(t, float64(i+1), e["lesson"], "the learning path's order")
	}
}

func TestListBugs(t *testing.T) {
	out, _, code := dsim(t, "list", "--bugs", "--json")
	require.Equal(t, 0, code)
	var bugs []map[string]string
	require.NoError(t, json.Unmarshal([]byte(out), &bugs))
	require.NotEmpty(t, bugs)
	for _, b := range bugs {
		assert.NotEmpty(t, b["protocol"])
		assert.NotEmpty(t, b["bug"])
		assert.NotEmpty(t, b["description"])
	}
	out, _, code = dsim(t, "list", "--bugs")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "no-retry")
}

func TestShowPrintsTheFileToEdit(t *testing.T) {
	out, _, code := dsim(t, "show", "broadcast/partition-heal")
	require.Equal(t, 0, code)
	src, err := scenarios.BuiltinSource("broadcast/partition-heal")
	require.NoError(t, err)
	assert.Equal(t, string(src), out)

	// The copy runs as a file; an edit takes effect.
	edited := strings.Replace(out, "at 4s heal", "at 4s heal\nat 5s crash n5", 1)
	path := writeFile(t, "mine.scn", edited)
	out, _, code = dsim(t, "run", path, "--json")
	require.Equal(t, 0, code, out)
	var res scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Equal(t, path, res.Scenario)
	assert.Equal(t, "dsim run "+path+" --seed 1", res.Repro)
}

func TestRunJSONHasTheContractFields(t *testing.T) {
	out, _, code := dsim(t, "run", "broadcast/lossy", "--seed", "5", "--json")
	require.Equal(t, 0, code)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	for _, f := range []string{"scenario", "protocol", "seed", "events", "sim_time_ms", "trace_hash", "trace_hash_version", "ops", "linearizable",
		"messages", "msgs_per_op", "latency_ms", "violations", "pass", "repro"} {
		assert.Contains(t, m, f)
	}
	for _, f := range []string{"ok", "failed", "indeterminate"} {
		assert.Contains(t, m["ops"], f)
	}
	for _, f := range []string{"sent", "delivered", "dropped"} {
		assert.Contains(t, m["messages"], f)
	}
	for _, f := range []string{"p50", "p99"} {
		assert.Contains(t, m["latency_ms"], f)
	}
	assert.Equal(t, float64(5), m["seed"])
	assert.Equal(t, "dsim run broadcast/lossy --seed 5", m["repro"])
	assert.Equal(t, 1, strings.Count(out, "\n"), "one JSON object on one line")
}

func TestRunHumanOutput(t *testing.T) {
	out, _, code := dsim(t, "run", "broadcast/no-retry-bug")
	assert.Equal(t, 0, code, "the expected violation was found")
	assert.Contains(t, out, "pass (found the expected convergence)")
	assert.Contains(t, out, "convergence at event")
	assert.Contains(t, out, "dsim run broadcast/no-retry-bug --seed 1")
}

// A failing run exits 1 and prints a repro; the repro reproduces the run
// exactly, trace hash and all.
func TestFailureExitsOneAndReproduces(t *testing.T) {
	path := writeFile(t, "lossy.scn", "protocol broadcast\nnodes 3\nduration 4s\nnet loss 30%\n")
	out, _, code := dsim(t, "run", path, "--bug", "no-retry", "--seed", "3", "--json")
	require.Equal(t, 1, code, out)
	var res scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.False(t, res.Pass)
	require.NotEmpty(t, res.Violations)
	assert.Equal(t, "convergence", res.Violations[0].Kind)
	require.Equal(t, "dsim run "+path+" --seed 3 --bug no-retry", res.Repro)

	args := strings.Fields(strings.TrimPrefix(res.Repro, "dsim "))
	again, _, code := dsim(t, append(args, "--json")...)
	require.Equal(t, 1, code)
	var res2 scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(again), &res2))
	assert.Equal(t, res.TraceHash, res2.TraceHash)
	assert.Equal(t, res.Violations, res2.Violations)
}

// A trace written changes nothing about the run: the hash is the same
// with and without one; the same seed writes the same trace; another seed
// hashes apart.
func TestTraceFileLeavesTheHashAlone(t *testing.T) {
	traced := func(seed string) (scenarios.Result, string) {
		path := filepath.Join(t.TempDir(), "run.trace")
		out, errOut, code := dsim(t, "run", "broadcast/crash-restart", "--seed", seed, "--trace", path, "--json")
		require.Equal(t, 0, code, errOut)
		var res scenarios.Result
		require.NoError(t, json.Unmarshal([]byte(out), &res))
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		return res, string(data)
	}
	res, trace := traced("1")
	assert.Equal(t, int(res.Events), strings.Count(trace, "\n"), "a line per event")
	assert.Contains(t, trace, "fault crash n2")
	assert.Equal(t, sim.HashVersion, res.TraceHashVersion)

	out, _, code := dsim(t, "run", "broadcast/crash-restart", "--seed", "1", "--json")
	require.Equal(t, 0, code)
	var plain scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(out), &plain))
	assert.Equal(t, res.TraceHash, plain.TraceHash, "the hash without a trace written")

	again, againTrace := traced("1")
	assert.Equal(t, res.TraceHash, again.TraceHash)
	assert.Equal(t, trace, againTrace)

	other, _ := traced("2")
	assert.NotEqual(t, res.TraceHash, other.TraceHash, "another seed, another run")
}

func TestRunAll(t *testing.T) {
	out, _, code := dsim(t, "run", "--all")
	assert.Equal(t, 0, code, out)
	for _, n := range scenarios.Names() {
		assert.Contains(t, out, n)
	}
	assert.Contains(t, out, "0 failed")

	out, _, code = dsim(t, "run", "--all", "--json")
	assert.Equal(t, 0, code)
	assert.Equal(t, len(scenarios.Names()), strings.Count(out, "\n"), "JSON lines, one per scenario")
}

func TestBadInputExitsTwo(t *testing.T) {
	malformed := writeFile(t, "bad.scn", "protocol broadcast\nnodes 3\nduration 2s\nat 1s explode n1\n")
	unknownNode := writeFile(t, "node.scn", "protocol broadcast\nnodes 3\nduration 2s\nat 1s crash n9\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "no/such-scenario"}, `unknown scenario "no/such-scenario"`},
		{[]string{"run", "broadcast/basi"}, "did you mean broadcast/basic?"},
		{[]string{"run", "missing.scn"}, "no such file missing.scn"},
		{[]string{"run", malformed}, "bad.scn:4: unknown fault \"explode\""},
		{[]string{"run", unknownNode}, "node.scn:4: unknown node n9"},
		{[]string{"run", "broadcast/basic", "--seed", "-1"}, `--seed "-1": want a whole number from 0`},
		{[]string{"run", "broadcast/basic", "--seed", "99999999999999999999999"}, `want a whole number from 0 to 18446744073709551615`},
		{[]string{"run", "broadcast/basic", "--bug", "nonsense"}, `no bug variant "nonsense"`},
		{[]string{"run", "broadcast/basic", "--colour"}, "unknown flag: --colour"},
		{[]string{"run"}, "want one scenario name or file, or --all"},
		{[]string{"run", "a", "b"}, "want one scenario name or file"},
		{[]string{"run", "--all", "broadcast/basic"}, "--all takes no scenario"},
		{[]string{"run", "--all", "--trace", "x"}, "apply to one scenario"},
		{[]string{"run", "broadcast/basic", "--trace", "/no/such/dir/t"}, "--trace:"},
		{[]string{"show"}, "want one scenario or protocol name"},
		{[]string{"show", "nope"}, `unknown scenario "nope"`},
		{[]string{"list", "extra"}, "list: want no arguments"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"check"}, "want one history file"},
		{[]string{"check", "/no/such/history.json"}, "no such file"},
	}
	for _, c := range cases {
		out, errOut, code := dsim(t, c.args...)
		assert.Equal(t, 2, code, "%v: %s%s", c.args, out, errOut)
		assert.Contains(t, errOut, c.want, "%v", c.args)
		assert.True(t, strings.HasPrefix(errOut, "dsim: "), "%v: one message, no stack trace: %q", c.args, errOut)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "%v: one line: %q", c.args, errOut)
	}
}

func TestCheckHistory(t *testing.T) {
	ok := writeFile(t, "ok.json", `{"format": "dsim-kv-history/1", "time_unit": "ms", "ops": [
  {"client": "c1", "op": "put", "key": "x", "value": "1", "call": 10, "return": 25},
  {"client": "c2", "op": "get", "key": "x", "output": "1", "call": 30, "return": 35}]}`)
	stale := writeFile(t, "stale.json", `{"format": "dsim-kv-history/1", "ops": [
  {"client": "c1", "op": "put", "key": "x", "value": "1", "call": 10, "return": 25},
  {"client": "c2", "op": "get", "key": "x", "output": "", "call": 30, "return": 35}]}`)
	broken := writeFile(t, "broken.json", "{\"format\": \"dsim-kv-history/1\",\n \"ops\": [\n  {\"client\": \"c1\", \"op\": \"put\",, }]}")

	out, _, code := dsim(t, "check", ok)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "2 operations, linearizable: ok")

	html := filepath.Join(t.TempDir(), "h.html")
	out, _, code = dsim(t, "check", stale, "--html", html)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "linearizable: illegal")
	assert.Contains(t, out, "keys with no linearization: x")
	assert.Contains(t, out, "x: a smallest set of 2 of its 2 ops with no linearization:\n"+
		"  ops[0] c1 put(x, \"1\") 10ns..25ns\n"+
		"  ops[1] c2 get(x) -> \"\" 30ns..35ns\n")
	page, err := os.ReadFile(html)
	require.NoError(t, err)
	assert.Contains(t, strings.ToLower(string(page[:20])), "<!doctype html")

	_, errOut, code := dsim(t, "check", broken)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "line 3")

	// --timeout no longer decides anything; scripts that pass it still run.
	out, errOut, code = dsim(t, "check", ok, "--timeout", "1ns")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "linearizable: ok")
	assert.Contains(t, errOut, "use --budget")
}

// A key whose values repeat goes to the search; one the budget cannot
// decide is unknown, exits 1 and says how to raise the budget.
func TestCheckBudget(t *testing.T) {
	var ops []string
	for i := range 20 {
		ops = append(ops, fmt.Sprintf(`{"client": "c%d", "op": "append", "key": "x", "value": "%c", "call": 0, "return": 1000}`, i+1, 'a'+i%2))
	}
	ops = append(ops, `{"client": "c1", "op": "get", "key": "x", "output": "!", "call": 2000, "return": 2010}`)
	hard := writeFile(t, "hard.json", `{"format": "dsim-kv-history/1", "ops": [`+strings.Join(ops, ",\n")+`]}`)
	out, _, code := dsim(t, "check", hard, "--budget", "5000")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "linearizable: unknown")
	assert.Contains(t, out, "keys: 0 decided by their unique values, 1 by search (at most 5000 of 5000 steps per key)")
	assert.Contains(t, out, "keys undecided within the budget of 5000 steps: x (raise it with --budget)")
}

func TestFuzz(t *testing.T) {
	out, _, code := dsim(t, "fuzz", "broadcast", "--seeds", "12", "--workers", "2")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "broadcast/chaos")
	assert.Contains(t, out, "12 from 1")
	assert.Contains(t, out, "seeds/s")
	assert.Contains(t, out, "retransmit")

	out, _, code = dsim(t, "fuzz", "broadcast/lossy", "--seeds", "5", "--start", "100", "--json")
	assert.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 5)
	var r scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(lines[4]), &r))
	assert.Equal(t, uint64(104), r.Seed)
	assert.Equal(t, "dsim run broadcast/lossy --seed 104", r.Repro)

	out, _, code = dsim(t, "fuzz", "broadcast", "--seeds", "40", "--bug", "forget-on-restart")
	assert.Equal(t, 1, code)
	assert.Regexp(t, `FAIL dsim run broadcast/chaos --seed \d+ --bug forget-on-restart   # convergence: `, out)
}

func TestFuzzShardsJoinUp(t *testing.T) {
	all, _, _ := dsim(t, "fuzz", "broadcast", "--seeds", "9", "--json")
	var joined []string
	for i := range 3 {
		part, _, code := dsim(t, "fuzz", "broadcast", "--seeds", "9", "--json", "--shard", fmt.Sprintf("%d/3", i))
		require.Equal(t, 0, code)
		joined = append(joined, strings.Split(strings.TrimSpace(part), "\n")...)
	}
	sort.Slice(joined, func(i, j int) bool { return seedOf(t, joined[i]) < seedOf(t, joined[j]) })
	assert.Equal(t, strings.Split(strings.TrimSpace(all), "\n"), joined)
}

func seedOf(t *testing.T, line string) uint64 {
	var r scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(line), &r))
	return r.Seed
}

func TestFuzzRequireCoverage(t *testing.T) {
	// Nothing crashes in broadcast/basic, so recovered-values never fires.
	out, errOut, code := dsim(t, "fuzz", "broadcast/basic", "--seeds", "3", "--require-coverage")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, errOut, "coverage: 1 declared probe(s) never fired: recovered-values")
	assert.Regexp(t, `recovered-values\s*│ 0\s*│ 0%\s*│ never reached`, out)

	_, _, code = dsim(t, "fuzz", "broadcast/crash-restart", "--seeds", "3", "--require-coverage")
	assert.Equal(t, 0, code)
}

func TestFuzzCheckDeterminism(t *testing.T) {
	_, errOut, code := dsim(t, "fuzz", "broadcast", "--seeds", "11", "--check-determinism")
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "determinism: 2 seeds rerun twice, every trace hash the same")
}

func TestFuzzShrink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small.scn")
	out, _, code := dsim(t, "fuzz", "raft", "--seeds", "2", "--bug", "forget-vote", "--shrink", "--shrink-out", path)
	assert.Equal(t, 1, code)
	assert.Regexp(t, `shrunk: \d+ faults -> \d, `, out)
	assert.Contains(t, out, "run it: dsim run "+path)
	out, _, code = dsim(t, "run", path, "--json")
	assert.Equal(t, 1, code, "the shrunk scenario fails the same way")
	var r scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, "term-monotonic", r.Violations[0].Kind)
}

func TestFuzzBadInput(t *testing.T) {
	for args, want := range map[string]string{
		"fuzz":                   "want one protocol or scenario",
		"fuzz zookeeper":         `unknown protocol or scenario "zookeeper" (protocols: ` + strings.Join(scenarios.ProtocolNames(), ", "),
		"fuzz raf":               "did you mean raft?",
		"fuzz no/such":           `unknown scenario "no/such"`,
		"fuzz raft --seeds 0":    "--seeds must be at least 1",
		"fuzz raft --shard 3/3":  `--shard "3/3"`,
		"fuzz raft --shard x":    `--shard "x"`,
		"fuzz raft --workers -2": "--workers -2",
		"fuzz raft --bug nope":   `no bug variant "nope"`,
		"fuzz raft --seeds lots": `--seeds "lots": want a whole number`,
	} {
		_, errOut, code := dsim(t, strings.Fields(args)...)
		assert.Equal(t, 2, code, args)
		assert.Contains(t, errOut, want, args)
	}
}

func TestRunHTMLDrawsTheHistoryAndFaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.html")
	_, errOut, code := dsim(t, "run", "raft/leader-crash", "--html", path)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "history visualization written to "+path)
	page, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, strings.ToLower(string(page[:100])), "<!doctype html")
	assert.Contains(t, string(page), "crash leader", "faults are drawn as annotations")
	assert.Contains(t, string(page), "restart all")

	_, errOut, code = dsim(t, "run", "raft/election", "--html", "/no/such/dir/h.html")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--html:")
}

func TestFuzzJSONStaysJSONWhenShrinking(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.scn")
	out, errOut, code := dsim(t, "fuzz", "broadcast", "--seeds", "6", "--bug", "forget-on-restart", "--json", "--shrink", "--shrink-out", path)
	assert.Equal(t, 1, code)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r scenarios.Result
		assert.NoError(t, json.Unmarshal([]byte(line), &r), "stdout holds JSON lines only: %q", line)
	}
	assert.Contains(t, errOut, "wrote "+path)
}

func TestMoreBadInput(t *testing.T) {
	for args, want := range map[string]string{
		"run broadcast/basic --html /tmp/x.html":             "--html: broadcast has no client history to draw",
		"fuzz raft --workers 0":                              "--workers 0: want at least 1",
		"fuzz raft --shrink --shrink-out /no/such/dir/x.scn": "--shrink-out:",
		"check x.json --budget 0":                            "--budget 0: want at least 1 step",
	} {
		_, errOut, code := dsim(t, strings.Fields(args)...)
		assert.Equal(t, 2, code, args)
		assert.Contains(t, errOut, want, args)
	}
}

func TestSuggestions(t *testing.T) {
	_, errOut, code := dsim(t, "rn", "raft/election")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "rn": did you mean run?`)
	_, errOut, code = dsim(t, "run", "raft")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "raft is a protocol; its scenarios are raft/canonical, raft/chaos")
}

func TestRunWritesTheHistoryForCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.json")
	_, errOut, code := dsim(t, "run", "raft/leader-crash", "--history", path)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "dsim check "+path)
	out, _, code := dsim(t, "check", path)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "linearizable: ok")

	_, errOut, code = dsim(t, "run", "broadcast/basic", "--history", path)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--history: broadcast has no client history")
}
