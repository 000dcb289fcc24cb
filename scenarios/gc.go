package scenarios

import (
	"os"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync"
)

// The collector's settings change when memory is collected, never what a
// run does: a verdict does not depend on them.
//
// GCPercent alone sets the heap goal in proportion to the live heap. A
// world keeps a few megabytes live, so at 400 the goal is a few tens of
// megabytes and the collector runs once or twice a seed; every cycle
// preempts the simulation and turns on write barriers for a while, which
// cost it about a tenth of its time in raft/canonical. TuneGC keeps the
// proportion for large heaps and puts a floor under the goal for small
// ones.

// MinHeapGoal is the smallest heap goal TuneGC lets the collector aim for.
const MinHeapGoal = 64 << 20

// maxGCPercent bounds the percentage TuneGC sets, for a live heap close to
// empty.
const maxGCPercent = 10_000

// TuneGC sets the collector as the dsim command runs it: GCPercent, raised
// after each collection as far as needed for a goal of MinHeapGoal while
// the live heap is small. It does nothing when GOGC is set. Undo restores
// the previous percentage and stops the tuning.
func TuneGC() (undo func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(GCPercent)
	t := &gcTuner{sample: []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.arm()
	return func() {
		t.mu.Lock()
		t.stopped = true
		t.mu.Unlock()
		debug.SetGCPercent(old)
	}
}

type gcTuner struct {
	mu      sync.Mutex
	stopped bool
	sample  []rtmetrics.Sample
}

// arm sets a finalizer on a fresh object: it runs after the next
// collection, sets the percentage for the heap that collection left, and
// arms again.
func (t *gcTuner) arm() {
	s := new(gcSentinel)
	runtime.SetFinalizer(s, func(*gcSentinel) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.stopped {
			return
		}
		rtmetrics.Read(t.sample)
		debug.SetGCPercent(gcPercentFor(t.sample[0].Value.Uint64()))
		t.arm()
	})
}

// gcSentinel is an object only a finalizer watches. It must not be of
// size zero (those share one address and are never collected).
type gcSentinel struct{ _ [16]byte }

// gcPercentFor is the percentage for a live heap of live bytes: GCPercent,
// or more while that would aim below MinHeapGoal.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	need := int(MinHeapGoal*100/live) - 100
	return min(max(need, GCPercent), maxGCPercent)
}
