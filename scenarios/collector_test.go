package scenarios

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTuneCollectorSetsAndUndoesTheCommandsSettings(t *testing.T) {
	for _, c := range []struct {
		name         string
		gogc, memlim string
		percent      int
		limit        int64
	}{
		{"defaults", "", "", GCPercent, MemoryLimit},
		{"GOGC set", "150", "", 77, MemoryLimit},
		{"GOMEMLIMIT set", "", "2GiB", GCPercent, 5 << 20},
		{"both set", "off", "1MiB", 77, 5 << 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("GOGC", c.gogc)
			t.Setenv("GOMEMLIMIT", c.memlim)
			// Known settings before, so that what was left alone shows.
			oldPercent := debug.SetGCPercent(77)
			oldLimit := debug.SetMemoryLimit(5 << 20)
			defer debug.SetGCPercent(oldPercent)
			defer debug.SetMemoryLimit(oldLimit)

			undo := TuneCollector()
			percent := debug.SetGCPercent(-1)
			debug.SetGCPercent(percent)
			assert.Equal(t, c.percent, percent, "GC percent")
			assert.Equal(t, c.limit, debug.SetMemoryLimit(-1), "memory limit")

			undo()
			percent = debug.SetGCPercent(-1)
			debug.SetGCPercent(percent)
			assert.Equal(t, 77, percent, "GC percent after undo")
			assert.Equal(t, int64(5<<20), debug.SetMemoryLimit(-1), "memory limit after undo")
		})
	}
}
