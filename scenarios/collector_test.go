package scenarios

import (
	"io/fs"
	"os"
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
		{"defaults", "", "", GCPercent, memoryLimit(os.ReadFile)},
		{"GOGC set", "150", "", 77, memoryLimit(os.ReadFile)},
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

func TestMemoryLimitHeedsTheCgroup(t *testing.T) {
	v2, v1 := cgroupLimits[0], cgroupLimits[1]
	for _, c := range []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"no cgroup files", nil, MemoryLimit},
		{"v2 without a limit", map[string]string{v2: "max\n", v1: "1048576\n"}, MemoryLimit},
		{"v2 of 512 MiB", map[string]string{v2: "536870912\n"}, 384 << 20},
		{"v2 of 4 GiB", map[string]string{v2: "4294967296\n"}, MemoryLimit},
		{"v1 unlimited", map[string]string{v1: "9223372036854771712\n"}, MemoryLimit},
		{"v1 of 1 GiB", map[string]string{v1: "1073741824"}, 768 << 20},
		{"unreadable", map[string]string{v2: "lots"}, MemoryLimit},
		{"zero", map[string]string{v2: "0"}, MemoryLimit},
		{"absurdly small", map[string]string{v2: "1"}, minMemoryLimit},
	} {
		t.Run(c.name, func(t *testing.T) {
			read := func(path string) ([]byte, error) {
				if data, ok := c.files[path]; ok {
					return []byte(data), nil
				}
				return nil, fs.ErrNotExist
			}
			assert.Equal(t, c.want, memoryLimit(read))
		})
	}
}

// FuzzMemoryLimit: whatever a cgroup file says, the limit is between
// minMemoryLimit and MemoryLimit.
func FuzzMemoryLimit(f *testing.F) {
	for _, s := range []string{"max", "536870912\n", "0", "-5", "9223372036854775807", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := memoryLimit(func(string) ([]byte, error) { return []byte(s), nil })
		if got < minMemoryLimit || got > MemoryLimit {
			t.Fatalf("memoryLimit(%q) = %d", s, got)
		}
	})
}
