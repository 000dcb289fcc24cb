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
// kv imports only protocols, clock and the standard library.
package kv
