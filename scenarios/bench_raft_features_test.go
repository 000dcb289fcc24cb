package scenarios

import (
	"testing"
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
	runSeeds(b, &s, nil).report(b)
}
