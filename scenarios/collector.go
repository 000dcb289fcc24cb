package scenarios

import (
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// GCPercent is the garbage collector target dsim runs with (GOGC overrides
// it). A run keeps little live memory but allocates steadily (messages,
// log entries, notes): a collection costs about the live heap, and there is
// one for every GCPercent/100 live heaps allocated, so the collector's share
// falls as the target grows. MemoryLimit bounds the heap whatever the
// target: a run with a large live heap collects as often near the limit as
// it would with a lower target, and only small heaps grow more between
// collections (measured in docs/architecture.md, "The sixth round": a
// BenchmarkSweepRaft seed costs 9% fewer instructions than at 400, and
// `dsim fuzz raft --seeds 20` peaks at 133 MB instead of 51).
const GCPercent = 1600

// MemoryLimit is the soft memory limit dsim sets for Go's collector
// (GOMEMLIMIT overrides it); TuneCollector sets three quarters of what the
// process's cgroup allows instead when that is less (a CI container of
// 512 MiB; memoryLimit). The collector works harder as the heap nears it,
// so GCPercent's headroom never turns a large run into gigabytes, nor a
// small one into an out-of-memory kill. It changes when memory is
// collected, never what a run does.
const MemoryLimit = 1 << 30

// cgroupLimits are where Linux says how much memory the process's cgroup
// may use: cgroup v2, then v1. A file that is missing or says "max" (v2)
// or a number past any machine (v1's "unlimited") leaves MemoryLimit.
var cgroupLimits = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// memoryLimit returns MemoryLimit, or three quarters of the first cgroup
// limit that read finds when that is less (but never below
// minMemoryLimit).
func memoryLimit(read func(path string) ([]byte, error)) int64 {
	for _, path := range cgroupLimits {
		data, err := read(path)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		if err != nil || n <= 0 {
			return MemoryLimit // "max", or unreadable: no limit to heed
		}
		return min(MemoryLimit, max(n/4*3, minMemoryLimit))
	}
	return MemoryLimit
}

// minMemoryLimit is the least limit memoryLimit sets, however small a
// cgroup says it is: below it the collector would run without pause, and
// no run of dsim fits there anyway.
const minMemoryLimit = 64 << 20

// TuneCollector sets Go's collector as the dsim command runs it —
// GCPercent unless GOGC is set, MemoryLimit (or less, in a cgroup that
// allows less) unless GOMEMLIMIT is set — and
// returns the undo. The command line calls it first thing; benchmarks call
// it so that they measure what the command does.
func TuneCollector() (undo func()) {
	var undos []func()
	if os.Getenv("GOGC") == "" {
		old := debug.SetGCPercent(GCPercent)
		undos = append(undos, func() { debug.SetGCPercent(old) })
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		old := debug.SetMemoryLimit(memoryLimit(os.ReadFile))
		undos = append(undos, func() { debug.SetMemoryLimit(old) })
	}
	return func() {
		for _, u := range slices.Backward(undos) {
			u()
		}
	}
}
