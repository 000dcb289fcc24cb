package scenarios

import (
	"testing"
	"time"
)

// BenchmarkPBFTChaos runs pbft/chaos, the target of `dsim fuzz pbft`, one
// seed per iteration: 4 replicas tolerating one byzantine replica, 4 closed-
// loop clients, 15 simulated seconds of swarm chaos (each seed its own mix
// of partitions, crashes, outages, loss, duplication, latency, clock faults
// and, in about half the seeds, a byzantine replica with a drawn strategy)
// and 8 of healing, every monitor after every event, and the client history
// checked for linearizability at the end. It reports simulated seconds per
// wall second, client operations completed per wall second, and messages,
// signatures made and signatures checked per completed operation. Like the
// dsim command, it runs with GCPercent unless GOGC is set.
func BenchmarkPBFTChaos(b *testing.B) {
	defer setGC()()
	s, err := Builtin("pbft/chaos")
	if err != nil {
		b.Fatal(err)
	}
	var events, ops, msgs, signed, verified uint64
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
		if res.Signatures != nil {
			signed += res.Signatures.Signed
			verified += res.Signatures.Verified
		}
		sim += time.Duration(res.SimTimeMS) * time.Millisecond
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(sim.Seconds()/wall, "simsec/s")
	b.ReportMetric(float64(ops)/wall, "ops/s")
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(float64(msgs)/float64(max(ops, 1)), "msgs/op")
	b.ReportMetric(float64(signed)/float64(max(ops, 1)), "sigs/op")
	b.ReportMetric(float64(verified)/float64(max(ops, 1)), "verifies/op")
}
