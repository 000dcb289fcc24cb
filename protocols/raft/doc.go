// Package raft is Raft as specified by Figure 2 of the extended paper
// (Ongaro and Ousterhout, "In Search of an Understandable Consensus
// Algorithm"), replicating the shared KV state machine of package kv.
//
// A server is a deterministic state machine driven through the node
// contract of package protocols: New returns the Factory, and each server
// consumes one input at a time (its start with the durable records of
// earlier incarnations, a message, one of its timers) and returns effects.
// What it implements:
//
//   - leader election with election timeouts drawn at random from the
//     node's own stream (§5.2);
//   - log replication with the consistency check, conflict repair and the
//     fast backup by term (XTerm, XIndex, XLen), with optimistic pipelining
//     of AppendEntries (§5.3);
//   - the election restriction and the commit rule of Figure 8: a leader
//     commits by counting replicas only entries of its own term (§5.4), and
//     appends a no-op when elected so that it can (§8);
//   - durability: currentTerm, votedFor and the log are records in a
//     write-ahead store, persisted in the step that changes them and so
//     synced before any message that depends on them; a restarted server
//     replays them (storage.go);
//   - clients: a leader appends kv.Request to its log, applies it when
//     committed and answers with kv.Reply; everyone else answers NotLeader
//     with a hint. By default gets go through the log, so reads are
//     linearizable with no leases and no local reads. Each server applies committed entries to
//     its own kv.Machine, which executes each (client, seq) at most once.
//
// Monitors returns the run-long safety checks (Election Safety, Leader
// Append-Only, Log Matching, Leader Completeness, State Machine Safety, one
// vote per term, monotonic terms, no lost acknowledged write, the commit
// rule, no needless truncation), which read server state and the Notes
// servers emit (BecameLeader, Voted, Applied). Bugs lists named defects a
// learner can switch on with Options.Bug; Probes lists the coverage probes.
//
// Production Raft, as etcd raft and hashicorp raft run it, is here too,
// each part off by default so the paper's Raft stays what the catalogue
// teaches (Options):
//
//   - PreVote and CheckQuorum (thesis §9.6, §6.2): a server asks whether it
//     could win before it raises its term; a leader without a majority for
//     an election timeout steps down; servers ignore vote requests within
//     an election timeout of hearing from a leader (candidate.go,
//     follower.go, and the contact phase of the election timer in node.go);
//   - reads without the log (reads.go): ReadIndex, confirming leadership
//     with a round of heartbeats after the leader's first commit in its
//     term, and leases measured on the leader's own clock with timers, a
//     margin shorter than the election timeout;
//   - snapshots and log compaction (snapshot.go): each server snapshots its
//     state machine after its own threshold of applied entries, keeps the
//     log since its previous snapshot, and replaces its durable store; a
//     leader sends followers that need compacted entries its snapshot in
//     chunks (InstallSnapshot); a restart recovers from the snapshot and the
//     log after it;
//   - membership changes one server at a time (config.go, membership.go):
//     an operator's Admin command (add-server, add-learner, promote,
//     remove-server, snapshot) to the leader; learners and staging servers
//     that do not vote; the rule that a new leader changes nothing before
//     it commits an entry of its own term; a leader that removes itself.
//
// Monitors extend the safety checks to compacted prefixes (through the
// digest a snapshot keeps), snapshot installs, and configurations
// (disjoint-majorities, config-change-rule); kv.StaleReads and the history
// check judge reads. design.md has the state diagram, the message flows,
// what is persisted when, and each feature's design and sources.
//
// Systems built from Raft groups replicate their own state machine through
// NewService (service.go): a Service gets client requests and the messages
// and timers Raft does not know, proposes commands (Entry.Cmd) through its
// Host, and applies committed entries; Raft itself is unchanged, and New is
// NewService without one. Package shardkv runs its shard controller and its
// replica groups this way. Snapshots are not supported with a service.
//
// raft imports only protocols, protocols/kv, clock and the standard library;
// never the simulator, the network or the scenarios.
package raft
