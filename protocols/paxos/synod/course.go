package synod

// Its place in the learning path (docs/scenarios.md): after Raft, before
// Multi-Paxos and the commit protocols.
func init() { Protocol.Course = 22 }
