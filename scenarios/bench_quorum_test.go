package scenarios

import (
	"testing"
	"time"
)

// The chaos benchmarks of the quorum family: each iteration is one seed of
// the protocol's chaos scenario (5 servers, 5 clients, 20s of swarm chaos
// and a healing phase), every monitor after every event, the history
// checked at the end (judged for ABD, reported for the eventually
// consistent ones). They report simulated seconds, completed operations
// and events per wall second, messages per completed operation, and seeds
// per second.

func BenchmarkABDChaos(b *testing.B)          { benchChaos(b, "abd/chaos") }
func BenchmarkDynamoChaos(b *testing.B)       { benchChaos(b, "dynamo/chaos") }
func BenchmarkMultiPrimaryChaos(b *testing.B) { benchChaos(b, "multi-primary/chaos") }

func benchChaos(b *testing.B, name string) {
	defer setGC()()
	s, err := Builtin(name)
	if err != nil {
		b.Fatal(err)
	}
	var events, ops, msgs uint64
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
		msgs += res.Messages.Sent
		sim += time.Duration(res.SimTimeMS) * time.Millisecond
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(sim.Seconds()/wall, "simsec/s")
	b.ReportMetric(float64(ops)/wall, "ops/s")
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(float64(msgs)/float64(max(ops, 1)), "msgs/op")
	b.ReportMetric(float64(b.N)/wall, "seeds/s")
}
