package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/scenarios"
)

type runFlags struct {
	seed      uint64
	asJSON    bool
	trace     string
	html      string
	report    string
	keepGoing bool
	history   string
	bug       string
	all       bool
	deepCopy  bool
	maxEvents uint64
}

func newRun() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run SCENARIO|FILE [--seed N] [--bug NAME] [--json] [--trace FILE] [--html FILE]",
		Short: "Run a scenario (built-in name or file) and check it",
		Long: `Run a scenario with one seed and check it: invariants after every event,
linearizability of the client history, liveness after the healing phase.
The same scenario and seed always give the same run and the same trace hash.

  dsim run raft/leader-crash              the scenario's own seed
  dsim run raft/leader-crash --seed 7     another run of the same scenario
  dsim run my.scn --trace my.trace        an edited copy, with its full trace
  dsim run - < my.scn                     a scenario on standard input
  dsim run --all                          every built-in scenario, summarised

Output files appear only when complete (a stopped run's trace is kept,
marked incomplete). Ctrl-C stops the run at once, with what it ran so far,
and exits 130.`,
		Args: func(c *cobra.Command, args []string) error {
			switch {
			case f.all && len(args) > 0:
				return usagef("run: --all takes no scenario")
			case !f.all && len(args) != 1:
				return usagef("run: want one scenario name or file, or --all (see dsim run --help)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			seedSet := c.Flags().Changed("seed")
			if f.all {
				return runAll(c.Context(), c.OutOrStdout(), c.ErrOrStderr(), f, seedSet)
			}
			return runOne(c.Context(), c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr(), args[0], f, seedSet)
		},
	}
	fl := c.Flags()
	fl.Uint64Var(&f.seed, "seed", 0, "the run's seed (default: the scenario's own)")
	fl.BoolVar(&f.asJSON, "json", false, "print the result as JSON (one object; one per line with --all)")
	fl.StringVar(&f.trace, "trace", "", "write every trace line to `FILE`")
	fl.StringVar(&f.html, "html", "", "write porcupine's visualization of the client history to `FILE`")
	fl.StringVar(&f.report, "report", "", "write a self-contained HTML report of the run to `FILE`: space-time diagram, faults, roles, metrics, violation, history")
	fl.BoolVar(&f.keepGoing, "keep-going", false, "run on past a violation (recording each) to show the harm it does")
	fl.StringVar(&f.history, "history", "", "write the client history to `FILE` in the format dsim check reads")
	fl.StringVar(&f.bug, "bug", "", "build in the bug variant `NAME` (see dsim list --bugs)")
	fl.BoolVar(&f.all, "all", false, "run every built-in scenario and print a summary table")
	fl.BoolVar(&f.deepCopy, "deep-copy", false, "copy every message and record (the trace hash must not change)")
	fl.Uint64Var(&f.maxEvents, "max-events", 0, "event budget before the run is reported as a livelock (default: sized from the scenario; see docs/scenarios.md, Budgets)")
	return c
}

func runOne(ctx context.Context, in io.Reader, out, errOut io.Writer, arg string, f runFlags, seedSet bool) error {
	s, err := loadScenario(arg, in)
	if err != nil {
		return usageError{err}
	}
	if err := checkOutputs(map[string]string{"the scenario": scenarioFile(arg)},
		[2]string{"--trace", f.trace}, [2]string{"--history", f.history}, [2]string{"--html", f.html}, [2]string{"--report", f.report}); err != nil {
		return err
	}
	seed := s.Seed
	if seedSet {
		seed = f.seed
	}
	o := scenarios.RunOptions{Seed: seed, Bug: f.bug, HTML: f.html, DeepCopy: f.deepCopy, MaxEvents: f.maxEvents, Report: f.report, KeepGoing: f.keepGoing}
	for _, p := range [][2]string{{"--html", f.html}, {"--history", f.history}, {"--report", f.report}} {
		if p[1] != "" {
			if err := checkWritable(p[0], p[1]); err != nil {
				return err
			}
		}
	}
	var trace *output
	if f.trace != "" {
		if trace, err = createOutput("--trace", f.trace); err != nil {
			return err
		}
		defer trace.abort()
		o.Trace = trace
	}
	start := time.Now()
	r, err := scenarios.Start(s, o)
	if err != nil {
		return usageError{err}
	}
	if f.html != "" && !r.HasHistory() {
		return usagef("--html: %s has no client history to draw (it needs a KV protocol such as raft)", s.Protocol)
	}
	if f.history != "" && !r.HasHistory() {
		return usagef("--history: %s has no client history (it needs a KV protocol such as raft)", s.Protocol)
	}
	res, err := r.FinishContext(ctx)
	wall := time.Since(start)
	if err != nil {
		return stopped(r, trace, errOut, err)
	}
	if f.history != "" {
		if err := writeOutput("--history", f.history, func(w io.Writer) error { return checker.WriteHistory(w, r.History()) }); err != nil {
			return err
		}
		if !f.asJSON {
			fmt.Fprintf(errOut, "client history written to %s (check it with: %s check %s)\n", f.history, scenarios.Command, scenarios.ShellQuote(f.history))
		}
	}
	if trace != nil {
		if err := trace.commit(); err != nil {
			return err
		}
	}
	if f.asJSON {
		if err := json.NewEncoder(out).Encode(res); err != nil {
			return err
		}
	} else if err := printResult(out, res, wall); err != nil {
		return err
	}
	if f.trace != "" && !f.asJSON {
		fmt.Fprintf(errOut, "trace written to %s\n", f.trace)
	}
	if f.html != "" && !f.asJSON && res.Linearizable != "skipped" {
		fmt.Fprintf(errOut, "history visualization written to %s\n", f.html)
	}
	if f.report != "" && !f.asJSON {
		fmt.Fprintf(errOut, "report written to %s\n", f.report)
	}
	if !res.Pass {
		return errCheckFailed
	}
	return nil
}

// stopped reports a run stopped before its end (Ctrl-C): how far it got,
// and its trace so far, marked as incomplete so that nobody takes it for a
// whole run. It returns why it stopped.
func stopped(r *scenarios.Run, trace *output, errOut io.Writer, why error) error {
	w := r.World
	state := "no check had failed"
	if f := w.Failure(); f != nil {
		state = "it had already failed: " + f.Error()
	}
	name := r.Scenario.Name
	if name == "-" {
		name = "stdin"
	}
	fmt.Fprintf(errOut, "%s: stopped at event %d, %s of %s virtual; %s\n",
		name, w.Events(), clock.FormatDuration(clock.Duration(w.Now())), clock.FormatDuration(clock.Duration(r.End)), state)
	if trace != nil {
		fmt.Fprintf(trace, "# incomplete: the run was stopped (%v) after event %d at %s; the trace ends here\n", why, w.Events(), w.Now())
		if err := trace.commit(); err == nil {
			fmt.Fprintf(errOut, "trace of the first %d events written to %s, marked incomplete\n", w.Events(), trace.name)
		}
	}
	return why
}

func printResult(w io.Writer, r *scenarios.Result, wall time.Duration) error {
	speed := ""
	if secs := wall.Seconds(); secs > 0 {
		speed = fmt.Sprintf(", %.0fx real time", float64(r.SimTimeMS)/1000/secs)
	}
	wallText := wall.Round(time.Millisecond).String()
	if wall < time.Millisecond {
		wallText = "under 1ms"
	}
	rows := [][]string{
		{"scenario", fmt.Sprintf("%s (seed %d)", r.Scenario, r.Seed)},
		{"protocol", r.Protocol + bugSuffix(r.Bug)},
		{"events", fmt.Sprintf("%d in %.3fs virtual (%s wall%s)", r.Events, float64(r.SimTimeMS)/1000, wallText, speed)},
		{"trace hash", r.TraceHash},
	}
	if r.Linearizable != "skipped" {
		rows = append(rows,
			[]string{"operations", fmt.Sprintf("%d ok, %d failed, %d indeterminate", r.Ops.OK, r.Ops.Failed, r.Ops.Indeterminate)},
			[]string{"linearizable", r.Linearizable},
		)
		if c := r.Consistency; c != nil {
			rows = append(rows, []string{"consistency", rungText(c)})
			for _, a := range c.Missed {
				rows = append(rows, []string{"", wrap(fmt.Sprintf("not %s: %s", a.Model, a.Detail), 100)})
			}
		}
		rows = append(rows,
			[]string{"latency", fmt.Sprintf("p50 %.1fms, p99 %.1fms, mean %.1fms, max %.1fms (virtual)", r.LatencyMS.P50, r.LatencyMS.P99, r.LatencyMS.Mean, r.LatencyMS.Max)},
		)
	}
	if r.Elections > 0 && r.FirstLeaderMS != nil {
		rows = append(rows, []string{"elections", fmt.Sprintf("%d (first leader at %.3fs)", r.Elections, *r.FirstLeaderMS/1000)})
	}
	msgs := fmt.Sprintf("%d sent, %d delivered, %d dropped", r.Messages.Sent, r.Messages.Delivered, r.Messages.Dropped)
	if r.MsgsPerOp > 0 {
		msgs += fmt.Sprintf(" (%.1f per op)", r.MsgsPerOp)
	}
	rows = append(rows, []string{"messages", msgs})
	if len(r.MessagesByKind) > 0 {
		rows = append(rows, []string{"by kind", wrap(byKind(r.MessagesByKind), 80)})
	}
	if r.Bytes != nil {
		rows = append(rows, []string{"bytes", fmt.Sprintf("%d sent", *r.Bytes)})
	}
	rows = append(rows, loadRows(r)...) // load.go
	if r.Mix != "" {
		rows = append(rows, []string{"fault mix", r.Mix + " (class/mean gap between episodes)"})
	}
	if r.Expect != "" {
		rows = append(rows, []string{"expected", r.Expect})
	}
	if len(r.Violations) == 0 {
		rows = append(rows, []string{"violations", "none"})
	}
	for i, v := range r.Violations {
		label := ""
		if i == 0 {
			label = "violations"
		}
		rows = append(rows, []string{label, wrap(v.String(), 100)})
	}
	rows = append(rows, []string{"result", r.Verdict()}, []string{"repro", r.Repro})
	return table(w, nil, rows)
}

// rungText says where a history stands on the consistency ladder:
// "linearizable (promised linearizable)".
func rungText(c *scenarios.Consistency) string {
	strongest := c.Strongest
	if strongest == "" {
		strongest = "no rung"
	}
	return fmt.Sprintf("%s (promised %s)", strongest, c.Promised)
}

func bugSuffix(bug string) string {
	if bug == "" {
		return ""
	}
	return " (bug: " + bug + ")"
}

func runAll(ctx context.Context, out, errOut io.Writer, f runFlags, seedSet bool) error {
	if f.trace != "" || f.html != "" || f.bug != "" || f.report != "" {
		return usagef("run --all: --trace, --html, --report and --bug apply to one scenario")
	}
	all, err := scenarios.All()
	if err != nil {
		return err
	}
	var rows [][]string
	failed, ran := 0, 0
	start := time.Now()
	var simMS int64
	for _, s := range all {
		seed := s.Seed
		if seedSet {
			seed = f.seed
		}
		r, err := scenarios.Start(s, scenarios.RunOptions{Seed: seed, DeepCopy: f.deepCopy, MaxEvents: f.maxEvents})
		if err != nil {
			return err
		}
		res, err := r.FinishContext(ctx)
		if err != nil {
			if !f.asJSON {
				table(out, []string{"scenario", "seed", "events", "virtual", "ops ok/indet", "history reaches", "result"}, rows)
			}
			fmt.Fprintf(errOut, "stopped in %s after %d of %d scenarios (%d failed)\n", s.Name, ran, len(all), failed)
			return err
		}
		simMS += res.SimTimeMS
		ran++
		if !res.Pass {
			failed++
		}
		if f.asJSON {
			if err := json.NewEncoder(out).Encode(res); err != nil {
				return err
			}
			continue
		}
		ops, rung := "-", "-"
		if res.Linearizable != "skipped" {
			ops = fmt.Sprintf("%d/%d", res.Ops.OK, res.Ops.Indeterminate)
		}
		if c := res.Consistency; c != nil {
			rung = c.Strongest
			if rung == "" {
				rung = "none"
			}
		}
		rows = append(rows, []string{res.Scenario, strconv.FormatUint(res.Seed, 10), strconv.FormatUint(res.Events, 10),
			fmt.Sprintf("%.1fs", float64(res.SimTimeMS)/1000), ops, rung, res.Verdict()})
	}
	if !f.asJSON {
		if err := table(out, []string{"scenario", "seed", "events", "virtual", "ops ok/indet", "history reaches", "result"}, rows); err != nil {
			return err
		}
		wall := time.Since(start)
		fmt.Fprintf(out, "%d scenarios, %d passed, %d failed; %.0fs of virtual time in %s\n",
			len(all), len(all)-failed, failed, float64(simMS)/1000, wall.Round(time.Millisecond))
		if failed > 0 {
			fmt.Fprintln(out, "reproduce a failure with: "+scenarios.Command+" run SCENARIO --seed N")
		}
	}
	if failed > 0 {
		return errCheckFailed
	}
	return nil
}

// byKind lists message counts by kind, most first: "AppendEntries 8455,
// AppendEntriesReply 8038, ...".
func byKind(m map[string]uint64) string {
	kinds := make([]string, 0, len(m))
	for k := range m {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
