package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/scenarios"
)

// shrinkFirst shrinks a failing seed to a small scenario file, writes it and
// prints how to run it.
func shrinkFirst(ctx context.Context, out, errOut io.Writer, s *scenarios.Scenario, failed *scenarios.Result, f fuzzFlags) error {
	fmt.Fprintf(errOut, "shrinking seed %d (%s)...\n", failed.Seed, firstViolation(failed))
	sh, err := scenarios.Shrink(ctx, s, failed.Seed, scenarios.ShrinkOptions{Bug: f.bug, MaxEvents: f.maxEvents, Progress: func(step string) {
		if isTerminal(errOut) {
			fmt.Fprintf(errOut, "\r%-79s", truncate(step, 79))
		}
	}})
	if isTerminal(errOut) {
		fmt.Fprintf(errOut, "\r%79s\r", "")
	}
	if err != nil {
		return err
	}
	path := f.shrinkOut
	if path == "" {
		path = fmt.Sprintf("%s-seed%d-shrunk.scn", shrunkBase(s.Name), failed.Seed)
	}
	if err := writeOutput("--shrink-out", path, func(w io.Writer) error {
		_, err := io.WriteString(w, sh.File())
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "shrunk: %d faults -> %d, %s -> %s of chaos, %d -> %d clients (%d runs); still fails with %s\n",
		sh.FaultsBefore, len(sh.Scenario.Faults), fmtDur(sh.DurationBefore), fmtDur(sh.Scenario.Duration),
		sh.ClientsBefore, sh.Scenario.Clients, sh.Runs, sh.Violation)
	fmt.Fprintf(out, "wrote %s\nrun it: %s run %s\n", path, scenarios.Command, scenarios.ShellQuote(path))
	return nil
}

// shrunkBase names a shrunk scenario's file after the scenario: raft-chaos
// for the built-in raft/chaos, my for a file dir/my.scn, stdin for "-". It
// never starts with "-" or ".", which would read as a flag or hide it.
func shrunkBase(name string) string {
	if name == "-" {
		return "stdin"
	}
	if scenarioFile(name) != "" || strings.HasSuffix(name, ".scn") {
		name = filepath.Base(name)
	}
	base := strings.TrimLeft(strings.ReplaceAll(strings.TrimSuffix(name, ".scn"), "/", "-"), "-.")
	if base == "" {
		return "scenario"
	}
	return base
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

func fmtDur(d interface{ Seconds() float64 }) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}
