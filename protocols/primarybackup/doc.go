// Package primarybackup is primary-backup replication with a view service,
// in the shape of MIT 6.824's primary/backup lab (2014-2015) and the rules
// UW CSE 452 teaches for it, replicating the shared KV state machine of
// package kv. It exports two protocols: Protocol (primary-backup), in
// which the primary answers a client only after its backup acknowledged
// the operation, and AsyncProtocol (primary-backup-async), in which it
// answers first and forwards in the background.
//
// The view service is one fixed node, the lowest-numbered server (n1): an
// oracle, not a replicated group. Every other server pings it; it names a
// primary and a backup per view, changes the view when one of them stops
// pinging (a timeout, so it suspects live servers under partitions and
// pauses), and moves on from a view only once that view's primary has
// acknowledged it. The rules (PROTOCOLS.md §7.1):
//
//  1. the primary answers only after the backup holds the operation
//     (synchronous only);
//  2. a backup takes forwards only from the primary of its current view;
//  3. the primary of view i+1 was primary or backup in view i;
//  4. a server that is not primary answers no client;
//  5. the view service waits for the primary's acknowledgement of view i
//     before it creates view i+1;
//  6. every operation is ordered before or after a state transfer.
//
// Servers keep their log and the latest view they know durably, so a
// crash is survivable (unlike the lab, where a restarted server has lost
// everything): a restarted primary takes up its view again and resends its
// state. Gets are ordered through the backup like writes, which is what
// keeps a deposed primary from answering reads from stale state.
//
// Monitors returns the run-long safety checks (the view rules, one primary
// per view, backup logs that are prefixes of the primary's, applied entries
// that agree and are never lost); design.md has the state diagram, the
// message flows and what is persisted when.
//
// primarybackup imports only protocols, protocols/kv, clock and the
// standard library; never the simulator, the network or the scenarios.
package primarybackup
