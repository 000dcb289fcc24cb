package scenarios

import (
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTuneCollectorSetsAndUndoesTheCommandsSettings(t *testing.T) {
	ceiling := memoryLimit(os.ReadFile)
	for _, c := range []struct {
		name         string
		gogc, memlim string
		percent      int
		// The limit TuneCollector sets: between these, for the ratchet
		// may have raised it already (a collection ran since).
		limitLo, limitHi int64
	}{
		{"defaults: the ratchet", "", "", -1, min(ratchetFloor, ceiling), ceiling},
		{"GOGC set", "150", "", 77, ceiling, ceiling},
		{"GOMEMLIMIT set", "", "2GiB", GCPercent, 5 << 20, 5 << 20},
		{"both set", "off", "1MiB", 77, 5 << 20, 5 << 20},
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
			limit := debug.SetMemoryLimit(-1)
			assert.GreaterOrEqual(t, limit, c.limitLo, "memory limit")
			assert.LessOrEqual(t, limit, c.limitHi, "memory limit")

			undo()
			// A ratchet, stopped, no longer sets the limit after a
			// collection, though the live heap would raise it.
			live := make([]byte, 16<<20)
			for range 3 {
				collectWithCleanups(t)
			}
			runtime.KeepAlive(live)
			percent = debug.SetGCPercent(-1)
			debug.SetGCPercent(percent)
			assert.Equal(t, 77, percent, "GC percent after undo")
			assert.Equal(t, int64(5<<20), debug.SetMemoryLimit(-1), "memory limit after undo")
		})
	}
}

// collectWithCleanups runs a collection and waits until a cleanup it
// found due has run: cleanups run on goroutines of their own, after the
// collection.
func collectWithCleanups(t *testing.T) {
	t.Helper()
	ran := make(chan struct{})
	runtime.AddCleanup(new(sentinel), func(ch chan struct{}) { close(ch) }, ran)
	for range 1000 {
		runtime.GC()
		select {
		case <-ran:
			return
		default:
			runtime.Gosched()
		}
	}
	t.Fatal("no collection ran a cleanup")
}

// TestRatchetOnlyRaisesTheLimit follows one ratchet through the live heaps
// a run of collections finds.
func TestRatchetOnlyRaisesTheLimit(t *testing.T) {
	const mib = 1 << 20
	headroom := func(live int64) int64 { return live / 100 * (100 + GCPercent) }
	for _, c := range []struct {
		name    string
		ceiling int64
		live    []uint64 // each collection's live heap
		sets    []int64  // the limits set, in order
		limit   int64    // the limit at the end
	}{
		{"a small heap stays at the floor", 1 << 30, []uint64{1 * mib, 3 * mib, 2 * mib}, nil, ratchetFloor},
		{"a heap that grows raises it", 1 << 30, []uint64{2 * mib, 10 * mib, 12 * mib}, []int64{headroom(10 * mib), headroom(12 * mib)}, headroom(12 * mib)},
		{"a heap that shrinks leaves it", 1 << 30, []uint64{10 * mib, 3 * mib, 1 * mib, 9 * mib}, []int64{headroom(10 * mib)}, headroom(10 * mib)},
		{"never past the ceiling", 256 * mib, []uint64{10 * mib, 100 * mib, 1 << 40}, []int64{headroom(10 * mib), 256 * mib}, 256 * mib},
		{"a ceiling below the floor", minMemoryLimit, []uint64{1 * mib, 50 * mib}, nil, minMemoryLimit},
		{"an absurd heap", 1 << 30, []uint64{^uint64(0)}, []int64{1 << 30}, 1 << 30},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRatchet(c.ceiling)
			var sets []int64
			r.set = func(n int64) int64 { sets = append(sets, n); return 0 }
			for _, live := range c.live {
				r.live = func() uint64 { return live }
				require.True(t, r.collected())
			}
			assert.Equal(t, c.sets, sets, "limits set")
			assert.Equal(t, c.limit, r.limit, "limit")
			assert.LessOrEqual(t, r.limit, c.ceiling)

			r.stop()
			r.live = func() uint64 { return 1 << 40 }
			assert.False(t, r.collected(), "a stopped ratchet goes on")
			assert.Equal(t, c.sets, sets, "a stopped ratchet set a limit")
		})
	}
}

// TestRatchetFollowsCollections: an armed ratchet hears of every
// collection, not only the first, and reads the live heap they found.
func TestRatchetFollowsCollections(t *testing.T) {
	r := newRatchet(1 << 40)
	sets := make(chan int64, 100)
	r.set = func(n int64) int64 { sets <- n; return 0 }
	r.arm()
	defer r.stop()
	var live [][]byte
	for _, size := range []int{16 << 20, 48 << 20} { // live heaps whose headroom is past the last limit
		live = append(live, make([]byte, size))
		want := int64(size) / 100 * (100 + GCPercent)
		raised := false
		for i := 0; i < 1000 && !raised; i++ {
			runtime.GC()
			runtime.Gosched()
			select {
			case got := <-sets:
				raised = got >= want
			default:
			}
		}
		require.True(t, raised, "no collection raised the limit past %d with %d bytes live", want, size)
	}
	runtime.KeepAlive(live)
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
