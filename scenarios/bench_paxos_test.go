package scenarios

import (
	"testing"
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
			runSeeds(b, s, nil).report(b)
		})
	}
}
