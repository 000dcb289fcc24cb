package scenarios

import (
	"context"
	"os"
	"runtime/debug"
	"testing"
	"time"
)

// BenchmarkRaftChaos runs the canonical Raft world (raft/canonical, docs/architecture.md):
// 5 servers, 1-10ms links with 10% loss, heartbeat 50ms, election timeout
// 150-300ms, 3 closed-loop clients on 3 keys, the leader isolated 2s in every
// 10s, 60 simulated seconds, every invariant checked after every event, and
// the history checked by porcupine at the end. Each iteration is one seed.
// Like the dsim command, it runs with GCPercent unless GOGC is set; run it
// with GOGC=100 for Go's default.
func BenchmarkRaftChaos(b *testing.B) { benchChaos(b, "raft/canonical") }

// BenchmarkSweepRaft measures a sweep's throughput for 5-node Raft with 5
// simulated seconds per seed and every check on, with 1 and 2 workers.
func BenchmarkSweepRaft(b *testing.B) {
	defer setGC()()
	s, err := Builtin("raft/chaos")
	if err != nil {
		b.Fatal(err)
	}
	short := *s
	short.Duration, short.Healing = 3*time.Second, 2*time.Second
	for _, workers := range []int{1, 2} {
		b.Run("workers="+string(rune('0'+workers)), func(b *testing.B) {
			o := SweepOptions{Seeds: uint64(b.N), Start: 1, Workers: workers}
			b.ResetTimer()
			if err := sweepCount(&short, o); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "seeds/s")
		})
	}
}

func sweepCount(s *Scenario, o SweepOptions) error {
	return Sweep(context.Background(), s, o, func(*Result) {})
}

// setGC sets the collector as the dsim command does and returns the undo.
func setGC() func() {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(GCPercent)
	return func() { debug.SetGCPercent(old) }
}
