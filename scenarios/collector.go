package scenarios

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector target dsim runs with (GOGC overrides
// it). A run keeps little live memory but allocates steadily (messages,
// log entries, notes): a collection costs about the live heap, and there is
// one for every GCPercent/100 live heaps allocated, so the collector's share
// falls as the target grows. MemoryLimit bounds the heap whatever the
// target: a run with a large live heap collects as often near the limit as
// it would with a lower target, and only small heaps grow more between
// collections (measured in docs/architecture.md, "The sixth round": a
// BenchmarkSweepRaft seed costs 10% fewer instructions than at 400, and
// `dsim fuzz raft --seeds 20` peaks at 133 MB instead of 51).
const GCPercent = 1600

// MemoryLimit is the soft memory limit dsim sets for Go's collector
// (GOMEMLIMIT overrides it): the collector works harder as the heap nears
// it, so GCPercent's headroom never turns a large run into gigabytes. It
// changes when memory is collected, never what a run does.
const MemoryLimit = 1 << 30

// TuneCollector sets Go's collector as the dsim command runs it —
// GCPercent unless GOGC is set, MemoryLimit unless GOMEMLIMIT is set — and
// returns the undo. The command line calls it first thing; benchmarks call
// it so that they measure what the command does.
func TuneCollector() (undo func()) {
	var undos []func()
	if os.Getenv("GOGC") == "" {
		old := debug.SetGCPercent(GCPercent)
		undos = append(undos, func() { debug.SetGCPercent(old) })
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		old := debug.SetMemoryLimit(MemoryLimit)
		undos = append(undos, func() { debug.SetMemoryLimit(old) })
	}
	return func() {
		for _, u := range undos {
			u()
		}
	}
}
