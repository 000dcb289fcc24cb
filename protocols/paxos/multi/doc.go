// Package multi is Multi-Paxos replicating the shared KV state machine of
// package kv: Paxos Made Simple §3 with a distinguished leader, in the
// terms of Paxos Made Moderately Complex (van Renesse and Altinbuken, 2015),
// with Flexible Paxos quorum sizes (Howard, Malkhi and Spiegelman, 2016).
//
// Every server is a proposer, an acceptor and a replica. What it
// implements:
//
//   - leader election by ballots: a server that hears from no leader for a
//     random election timeout runs phase 1 once for every slot it has not
//     seen decided (Prepare from that slot on), with a ballot above every
//     one it has seen; a phase-1 quorum of promises makes it the leader; a
//     higher ballot anywhere sends it back to being a replica, with a
//     widened, random timeout (backoff), so duelling candidates end;
//   - recovery: the new leader re-proposes, in its own ballot, the value of
//     the highest ballot the promises report in each slot, and fills every
//     slot nobody reported anything in with a no-op, so that no replica is
//     stuck behind a hole;
//   - phase 2 per command (Accept, Accepted), the leader accepting its own
//     proposals; Heartbeats when there is nothing to propose; lost Accepts
//     resent with the next heartbeat;
//   - learning: a slot is decided when a phase-2 quorum accepted the
//     leader's proposal; replicas learn it from the leader's commit point
//     when they accepted it in the leader's ballot, and from Decide
//     messages otherwise (catch-up);
//   - replicas execute slots strictly in order on their own kv.Machine,
//     which executes each (client, seq) at most once; the leader answers
//     the client when it executes its command; gets go through the log;
//   - durability: the promise, the acceptances and the decisions are
//     records persisted in the step that makes them, so they are synced
//     before any message that depends on them leaves (storage.go).
//
// Monitors returns the run-long safety checks: the per-slot consensus
// properties through synod's Ghost (agreement, chosen-unique,
// chosen-stable, proposal-safety, learn-chosen, ballot-unique), the promise
// checks, validity, replica log agreement and execution order, no lost
// acknowledged write, exactly-once execution and stale reads. Bugs lists
// named defects; Probes the coverage probes. design.md explains the
// choices.
//
// multi imports only protocols, protocols/kv, protocols/paxos/synod, clock
// and the standard library.
package multi
