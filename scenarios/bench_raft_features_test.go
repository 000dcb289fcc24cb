package scenarios

import (
	"testing"
	"time"
)

// BenchmarkRaftChaosFeatures is BenchmarkRaftChaos (the canonical world,
// raft/canonical) with Raft's production features on: PreVote,
// CheckQuorum, reads under a lease (ReadIndex when it has run out) and
// snapshots every 100 applied entries. Compare its simsec/s with
// BenchmarkRaftChaos's.
func BenchmarkRaftChaosFeatures(b *testing.B) {
	defer setGC()()
	base, err := Builtin("raft/canonical")
	if err != nil {
		b.Fatal(err)
	}
	s := *base
	s.Options = append(s.Options[:len(s.Options):len(s.Options)],
		Setting{Key: "prevote", Value: "on"}, Setting{Key: "check-quorum", Value: "on"},
		Setting{Key: "read", Value: "lease"}, Setting{Key: "snapshot-every", Value: "100"})
	var events, ops uint64
	var sim time.Duration
	b.ResetTimer()
	for i := range b.N {
		res, err := RunScenario(&s, RunOptions{Seed: uint64(i + 1)})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Pass {
			b.Fatalf("seed %d failed: %v", i+1, res.Violations)
		}
		events += res.Events
		ops += uint64(res.Ops.OK)
		sim += time.Duration(res.SimTimeMS) * time.Millisecond
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(sim.Seconds()/wall, "simsec/s")
	b.ReportMetric(float64(ops)/wall, "ops/s")
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(float64(b.N)/wall, "seeds/s")
}
