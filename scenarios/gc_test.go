package scenarios

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, maxGCPercent},
		{1 << 10, maxGCPercent},       // nearly empty: capped
		{4 << 20, 1500},               // 4 MB live: a 64 MB goal
		{MinHeapGoal / 5, GCPercent},  // exactly GCPercent's goal
		{MinHeapGoal, GCPercent},      // larger heaps keep the proportion
		{10 * MinHeapGoal, GCPercent}, //
		{MinHeapGoal/5 - 1<<20, 442},  // just under: a little more
	} {
		assert.Equal(t, c.want, gcPercentFor(c.live), "live %d", c.live)
	}
}

func TestTuneGCRaisesThePercentAndUndoes(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	undo := TuneGC()
	runtime.GC() // the tuner's finalizer runs after a collection
	runtime.GC()
	require.Eventually(t, func() bool { return currentGCPercent() > GCPercent }, 5*time.Second, time.Millisecond,
		"after a collection of a small heap, the percentage aims at MinHeapGoal")
	undo()
	assert.Equal(t, 100, currentGCPercent())
	runtime.GC()
	runtime.GC()
	assert.Equal(t, 100, currentGCPercent(), "the tuner stops with undo")
}

func currentGCPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}
