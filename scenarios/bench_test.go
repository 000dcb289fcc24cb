package scenarios

import (
	"context"
	"flag"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// BenchmarkRaftChaos runs the canonical Raft world (raft/canonical, docs/architecture.md):
// 5 servers, 1-10ms links with 10% loss, heartbeat 50ms, election timeout
// 150-300ms, 3 closed-loop clients on 3 keys, the leader isolated 2s in every
// 10s, 60 simulated seconds, every invariant checked after every event, and
// the history checked by porcupine at the end. Each iteration is one seed.
// Like the dsim command, it runs with GCPercent unless GOGC is set; run it
// with GOGC=100 for Go's default. The command is built with the profile in
// cmd/dsim/default.pgo; to measure what it runs, build the benchmarks with
// it too: go test -pgo=$PWD/cmd/dsim/default.pgo -bench ... ./scenarios.
func BenchmarkRaftChaos(b *testing.B) { benchChaos(b, "raft/canonical") }

// BenchmarkSweepRaft measures a sweep's throughput for 5-node Raft with 5
// simulated seconds per seed and every check on, with 1 and 2 workers: in
// seeds per wall second, and per second of CPU (seeds/cpu-s, where the
// system can say: the rate a core gives, however many workers share the
// cores, and whichever thread did the work).
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
			cpu := processCPU()
			if err := sweepCount(&short, o); err != nil {
				b.Fatal(err)
			}
			cpu = processCPU() - cpu
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "seeds/s")
			if cpu > 0 {
				// Seeds per second of one core: the CPU every thread of
				// the process used, the collector's and the sweeper's
				// too, which one worker leaves to the idle core.
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "seeds/cpu-s")
			}
		})
	}
}

func sweepCount(s *Scenario, o SweepOptions) error {
	return Sweep(context.Background(), s, o, func(*Result) {})
}

// setGC sets the runtime as the dsim command runs and returns the undo:
// the collector's settings (TuneCollector), and no memory profiling unless
// the benchmark was asked for a memory profile. The linker leaves memory
// profiling off in a program that never reads a memory profile, as the dsim
// command never does, but on in every test binary, where its sampling
// (a stack walk every 512 KiB allocated) took about 1% of a CPU profile of
// BenchmarkSweepRaft: a cost the command never pays.
func setGC() func() {
	undo := TuneCollector()
	rate := runtime.MemProfileRate
	if !memProfiling() {
		runtime.MemProfileRate = 0
	}
	return func() {
		runtime.MemProfileRate = rate
		undo()
	}
}

// memProfiling reports whether the test binary was asked for a memory
// profile, or for a memory profiling rate (by flag or GODEBUG).
func memProfiling() bool {
	if strings.Contains(os.Getenv("GODEBUG"), "memprofilerate=") {
		return true
	}
	for _, name := range []string{"test.memprofile", "test.memprofilerate"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != f.DefValue {
			return true
		}
	}
	return false
}
