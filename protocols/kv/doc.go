// Package kv is the key-value service shared by every KV-style protocol in
// dsim: the operations (get, put, append), the client-facing messages
// (Request, Reply), a state machine with at-most-once semantics (Machine),
// and one generic closed-loop client node (NewClient) whose Notes
// (Invoked, Completed) are the history the linearizability checker reads.
//
// # At-most-once
//
// Every Request carries the client's ID and a sequence number. A client has
// at most one operation outstanding and numbers its operations in increasing
// order, so a Machine needs to remember only the last sequence number it
// executed per client and that operation's result: a repeat of it returns the
// cached result without executing again, and anything older is stale (the
// client has moved on and will ignore the reply). Append makes a second
// execution visible in the value, so a dedup bug shows up in the history.
//
// # The history
//
// A client emits Invoked when it issues an operation and Completed when it
// accepts a reply. The simulator stamps both with global virtual time. An
// operation with no Completed by the end of a run is indeterminate: it may
// or may not have taken effect. The client never reports failures, because
// it retries the same (client, seq) until it gets an answer.
//
// # Load
//
// The client's load options (load.go) are off unless set: open-loop
// arrivals that wait their turn in the client, retries with exponential
// backoff and jitter, a retry budget, deadlines that may travel with the
// requests (Request.Deadline, honoured by servers with a service model)
// and a circuit breaker. A server whose queue is full may answer
// Overloaded (Request implements protocols.Rejectable). An operation a
// client gives up stays indeterminate, as with GiveUpAfter.
//
// # Servers
//
// A server of any KV protocol accepts Request directly and answers with
// Reply: OK with the result once the operation is applied, or NotLeader with
// a hint when it cannot serve. Protocols whose client side differs (PBFT
// broadcasts and needs f+1 matching replies) plug in through ClientOptions:
// an Adapter to wrap and unwrap messages, Broadcast and ReplyQuorum.
//
// # Leaderless stores
//
// Stores with no leader and no at-most-once layer shared by their servers
// (ABD, Dynamo-style quorums) set ClientOptions.RetrySame: a timed-out
// operation is retried at the same server, which deduplicates it, rather
// than executed a second time elsewhere. Stores that keep concurrent
// versions (version vectors) answer a get with Reply.Siblings and every
// OK with an opaque causal context, Reply.Context; the client keeps the
// latest context per key and sends it with its next write of that key
// (Request.Context), and records a sibling read with EncodeSiblings, the
// encoding the consistency ladder (checker/consistency) reads. See
// siblings.go. Stores that promise only eventual convergence stop their
// clients at the run's quiescence point (ClientOptions.StopAt), after which
// the replicas must settle.
//
// # Snapshots
//
// A protocol that compacts its log encodes the Machine's Snapshot (with
// the sessions: a replica restored without them would execute a retry
// twice) as bytes (Snapshot.Encode) and restores one with DecodeSnapshot
// and Restore; a server that replaces its Machine with a snapshot's emits
// Restored. The monitors keep bounded
// memory, so runs of hours of simulated time stay small.
//
// kv imports only protocols, clock and the standard library.
package kv
