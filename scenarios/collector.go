package scenarios

import (
	"os"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// GCPercent is the headroom dsim's collector keeps over the live heap, in
// percent: the ratchet's (TuneCollector), or the target when only
// GOMEMLIMIT is set. A run keeps little live memory but allocates steadily
// (messages, log entries, notes): a collection costs about the live heap,
// and there is one for every GCPercent/100 live heaps allocated, so the
// collector's share falls as the headroom grows. MemoryLimit bounds the
// heap whatever the headroom: a run with a large live heap collects as
// often near the limit as it would with less, and only small heaps grow
// more between collections (measured in docs/architecture.md, "The sixth
// round": a BenchmarkSweepRaft seed costs 9% fewer instructions than at
// 400, and `dsim fuzz raft --seeds 20` peaks at 133 MB instead of 51).
const GCPercent = 1600

// MemoryLimit is the most memory dsim lets Go's collector keep (GOMEMLIMIT
// overrides it): the ratchet's ceiling, or the soft limit under GOGC's
// target when GOGC is set. TuneCollector uses three quarters of what the
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

// TuneCollector sets Go's collector as the dsim command runs it and
// returns the undo. The command line calls it first thing; benchmarks call
// it so that they measure what the command does. It changes when memory is
// collected, never what a run does.
//
//   - With neither GOGC nor GOMEMLIMIT set, the collector runs on a memory
//     limit alone (GOGC off) that a ratchet keeps at GCPercent of headroom
//     over the largest live heap a collection has found: never below
//     ratchetFloor, never above memoryLimit (MemoryLimit, or less in a
//     cgroup that allows less), and never lowered (ratchet).
//   - With GOGC set, its target, under memoryLimit unless GOMEMLIMIT is set
//     too.
//   - With only GOMEMLIMIT set, GCPercent, under that limit.
func TuneCollector() (undo func()) {
	gogc, memlimit := os.Getenv("GOGC") != "", os.Getenv("GOMEMLIMIT") != ""
	var undos []func()
	if !memlimit {
		limit := memoryLimit(os.ReadFile)
		var r *ratchet
		if !gogc {
			r = newRatchet(limit)
			limit = r.limit
		}
		// The limit before the target: turning the target off while no
		// limit is set would leave the heap unbounded for a moment.
		old := debug.SetMemoryLimit(limit)
		undos = append(undos, func() { debug.SetMemoryLimit(old) })
		if r != nil {
			old := debug.SetGCPercent(-1)
			undos = append(undos, func() { debug.SetGCPercent(old) }, r.stop)
			r.arm()
		}
	}
	if !gogc && memlimit {
		old := debug.SetGCPercent(GCPercent)
		undos = append(undos, func() { debug.SetGCPercent(old) })
	}
	return func() {
		for _, u := range slices.Backward(undos) {
			u()
		}
	}
}

// ratchet keeps the collector's memory limit at GCPercent of headroom over
// the largest live heap a collection has found, between ratchetFloor and a
// ceiling. That is the heap GCPercent's target would allow, except that the
// limit never comes down when the live heap does. A target that comes down
// makes the runtime hand memory back to the system (its scavenger keeps
// only a tenth more than the target), and every page handed back faults in
// again, to be zeroed, when it is next allocated. In a sweep on two workers
// the live heap at a collection swung between 3 and 10 MB with where each
// seed was, GCPercent's target with it between 64 and 180 MB, and handing
// back and faulting in the same memory cost the sweep 3-4%
// (docs/architecture.md, "The seventh round"). A process of dsim is one
// command: holding on to its largest heap costs no more memory than the
// moment it was needed.
type ratchet struct {
	mu      sync.Mutex
	limit   int64 // the limit set last
	ceiling int64
	stopped bool
	set     func(int64) int64 // debug.SetMemoryLimit
	live    func() uint64     // the live heap the last collection found
}

// ratchetFloor is the least limit the ratchet sets: GCPercent of headroom
// over a 4 MiB live heap, 68 MiB, a little above the least heap goal
// GCPercent's target would give (the runtime's 4 MiB x GCPercent/100,
// 64 MiB). The limit counts all of the runtime's memory, not the heap
// alone, so the heap gets less (a heap goal of 57 MB for a one-worker
// sweep).
const ratchetFloor = 4 << 20 * (100 + GCPercent) / 100

// newRatchet returns a ratchet at its floor (or ceiling, when that is
// lower) that sets the process's limit and reads its live heap.
func newRatchet(ceiling int64) *ratchet {
	return &ratchet{limit: min(ratchetFloor, ceiling), ceiling: ceiling, set: debug.SetMemoryLimit, live: liveHeap}
}

// collected raises the limit, if it must, after a collection, and reports
// whether the ratchet still runs (stop ends it).
func (r *ratchet) collected() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return false
	}
	want := r.ceiling
	if live := r.live(); live < uint64(r.ceiling)/(100+GCPercent)*100 {
		want = int64(live / 100 * (100 + GCPercent))
	}
	if want > r.limit {
		r.limit = want
		r.set(want)
	}
	return true
}

// stop ends the ratchet: it sets no limit after stop returns.
func (r *ratchet) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
}

// arm has collected called once the next collection is over, and again
// after each collection until stop: a cleanup on an object nothing holds
// runs after the collection that finds it unreachable, and arms the next.
// (A sentinel armed while the next collection is already marking survives
// it, and waits for the one after: collections back to back may each
// skip one.)
func (r *ratchet) arm() {
	runtime.AddCleanup(new(sentinel), func(r *ratchet) {
		if r.collected() {
			r.arm()
		}
	}, r)
}

// sentinel is what arm leaves for the collector to find. Its pointer keeps
// it out of the tiny allocator, which may put a small object that holds
// no pointers in a block with others that are still live.
type sentinel struct{ _ *byte }

// liveHeap returns the bytes of heap the last collection found live. That
// counts what was allocated while it marked, too, which varies from one
// collection to the next, and the ratchet keeps the largest: over a long
// sweep the limit creeps up, by less each time, toward the ceiling it
// never passes (`dsim fuzz raft/chaos --workers 2`: a heap goal of 186 MB
// after 4 s, 239 MB after 63 s, and no more after 133 s).
func liveHeap() uint64 {
	s := [1]rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	rtmetrics.Read(s[:])
	if s[0].Value.Kind() != rtmetrics.KindUint64 {
		return 0 // not this runtime's metric: the floor holds
	}
	return s[0].Value.Uint64()
}
