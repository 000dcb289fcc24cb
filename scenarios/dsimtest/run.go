package dsimtest

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/scenarios"
	"github.com/dsimlab/dsim/sim"
)

// TB is the part of a test that Run reports to. *testing.T, *testing.B and
// *rapid.T all satisfy it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Report is what one run yielded, and how to replay it.
type Report struct {
	// Seed is the seed the run was built from.
	Seed uint64
	// Faults is the schedule that ran, sorted by time: the drawn or given
	// faults, without the recover that begins the healing phase and without
	// a scenario world's own "at" lines.
	Faults []sim.Fault
	// Result has the run's numbers (events, trace hash, messages, client
	// operations) and every failed check, in Result.Violations.
	Result *scenarios.Result

	world   string         // what ran: "world", or the scenario's name
	history []checker.Op   // the client history, if the world records one
	lin     string         // where the illegal keys' operations and their HTML were written
	chaos   clock.Duration // where the healing phase begins
	file    string         // for a world from a scenario: a scenario file that replays the run
	trace   string         // where the failing run's trace was written, if anywhere
	// nondeterministic explains a run that did not repeat itself.
	nondeterministic string
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool { return !r.Result.Pass }

// String describes the run: what failed, the seed, the schedule as
// scenario-file lines, and how to replay it.
func (r *Report) String() string {
	var b strings.Builder
	verdict := "passed"
	if r.Failed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "%s %s with seed %d after %d events\n", r.world, verdict, r.Seed, r.Result.Events)
	for _, v := range r.Result.Violations {
		fmt.Fprintf(&b, "  %s\n", v)
	}
	fmt.Fprintf(&b, "schedule (seed %d; the recover at %s that begins healing is implied):\n", r.Seed, clock.FormatDuration(r.chaos))
	if len(r.Faults) == 0 {
		b.WriteString("  no faults\n")
	}
	b.WriteString(formatSchedule(r.Faults, "  "))
	b.WriteString(r.badOperations())
	switch {
	case r.nondeterministic != "":
		fmt.Fprintf(&b, "NOT DETERMINISTIC: %s\n", r.nondeterministic)
	case r.trace != "":
		fmt.Fprintf(&b, "trace: every event of this run is in %s\n", r.trace)
	case r.Failed():
		fmt.Fprintf(&b, "trace: set %s=DIR to have the trace of a failing run written to DIR\n", TraceEnv)
	}
	if r.lin != "" {
		fmt.Fprintf(&b, "history: the operations on the keys with no linearization, and porcupine's view of them, are in %s.json and %s.html\n", r.lin, r.lin)
	}
	if r.file != "" {
		fmt.Fprintf(&b, "replay: save this scenario as repro.scn, then run `%s run repro.scn`", scenarios.Command)
		if !builtin(r.Result.Protocol) {
			fmt.Fprintf(&b, " with a command built with cli.Main(yourpkg.Protocol) (docs/testing-your-protocol.md)")
		}
		b.WriteString("\n")
		b.WriteString(indent(r.file, "  "))
	} else {
		fmt.Fprintf(&b, "replay: dsimtest.Run(t, world, %d, faults), with faults from dsimtest.ParseSchedule of the schedule lines\n", r.Seed)
	}
	return b.String()
}

// quoted is how many operations of an illegal key a report quotes.
const quoted = 12

// badOperations quotes, for the first key whose history has no
// linearization, the checker's witness: a smallest set of its operations
// that alone have none, in call order. A failure message then shows what
// went wrong without opening a file.
func (r *Report) badOperations() string {
	if len(r.Result.IllegalKeys) == 0 || len(r.history) == 0 {
		return ""
	}
	res := checker.CheckKV(r.history, 0)
	for _, k := range res.Keys {
		if k.Verdict != checker.VerdictIllegal {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "operations on %s that have no linearization (%d of its %d, by call time):\n", k.Key, len(k.Witness), k.Ops)
		for n, i := range k.Witness {
			if n == quoted {
				fmt.Fprintf(&b, "  ... %d more\n", len(k.Witness)-quoted)
				break
			}
			b.WriteString("  " + r.history[i].String() + "\n")
		}
		return b.String()
	}
	return ""
}

// builtin reports whether dsim's own binary knows the protocol.
func builtin(name string) bool {
	for _, p := range scenarios.BuiltinProtocols {
		if p.Name == name {
			return true
		}
	}
	return false
}

// Trace runs the reported run again and returns its trace, one line per
// event as `dsim run --trace` writes them: for reading a passing run too.
func (r *Report) Trace(w World) (string, error) {
	var trace strings.Builder
	if _, err := executeTraced(w, r.Seed, r.Faults, &trace); err != nil {
		return "", err
	}
	return trace.String(), nil
}

func indent(text, prefix string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n") {
		b.WriteString(prefix + line)
	}
	return b.String() + "\n"
}

// Run runs w once with seed and faults: the chaos phase with the faults,
// a recover, the healing phase, then the final checks. If a check fails it
// calls t.Errorf with the report (the violations, the seed, the schedule
// and how to replay it); a world or schedule that cannot run at all is a
// t.Fatalf (after which, if t.Fatalf returns, Run returns nil). The same
// world, seed and faults always give the same run.
func Run(t TB, w World, seed uint64, faults []sim.Fault) *Report {
	t.Helper()
	r, err := execute(w, seed, faults)
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	if r.Failed() {
		r.examine(w)
		t.Errorf("%s", r)
	}
	return r
}

// TraceEnv names the environment variable that, set to a directory, makes
// a failing run write its trace there: one line per event, as
// `dsim run --trace` writes them.
const TraceEnv = "DSIMTEST_TRACE"

// examine looks closer at a failed run: it runs it again, recording the
// trace, to check that the run is deterministic (a protocol that is not
// cannot be replayed or shrunk, and rapid would only say "flaky test") and,
// if TraceEnv is set, to write the trace for the engineer to read.
func (r *Report) examine(w World) {
	var trace strings.Builder
	again, err := executeTraced(w, r.Seed, r.Faults, &trace)
	if err != nil {
		return
	}
	if again.Result.TraceHash != r.Result.TraceHash {
		r.nondeterministic = fmt.Sprintf("the same seed and schedule ran twice gave different traces (hashes %s and %s). "+
			"Look for goroutines, time.Now, global or crypto randomness, or map iteration order deciding what your protocol does "+
			"(docs/testing-your-protocol.md, the rules)", r.Result.TraceHash, again.Result.TraceHash)
		return
	}
	dir := os.Getenv(TraceEnv)
	if dir == "" {
		return
	}
	base := filepath.Join(dir, fmt.Sprintf("%s-seed%d", strings.NewReplacer("/", "-", " ", "-").Replace(r.world), r.Seed))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	if os.WriteFile(base+".trace", []byte(trace.String()), 0o644) == nil {
		r.trace = base + ".trace"
	}
	if r.writeIllegal(base) == nil && len(r.Result.IllegalKeys) > 0 {
		r.lin = base
	}
}

// writeIllegal writes the operations of the keys with no linearization, in
// the format dsim check reads, and porcupine's view of them, beside the
// trace: BASE.json and BASE.html.
func (r *Report) writeIllegal(base string) error {
	if len(r.Result.IllegalKeys) == 0 {
		return nil
	}
	var ops []checker.Op
	for _, op := range r.history {
		if slices.Contains(r.Result.IllegalKeys, op.Key) {
			ops = append(ops, op)
		}
	}
	var js, html bytes.Buffer
	if err := checker.WriteHistory(&js, ops); err != nil {
		return err
	}
	if err := checker.WriteHTML(&html, ops, checker.CheckKV(ops, 0), nil); err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", js.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".html", html.Bytes(), 0o644)
}

// execute runs a world and reports what happened; the error is for a world
// or schedule that cannot run.
func execute(w World, seed uint64, faults []sim.Fault) (*Report, error) {
	return executeTraced(w, seed, faults, nil)
}

// executeTraced is execute writing the run's trace lines to trace, if set.
func executeTraced(w World, seed uint64, faults []sim.Fault, trace io.Writer) (*Report, error) {
	w, err := w.resolved()
	if err != nil {
		return nil, err
	}
	faults = slices.Clone(faults)
	slices.SortStableFunc(faults, func(a, b sim.Fault) int { return cmp.Compare(a.At, b.At) })
	r := &Report{Seed: seed, Faults: faults, world: w.name(), chaos: w.Chaos}
	if w.scenario != nil {
		r.Result, r.history, r.file, err = runScenario(w, seed, faults, trace)
	} else {
		r.Result, r.history, err = runOwn(w, seed, faults, trace)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// runVia runs a scenario through the runner dsim uses and returns its
// result and client history.
func runVia(s *scenarios.Scenario, o scenarios.RunOptions) (*scenarios.Result, []checker.Op, error) {
	run, err := scenarios.Start(s, o)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errWorld, err)
	}
	res := run.Finish()
	return res, run.History(), nil
}

// runScenario writes the run as a scenario file, parses it back and runs
// that, so the file in the report replays exactly what ran.
func runScenario(w World, seed uint64, faults []sim.Fault, trace io.Writer) (*scenarios.Result, []checker.Op, string, error) {
	s := *w.scenario
	s.Title = "dsimtest repro of " + w.scenario.Name
	s.Text = nil
	s.Nodes, s.Clients = w.Servers, w.Clients
	s.Duration, s.Healing = w.Chaos, w.Healing
	s.Link, s.Seed = w.Link, seed
	s.Chaos, s.ChaosOf, s.Expect = "", nil, scenarios.Expectation{}
	// The scenario's own faults go first at any instant, as Start would
	// order them; sorting here only makes the file read in time order.
	s.Faults = slices.Concat(w.scenario.Faults, faults)
	slices.SortStableFunc(s.Faults, func(a, b sim.Fault) int { return cmp.Compare(a.At, b.At) })
	file := scenarios.Format(&s)
	parsed, err := scenarios.Parse(w.scenario.Name, strings.NewReader(file))
	if err != nil {
		return nil, nil, "", fmt.Errorf("%w: %v", errWorld, err)
	}
	res, history, err := runVia(parsed, scenarios.RunOptions{Seed: seed, MaxEvents: w.MaxEvents, Repro: scenarios.Command + " run repro.scn", Trace: trace})
	return res, history, file, err
}

// runOwn runs a world built from factories or a description the way
// scenarios runs a scenario, through the same runner: chaos, recover,
// healing, final checks, and the client history when Checks.History says.
func runOwn(w World, seed uint64, faults []sim.Fault, trace io.Writer) (*scenarios.Result, []checker.Op, error) {
	for _, f := range faults {
		if f.At > clock.Time(w.Chaos) {
			return nil, nil, fmt.Errorf("%w: at %s %s: after the chaos phase (%s)", errWorld, f.At, f, clock.FormatDuration(w.Chaos))
		}
	}
	p := w.description()
	s := &scenarios.Scenario{
		Name: w.name(), Protocol: p.Name, Bug: w.Bug, Nodes: w.Servers, Clients: w.Clients,
		Duration: w.Chaos, Healing: w.Healing, Seed: seed, Link: w.Link, Faults: faults,
	}
	return runVia(s, scenarios.RunOptions{
		Seed: seed, MaxEvents: w.MaxEvents, Trace: trace, Protocol: p,
		Repro: fmt.Sprintf("dsimtest.Run(t, world, %d, faults)", seed),
	})
}
