// Package pbft is Practical Byzantine Fault Tolerance (Castro and Liskov,
// OSDI 1999; the version with signatures, whose proofs are in the TOCS 2002
// paper and Castro's thesis), replicating the shared KV state machine of
// package kv across n = 3f+1 replicas of which up to f may be byzantine.
//
// A replica is a deterministic state machine driven through the node
// contract of package protocols: New returns the Factory. What it
// implements:
//
//   - the normal case (§4.2): the primary of view v (replica v mod n)
//     assigns each client request a sequence number in a signed
//     pre-prepare; backups accept it within the watermarks and only once per
//     view and number, and send prepares; the pre-prepare and 2f matching
//     prepares from distinct backups make it prepared, 2f+1 matching commits
//     from distinct replicas make it committed; replicas execute committed
//     requests in order and reply to the client (normal.go);
//   - checkpoints every K sequence numbers, stable with 2f+1 matching signed
//     checkpoint messages, garbage collection of the log below them, the
//     watermark window of L sequence numbers above them, and state transfer
//     of a stable checkpoint's snapshot to a replica that fell behind
//     (checkpoint.go);
//   - the view change (§4.4): view-change messages carrying the stable
//     checkpoint's proof and a prepared certificate for every request
//     prepared above it, a new-view message with 2f+1 of them and the
//     pre-prepares they imply, which every replica recomputes, so a request
//     committed in a view keeps its sequence number in every later view;
//     joining on f+1 view changes and doubling timeouts for liveness (§4.5)
//     (viewchange.go);
//   - retransmission driven by periodic status messages, as in Castro's
//     thesis: a replica that sees another behind sends it the new-view,
//     view-change messages, commit certificates or a stable checkpoint's
//     state it lacks, each with its proof (catchup.go);
//   - signatures on everything a replica may forward (sign.go), checked on
//     receipt and inside every certificate, quorums counted by distinct
//     signers (certs.go);
//   - durability: the view-change message sent, the new-view installed,
//     the pre-prepares accepted, the prepared certificates and the commits
//     are records persisted before the message that depends on them leaves,
//     and the stable checkpoint's snapshot; a restarted replica replays them
//     and cannot vote differently where it voted before (storage.go).
//
// Clients (client.go) are the generic kv client with PBFT's rules: signed
// requests, f+1 matching replies from distinct replicas, a new request to
// the primary of the latest view f+1 replicas reported and a retry to
// every replica.
//
// Strategies are PBFT's byzantine strategies (equivocate, lie-to-clients,
// double-vote, forge-certificate), beside the generic ones of package
// byzantine. Monitors returns the run-long safety checks (agreement, total
// order of execution, validity, view-change safety, checkpoint agreement,
// exactly-once and stale reads), which read only correct replicas' notes.
// Bugs lists named defects; Probes lists the coverage probes.
//
// Not implemented: MACs and authenticators (links are authenticated and
// messages signed, as in the OSDI paper), batching, tentative execution and
// the read-only optimization, proactive recovery, and membership changes.
// design.md has the message flows, the signature model and what is
// persisted when.
//
// pbft imports only protocols, protocols/kv, clock and the standard
// library; never the simulator, the network or the scenarios.
package pbft
