package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/dsimlab/dsim/checker"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/dsimlab/dsim/scenarios"
)

type runFlags struct {
	seed      uint64
	asJSON    bool
	trace     string
	html      string
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
  dsim run --all                          every built-in scenario, summarised`,
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
				return runAll(c.OutOrStdout(), f, seedSet)
			}
			return runOne(c.OutOrStdout(), c.ErrOrStderr(), args[0], f, seedSet)
		},
	}
	fl := c.Flags()
	fl.Uint64Var(&f.seed, "seed", 0, "the run's seed (default: the scenario's own)")
	fl.BoolVar(&f.asJSON, "json", false, "print the result as JSON (one object; one per line with --all)")
	fl.StringVar(&f.trace, "trace", "", "write every trace line to `FILE`")
	fl.StringVar(&f.html, "html", "", "write porcupine's visualization of the client history to `FILE`")
	fl.StringVar(&f.history, "history", "", "write the client history to `FILE` in the format dsim check reads")
	fl.StringVar(&f.bug, "bug", "", "build in the bug variant `NAME` (see dsim list --bugs)")
	fl.BoolVar(&f.all, "all", false, "run every built-in scenario and print a summary table")
	fl.BoolVar(&f.deepCopy, "deep-copy", false, "copy every message and record (the trace hash must not change)")
	fl.Uint64Var(&f.maxEvents, "max-events", 0, "event budget before the run is reported as a livelock (default 20000000)")
	return c
}

func runOne(out, errOut io.Writer, arg string, f runFlags, seedSet bool) error {
	s, err := scenarios.Load(arg)
	if err != nil {
		return usageError{err}
	}
	seed := s.Seed
	if seedSet {
		seed = f.seed
	}
	o := scenarios.RunOptions{Seed: seed, Bug: f.bug, HTML: f.html, DeepCopy: f.deepCopy, MaxEvents: f.maxEvents}
	var flush func() error
	if f.trace != "" {
		file, err := os.Create(f.trace)
		if err != nil {
			return usageError{fmt.Errorf("--trace: %w", err)}
		}
		defer file.Close()
		bw := bufio.NewWriterSize(file, 1<<16)
		o.Trace, flush = bw, bw.Flush
	}
	if f.html != "" {
		if err := probeWritable(f.html); err != nil {
			return usageError{fmt.Errorf("--html: %w", err)}
		}
	}
	start := time.Now()
	r, err := scenarios.Start(s, o)
	if err != nil {
		return usageError{err}
	}
	if f.html != "" && !r.HasHistory() {
		os.Remove(f.html)
		return usagef("--html: %s has no client history to draw (it needs a KV protocol such as raft)", s.Protocol)
	}
	if f.history != "" {
		if !r.HasHistory() {
			return usagef("--history: %s has no client history (it needs a KV protocol such as raft)", s.Protocol)
		}
		if err := probeWritable(f.history); err != nil {
			return usageError{fmt.Errorf("--history: %w", err)}
		}
	}
	res := r.Finish()
	wall := time.Since(start)
	if f.history != "" {
		hf, err := os.Create(f.history)
		if err != nil {
			return usageError{fmt.Errorf("--history: %w", err)}
		}
		err = checker.WriteHistory(hf, r.History())
		if cerr := hf.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("--history: %w", err)
		}
		if !f.asJSON {
			fmt.Fprintf(errOut, "client history written to %s (check it with: dsim check %s)\n", f.history, f.history)
		}
	}
	if flush != nil {
		if err := flush(); err != nil {
			return fmt.Errorf("--trace: %w", err)
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
	if !res.Pass {
		return errCheckFailed
	}
	return nil
}

// probeWritable fails early, before a long run, when a path cannot be written.
func probeWritable(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
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
			[]string{"latency", fmt.Sprintf("p50 %.1fms, p99 %.1fms (virtual)", r.LatencyMS.P50, r.LatencyMS.P99)},
		)
	}
	msgs := fmt.Sprintf("%d sent, %d delivered, %d dropped", r.Messages.Sent, r.Messages.Delivered, r.Messages.Dropped)
	if r.MsgsPerOp > 0 {
		msgs += fmt.Sprintf(" (%.1f per op)", r.MsgsPerOp)
	}
	rows = append(rows, []string{"messages", msgs})
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

func runAll(out io.Writer, f runFlags, seedSet bool) error {
	if f.trace != "" || f.html != "" || f.bug != "" {
		return usagef("run --all: --trace, --html and --bug apply to one scenario")
	}
	all, err := scenarios.All()
	if err != nil {
		return err
	}
	var rows [][]string
	failed := 0
	start := time.Now()
	var simMS int64
	for _, s := range all {
		seed := s.Seed
		if seedSet {
			seed = f.seed
		}
		res, err := scenarios.RunScenario(s, scenarios.RunOptions{Seed: seed, DeepCopy: f.deepCopy, MaxEvents: f.maxEvents})
		if err != nil {
			return err
		}
		simMS += res.SimTimeMS
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
