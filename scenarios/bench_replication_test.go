package scenarios

import (
	"testing"
	"time"
)

// The replication family's chaos benchmarks: each iteration is one seed of
// the protocol's PROTO/chaos scenario (20s of swarm chaos, 10s of healing,
// five clients), with every monitor after every event and the history
// checked at the end, as `dsim fuzz PROTO` runs it. They report simulated
// seconds and client operations per wall second, events per second,
// messages per operation and seeds per second. A seed that fails fails the
// benchmark: correct code passes every seed.

func BenchmarkPrimaryBackupChaos(b *testing.B)      { benchChaos(b, "primary-backup/chaos") }
func BenchmarkPrimaryBackupAsyncChaos(b *testing.B) { benchChaos(b, "primary-backup-async/chaos") }
func BenchmarkChainChaos(b *testing.B)              { benchChaos(b, "chain/chaos") }
func BenchmarkCRAQChaos(b *testing.B)               { benchChaos(b, "craq/chaos") }

func benchChaos(b *testing.B, name string) {
	defer setGC()()
	s, err := Builtin(name)
	if err != nil {
		b.Fatal(err)
	}
	var events, ops, sent uint64
	var sim time.Duration
	b.ResetTimer()
	for i := range b.N {
		res, err := RunScenario(s, RunOptions{Seed: uint64(i + 1)})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Pass {
			b.Fatalf("seed %d failed: %v", i+1, res.Violations)
		}
		events += res.Events
		ops += uint64(res.Ops.OK)
		sent += res.Messages.Sent
		sim += time.Duration(res.SimTimeMS) * time.Millisecond
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(sim.Seconds()/wall, "simsec/s")
	b.ReportMetric(float64(ops)/wall, "ops/s")
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(float64(sent)/float64(max(ops, 1)), "msgs/op")
	b.ReportMetric(float64(b.N)/wall, "seeds/s")
}
