// Package shardkv is a sharded key-value store built from Raft groups, in
// the shape of MIT 6.5840's lab 5 (formerly 6.824's ShardKV): a shard
// controller, replicated with package raft, holds the numbered
// configurations that say which replica group serves which shard; replica
// groups, each a Raft group too, serve the KV service (package kv's
// at-most-once state machine, one per shard) for the shards their
// configuration gives them, and hand shards to each other when the
// configuration changes.
//
//   - placement.go: keys to shards (a hash), shards to groups (a consistent-
//     hash ring with virtual nodes, or the mod-N baseline), Config.
//   - controller.go: the controller's state machine (joins, leaves, the
//     churn schedule) and its answers to queries.
//   - group.go: a replica group's state machine and its leader's duties:
//     polling for the next configuration, pushing frozen shards, installing
//     pushed ones, executing requests only for shards it serves.
//   - router.go: the clients' kv.Router: ask the controller, route by shard,
//     ask again on a wrong-group reply.
//   - messages.go, notes.go, bugs.go, options.go, protocol.go.
//   - invariants.go: Raft's monitors per group, and the cross-group ghost:
//     configurations in order, single ownership, hand-off state, exactly once.
//
// Both kinds of Raft group run package raft's code unchanged, through its
// Service seam (raft.NewService): shardkv supplies the state machine, raft
// everything else. Clients are package kv's generic client with a Router.
//
// Layout: servers n1..nC (C = option controllers, 3) replicate the
// controller; the rest form groups of option group-size (3) in order: g1 is
// n4-n6, g2 n7-n9, and so on. It imports protocols, protocols/kv,
// protocols/raft and clock; never sim, net or scenarios.
package shardkv
