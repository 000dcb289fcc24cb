package multi

// Its place in the learning path (docs/scenarios.md): after single-decree
// Paxos, before the commit protocols.
func init() { Protocol.Course = 24 }
