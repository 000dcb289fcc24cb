package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios"
)

type fuzzFlags struct {
	seeds, start uint64
	workers      int
	shard        string
	asJSON       bool
	bug          string
	maxEvents    uint64
	coverage     bool
	determinism  bool
	shrink       bool
	shrinkOut    string
	reportDir    string
}

func newFuzz() *cobra.Command {
	var f fuzzFlags
	c := &cobra.Command{
		Use:   "fuzz PROTOCOL|SCENARIO [--seeds N] [--start S] [--workers K] [--shard I/N] [--json] [--bug NAME]",
		Short: "Sweep many seeds of a scenario (a protocol name means its swarm-chaos scenario)",
		Long: `Run a scenario over many seeds, in parallel, and report every failure with the
command that reproduces it exactly. A protocol name stands for its chaos
scenario (dsim fuzz raft = dsim fuzz raft/chaos), in which every seed draws its
own mix of faults.

  dsim fuzz raft --seeds 1000                 a thousand random worlds
  dsim fuzz raft --bug commit-old-term        does the sweep catch the bug?
  dsim fuzz raft --seeds 10000 --shard 3/8 --json   shard 3 of 8, JSON lines
  dsim fuzz - < my.scn                        a scenario on standard input

--shard I/N runs the seeds whose index is I modulo N, so N machines that each
take one I cover the sweep exactly. Output is in seed order whatever --workers.
Exit codes: 0 every seed passed, 1 some seed failed, 2 bad usage, 130
interrupted (Ctrl-C: the seeds run so far are summarised; again to stop at
once).`,
		Args: exactArgs(1, "one protocol or scenario"),
		RunE: func(c *cobra.Command, args []string) error {
			return runFuzz(c.Context(), c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr(), args[0], f)
		},
	}
	fl := c.Flags()
	fl.Uint64Var(&f.seeds, "seeds", 100, "how many seeds to run")
	fl.Uint64Var(&f.start, "start", 1, "the first seed")
	fl.IntVar(&f.workers, "workers", runtime.NumCPU(), "runs in parallel (each run is single-threaded)")
	fl.StringVar(&f.shard, "shard", "", "run shard `I/N` of the sweep: the seeds whose index is I modulo N")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object per seed (JSON lines)")
	fl.StringVar(&f.bug, "bug", "", "build in the bug variant `NAME` (see dsim list --bugs)")
	fl.Uint64Var(&f.maxEvents, "max-events", 0, "event budget per run (default: sized from the scenario; see docs/scenarios.md, Budgets)")
	fl.BoolVar(&f.coverage, "require-coverage", false, "fail the sweep if a probe the protocol declares never fired")
	fl.BoolVar(&f.determinism, "check-determinism", false, "rerun one seed in ten (at least one, at most 1000 spread over the sweep) and compare trace hashes")
	fl.BoolVar(&f.shrink, "shrink", false, "shrink the first failing seed to a small scenario file that fails the same way")
	fl.StringVar(&f.reportDir, "report", "", "write an HTML report of each failing seed (the first 10) into `DIR`")
	fl.StringVar(&f.shrinkOut, "shrink-out", "", "write the shrunk scenario to `FILE` (default: NAME-seedN-shrunk.scn here)")
	return c
}

// resolveTarget turns a protocol name into its chaos scenario; "-" reads
// a scenario from stdin.
func resolveTarget(arg string, stdin io.Reader) (*scenarios.Scenario, error) {
	if arg == "-" {
		return loadScenario(arg, stdin)
	}
	if !slices.Contains(scenarios.ProtocolNames(), arg) && !strings.Contains(arg, "/") && !strings.HasSuffix(arg, ".scn") {
		if _, err := os.Stat(arg); err != nil {
			near := ""
			for _, p := range scenarios.ProtocolNames() {
				if len(arg) > 1 && (strings.HasPrefix(p, arg) || strings.HasPrefix(arg, p)) {
					near = p
				}
			}
			if near != "" {
				return nil, fmt.Errorf("unknown protocol or scenario %q: did you mean %s?", arg, near)
			}
			return nil, fmt.Errorf("unknown protocol or scenario %q (protocols: %s; dsim list shows the scenarios)", arg, strings.Join(scenarios.ProtocolNames(), ", "))
		}
	}
	if slices.Contains(scenarios.ProtocolNames(), arg) {
		s, err := scenarios.Builtin(arg + "/chaos")
		if err != nil {
			return nil, fmt.Errorf("protocol %s has no chaos scenario to fuzz (%s/chaos); name a scenario instead", arg, arg)
		}
		return s, nil
	}
	return scenarios.Load(arg)
}

func runFuzz(ctx context.Context, in io.Reader, out, errOut io.Writer, arg string, f fuzzFlags) error {
	s, err := resolveTarget(arg, in)
	if err != nil {
		return usageError{err}
	}
	o := scenarios.SweepOptions{Seeds: f.seeds, Start: f.start, Workers: f.workers, Bug: f.bug, MaxEvents: f.maxEvents}
	if f.shard != "" {
		if o.Shard, o.Shards, err = scenarios.ParseShard(f.shard); err != nil {
			return usageError{err}
		}
	}
	if err := o.Validate(); err != nil {
		return usageError{err}
	}
	if f.workers < 1 {
		return usagef("fuzz: --workers %d: want at least 1", f.workers)
	}
	if f.shrink && f.shrinkOut != "" {
		if err := checkOutputs(map[string]string{"the scenario": scenarioFile(arg)}, [2]string{"--shrink-out", f.shrinkOut}); err != nil {
			return err
		}
		if err := checkWritable("--shrink-out", f.shrinkOut); err != nil {
			return err
		}
	}
	total := int(o.Count())
	if ctx == nil {
		ctx = context.Background()
	}
	progress := newProgress(errOut, total, !f.asJSON && isTerminal(errOut))
	var sum scenarios.Summary
	enc := json.NewEncoder(out)
	start := time.Now()
	err = scenarios.Sweep(ctx, s, o, func(r *scenarios.Result) {
		sum.Add(r)
		if f.asJSON {
			enc.Encode(r)
		}
		progress.update(sum.Runs, sum.FailedCount)
	})
	progress.clear()
	stop := interrupted(ctx)
	if err != nil && stop == nil {
		return usageError{err}
	}
	if total == 0 {
		fmt.Fprintf(errOut, "%s: warning: shard %d/%d of %d seeds is empty: no seed to run (use fewer shards than seeds)\n", scenarios.Command, o.Shard, o.Shards, o.Seeds)
	}
	wall := time.Since(start)
	failed := sum.FailedCount > 0
	if !f.asJSON {
		if err := printSummary(out, s, o, &sum, wall); err != nil {
			return err
		}
	}
	if stop != nil {
		fmt.Fprintf(errOut, "%s: interrupted after %d of %d seeds (%d failed): the sweep is incomplete\n", scenarios.Command, sum.Runs, total, sum.FailedCount)
		return stop
	}
	if f.coverage {
		if never := neverReached(s, &sum); len(never) > 0 {
			fmt.Fprintf(errOut, "coverage: %d declared probe(s) never fired: %s\n", len(never), strings.Join(never, " "))
			failed = true
		}
	}
	if f.determinism {
		bad, err := checkSample(ctx, errOut, s, o, sum.Sample)
		if err != nil {
			return err
		}
		failed = failed || bad
	}
	if f.reportDir != "" && len(sum.Failed) > 0 {
		info := out
		if f.asJSON {
			info = errOut
		}
		if err := reportFailures(info, s, o, sum.Failed, f.reportDir); err != nil {
			return usageError{fmt.Errorf("--report: %w", err)}
		}
	}
	if f.shrink && len(sum.Failed) > 0 {
		// With --json, stdout is JSON lines only: the shrinker reports on stderr.
		report := out
		if f.asJSON {
			report = errOut
		}
		if err := shrinkFirst(ctx, report, errOut, s, sum.Failed[0], f); err != nil {
			if stop := interrupted(ctx); stop != nil {
				fmt.Fprintf(errOut, "%s: shrinking interrupted\n", scenarios.Command)
				return stop
			}
			fmt.Fprintf(errOut, "%s: shrinking failed: %v\n", scenarios.Command, err)
		}
	}
	if failed {
		return errCheckFailed
	}
	return nil
}

// neverReached lists the probes the protocol declares that no run reached.
func neverReached(s *scenarios.Scenario, sum *scenarios.Summary) []string {
	p, _ := scenarios.Lookup(s.Protocol)
	var never []string
	for _, name := range declaredProbes(p) {
		if sum.Probes[name] == 0 {
			never = append(never, name)
		}
	}
	return never
}

// checkSample reruns the sweep's sample (one seed in ten) and reports any
// divergence.
func checkSample(ctx context.Context, w io.Writer, s *scenarios.Scenario, o scenarios.SweepOptions, sample []scenarios.Sampled) (bool, error) {
	bad := false
	checked := 0
	for _, r := range sample {
		if stop := interrupted(ctx); stop != nil {
			fmt.Fprintf(w, "determinism: interrupted after %d of %d seeds\n", checked, len(sample))
			return bad, stop
		}
		checked++
		d, err := scenarios.CheckDeterminism(s, r.Seed, o, r.TraceHash)
		if err != nil {
			return false, err
		}
		if d != nil {
			bad = true
			fmt.Fprintf(w, "NONDETERMINISM %s\n", d)
		}
	}
	if !bad {
		fmt.Fprintf(w, "determinism: %d seeds rerun twice, every trace hash the same\n", checked)
	}
	return bad, nil
}

func printSummary(out io.Writer, s *scenarios.Scenario, o scenarios.SweepOptions, sum *scenarios.Summary, wall time.Duration) error {
	rate := float64(sum.Runs) / wall.Seconds()
	p, _ := scenarios.Lookup(s.Protocol)
	declared := declaredProbes(p)
	reached := len(declared) - len(neverReached(s, sum))
	shard := ""
	if o.Shards > 1 {
		shard = fmt.Sprintf(" (shard %d/%d)", o.Shard, o.Shards)
	}
	rows := [][]string{
		{"target", s.Name + bugSuffix(o.Bug) + shard},
		{"seeds", fmt.Sprintf("%d from %d", sum.Runs, o.Start)},
		{"passed", strconv.Itoa(sum.Passed)},
		{"failed", strconv.Itoa(sum.FailedCount)},
	}
	if sum.Ops > 0 {
		rows = append(rows, []string{"client ops", fmt.Sprintf("%d completed, %d indeterminate", sum.Ops, sum.Indeterminate)})
	}
	rows = append(rows, [][]string{
		{"speed", fmt.Sprintf("%.1f seeds/s (%d workers, %s)", rate, workersUsed(o), wall.Round(time.Millisecond))},
	}...)
	if len(declared) > 0 {
		rows = append(rows, []string{"coverage", fmt.Sprintf("%d of %d probes reached", reached, len(declared))})
	}
	if err := table(out, nil, rows); err != nil {
		return err
	}
	if len(declared) > 0 {
		var probeRows [][]string
		for _, name := range declared {
			n := sum.Probes[name]
			mark := ""
			if n == 0 {
				mark = "never reached"
			}
			probeRows = append(probeRows, []string{name, strconv.Itoa(n), fmt.Sprintf("%.0f%%", 100*float64(n)/float64(max(sum.Runs, 1))), mark})
		}
		if err := table(out, []string{"probe", "runs", "share", "note"}, probeRows); err != nil {
			return err
		}
	}
	for i, r := range sum.Failed {
		if i == 20 {
			fmt.Fprintf(out, "... and %d more failures\n", sum.FailedCount-20)
			break
		}
		fmt.Fprintf(out, "FAIL %s   # %s\n", r.Repro, firstViolation(r))
	}
	return nil
}

func firstViolation(r *scenarios.Result) string {
	if len(r.Violations) == 0 {
		return r.Verdict()
	}
	v := r.Violations[0]
	detail := v.Detail
	if len(detail) > 100 {
		detail = detail[:100] + "..."
	}
	return v.Kind + ": " + detail
}

func workersUsed(o scenarios.SweepOptions) int {
	if o.Workers == 0 {
		return runtime.NumCPU()
	}
	return o.Workers
}

func declaredProbes(p *protocols.Protocol) []string {
	if p == nil {
		return nil
	}
	return p.Probes
}

// isTerminal reports whether w is a terminal, where a progress line helps.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws one self-overwriting status line on a terminal.
type progress struct {
	w       io.Writer
	total   int
	on      bool
	start   time.Time
	last    time.Time
	written bool
}

func newProgress(w io.Writer, total int, on bool) *progress {
	now := time.Now()
	return &progress{w: w, total: total, on: on, start: now, last: now}
}

func (p *progress) update(done, failed int) {
	if !p.on || (time.Since(p.last) < 100*time.Millisecond && done < p.total) {
		return
	}
	p.last = time.Now()
	rate := float64(done) / time.Since(p.start).Seconds()
	const width = 30
	fill := width * done / max(p.total, 1)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d seeds  %d failed  %.1f seeds/s ", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, p.total, failed, rate)
	p.written = true
}

func (p *progress) clear() {
	if p.written {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 79))
	}
}

// reportFailures reruns the first failing seeds with a report each, into
// dir: NAME-seedN.html.
func reportFailures(w io.Writer, s *scenarios.Scenario, o scenarios.SweepOptions, failed []*scenarios.Result, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := shrunkBase(s.Name) // never a name that reads as a flag or hides itself
	for i, r := range failed {
		if i == 10 {
			fmt.Fprintf(w, "reports written for the first 10 of %d failing seeds\n", len(failed))
			break
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-seed%d.html", name, r.Seed))
		if _, err := scenarios.RunScenario(s, scenarios.RunOptions{Seed: r.Seed, Bug: o.Bug, MaxEvents: o.MaxEvents, Report: path, Repro: r.Repro}); err != nil {
			return err
		}
		fmt.Fprintf(w, "report of seed %d written to %s\n", r.Seed, path)
	}
	return nil
}
