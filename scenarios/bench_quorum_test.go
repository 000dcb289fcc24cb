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
	runSeeds(b, s, nil).report(b)
}

// seedRun is what the seeds of one benchmark added up to.
type seedRun struct {
	events, ops, msgs uint64
	sim               time.Duration
}

// runSeeds runs s on seeds 1 to b.N, failing the benchmark at an error or
// a failed seed, hands each result to each (when not nil), and returns the
// totals.
func runSeeds(b *testing.B, s *Scenario, each func(*Result)) seedRun {
	var r seedRun
	b.ResetTimer()
	for i := range b.N {
		res, err := RunScenario(s, RunOptions{Seed: uint64(i + 1)})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Pass {
			b.Fatalf("seed %d failed: %v", i+1, res.Violations)
		}
		r.events += res.Events
		r.ops += uint64(res.Ops.OK)
		r.msgs += res.Messages.Sent
		r.sim += time.Duration(res.SimTimeMS) * time.Millisecond
		if each != nil {
			each(res)
		}
	}
	return r
}

// report reports what every chaos benchmark shares: simulated seconds,
// completed operations and events per wall second, messages sent per
// completed operation, and seeds per second.
func (r seedRun) report(b *testing.B) {
	wall := b.Elapsed().Seconds()
	b.ReportMetric(r.sim.Seconds()/wall, "simsec/s")
	b.ReportMetric(float64(r.ops)/wall, "ops/s")
	b.ReportMetric(float64(r.events)/wall, "events/s")
	b.ReportMetric(float64(r.msgs)/float64(max(r.ops, 1)), "msgs/op")
	b.ReportMetric(float64(b.N)/wall, "seeds/s")
}
