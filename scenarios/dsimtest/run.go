package dsimtest

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
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

	world string         // what ran: "world", or the scenario's name
	chaos clock.Duration // where the healing phase begins
	file  string         // for a world from a scenario: a scenario file that replays the run
	trace string         // where the failing run's trace was written, if anywhere
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
	switch {
	case r.nondeterministic != "":
		fmt.Fprintf(&b, "NOT DETERMINISTIC: %s\n", r.nondeterministic)
	case r.trace != "":
		fmt.Fprintf(&b, "trace: every event of this run is in %s\n", r.trace)
	case r.Failed():
		fmt.Fprintf(&b, "trace: set %s=DIR to have the trace of a failing run written to DIR\n", TraceEnv)
	}
	if r.file != "" {
		b.WriteString("replay: save this scenario as repro.scn, then run `dsim run repro.scn`\n")
		b.WriteString(indent(r.file, "  "))
	} else {
		fmt.Fprintf(&b, "replay: dsimtest.Run(t, world, %d, faults), with faults from dsimtest.ParseSchedule of the schedule lines\n", r.Seed)
	}
	return b.String()
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
	path := filepath.Join(dir, fmt.Sprintf("%s-seed%d.trace", strings.NewReplacer("/", "-", " ", "-").Replace(r.world), r.Seed))
	if err := os.MkdirAll(dir, 0o755); err == nil && os.WriteFile(path, []byte(trace.String()), 0o644) == nil {
		r.trace = path
	}
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
		r.Result, r.file, err = runScenario(w, seed, faults, trace)
	} else {
		r.Result, err = runOwn(w, seed, faults, trace)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// runScenario writes the run as a scenario file, parses it back and runs
// that, so the file in the report replays exactly what ran.
func runScenario(w World, seed uint64, faults []sim.Fault, trace io.Writer) (*scenarios.Result, string, error) {
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
		return nil, "", fmt.Errorf("%w: %v", errWorld, err)
	}
	res, err := scenarios.RunScenario(parsed, scenarios.RunOptions{Seed: seed, MaxEvents: w.MaxEvents, Repro: "dsim run repro.scn", Trace: trace})
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", errWorld, err)
	}
	return res, file, nil
}

// runOwn runs a world built from factories, the way scenarios runs a
// scenario: chaos, recover, healing, final checks.
func runOwn(w World, seed uint64, faults []sim.Fault, trace io.Writer) (*scenarios.Result, error) {
	for _, f := range faults {
		if f.At > clock.Time(w.Chaos) {
			return nil, fmt.Errorf("%w: at %s %s: after the chaos phase (%s)", errWorld, f.At, f, clock.FormatDuration(w.Chaos))
		}
	}
	var checks Checks
	if w.Checks != nil {
		checks = w.Checks()
	}
	heal := clock.Time(w.Chaos)
	cfg := sim.Config{
		Seed:      seed,
		Servers:   w.servers(),
		Server:    w.Server,
		Clients:   protocols.Clients(w.Clients),
		Client:    w.Client,
		Link:      w.Link,
		Faults:    append(slices.Clone(faults), sim.Fault{At: heal, Kind: sim.Recover}),
		Monitors:  checks.Monitors,
		MaxEvents: w.MaxEvents,
		Trace:     trace,
	}
	world, err := sim.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errWorld, err)
	}
	probes := map[string]int{}
	world.Observe(func(_ *sim.World, ev *sim.Info) {
		for _, n := range ev.Notes {
			if p, ok := n.(protocols.Probe); ok {
				probes[string(p)]++
			}
		}
	})
	world.RunUntil(heal.Add(w.Healing))
	st := world.Stats()
	res := &scenarios.Result{
		Seed:         seed,
		Events:       world.Events(),
		SimTimeMS:    world.Now().Millis(),
		TraceHash:    fmt.Sprintf("%016x", world.Hash()),
		Linearizable: "skipped",
		Messages:     scenarios.MsgCounts{Sent: st.Sent, Delivered: st.Delivered, Dropped: st.Dropped},
		Violations:   []scenarios.Violation{},
	}
	if len(probes) > 0 {
		res.Probes = probes
	}
	ms := func(t clock.Time) float64 { return float64(t) / 1e6 }
	if f := world.Failure(); f != nil {
		detail := f.Detail
		if f.Node != "" {
			detail = string(f.Node) + ": " + detail
		}
		res.Violations = append(res.Violations, scenarios.Violation{Kind: f.Kind, Event: f.Seq, TimeMS: ms(f.Time), Detail: detail})
	} else {
		for _, check := range checks.Final {
			if err := check(world); err != nil {
				kind, detail := "final-check", err.Error()
				if v := (*protocols.Violation)(nil); errors.As(err, &v) {
					kind, detail = v.Kind, v.Detail
				}
				res.Violations = append(res.Violations, scenarios.Violation{Kind: kind, Event: world.Events(), TimeMS: ms(world.Now()), Detail: detail})
			}
		}
	}
	res.Pass = len(res.Violations) == 0
	return res, nil
}
