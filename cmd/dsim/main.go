// Command dsim runs distributed protocols on a deterministic simulated
// network, injects faults, and checks every run: protocol invariants after
// every event, linearizability of client histories, liveness after healing.
//
//	dsim list [--json] [--bugs]
//	dsim show NAME
//	dsim run SCENARIO|FILE [--seed N] [--bug NAME] [--json] [--trace FILE] [--html FILE]
//	dsim run --all [--json]
//	dsim fuzz PROTOCOL|SCENARIO [--seeds N] [--start S] [--workers K] [--shard I/N] [--json]
//	          [--bug NAME] [--shrink] [--require-coverage] [--check-determinism]
//	dsim tui [SCENARIO|FILE] [--seed N] [--bug NAME]
//	dsim check HISTORY.json [--html FILE]
//
// Exit codes: 0 every check passed (or the expected violation was found);
// 1 a check failed; 2 bad usage or bad input.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"

	"github.com/dsimlab/dsim/scenarios"
)

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(scenarios.GCPercent)
	}
	// Ctrl-C cancels a sweep, which then reports what it ran so far.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := MainContext(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
