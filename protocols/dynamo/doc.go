// Package dynamo is a Dynamo-style quorum store (DeCandia et al., SOSP
// 2007) serving dsim's KV service: each key lives on N replicas, the first
// N servers of its preference list on a ring; a read waits for R of them
// and a write for W. Any server coordinates the operations sent to it.
//
// With R + W > N every read quorum meets every write quorum, so a read
// returns the latest write completed before it began (read-your-latest-
// write) as long as the quorums are strict. With R + W <= N a read can miss
// a completed write entirely: stale reads, by design (scenario
// dynamo/weak-quorum). With sloppy quorums (Dynamo's default), a write
// whose home replicas do not answer is stored on the next servers of the
// preference list instead, each with a hint naming the home replica it
// stands in for; the store stays writable through a partition, reads on
// the other side miss the write (scenario dynamo/sloppy-quorum), and the
// hinted replicas hand the write to its home once it is reachable again
// (hinted handoff). Read repair writes the newest version a read saw to the
// replicas that answered with an older one, and a periodic anti-entropy
// exchange between replicas of a key converges the rest (Dynamo uses
// Merkle trees; with a few keys, a list of versions does).
//
// Versions are (counter, writer): a write first reads the versions of R
// replicas (the role of the context a Dynamo client passes with its put)
// and stores counter+1 with its own ID, so versions never depend on
// clocks. Concurrent writes are ordered by the version, last writer wins;
// Dynamo's vector clocks and siblings are in package multiprimary. An
// append is a read-modify-write over the same two phases, not atomic.
//
// Clients retry at the same coordinator (kv.ClientOptions.RetrySame),
// which executes each request at most once; a coordinator that cannot
// gather its first quorum tells the client to go elsewhere, as nothing was
// written. The promised consistency is eventual: after the faults heal,
// every replica of a key holds the same version, and no acknowledged write
// is lost unless a higher version superseded it.
//
// dynamo imports protocols, protocols/kv and clock, never sim, net or
// scenarios.
package dynamo
