package scenarios

import (
	"testing"
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
	var signed, verified uint64
	r := runSeeds(b, s, func(res *Result) {
		if res.Signatures != nil {
			signed += res.Signatures.Signed
			verified += res.Signatures.Verified
		}
	})
	r.report(b)
	b.ReportMetric(float64(signed)/float64(max(r.ops, 1)), "sigs/op")
	b.ReportMetric(float64(verified)/float64(max(r.ops, 1)), "verifies/op")
}
