package scenarios

import (
	"testing"
	"time"
)

// BenchmarkMultiPaxosChaos runs Multi-Paxos in the canonical Raft benchmark
// world (multipaxos/canonical is raft/canonical with the protocol swapped:
// 5 servers, 1-10ms links with 10% loss, heartbeat 50ms, election timeout
// 150-300ms, 3 closed-loop clients on 3 keys, the leader isolated 2s in
// every 10s, 60 simulated seconds, every invariant checked after every
// event, the history checked by porcupine). It runs raft/canonical beside
// it, with the same metrics, so one run compares the two:
//
//	go test ./scenarios -run '^$' -bench MultiPaxosChaos
//
// Each iteration is one seed. simsec/s is simulated seconds per wall
// second, ops/s client operations completed per wall second, msgs/op
// messages sent per completed operation.
func BenchmarkMultiPaxosChaos(b *testing.B) {
	for _, name := range []string{"multipaxos/canonical", "raft/canonical"} {
		b.Run(name[:len(name)-len("/canonical")], func(b *testing.B) {
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
			if ops > 0 {
				b.ReportMetric(float64(sent)/float64(ops), "msgs/op")
			}
		})
	}
}
