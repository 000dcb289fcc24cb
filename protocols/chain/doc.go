// Package chain is chain replication (van Renesse and Schneider, "Chain
// Replication for Supporting High Throughput and Availability", OSDI 2004)
// and CRAQ (Terrace and Freedman, "Object Storage on CRAQ", USENIX ATC
// 2009), replicating the shared KV state machine of package kv. It exports
// two protocols: Protocol (chain), in which only the tail answers reads,
// and CRAQProtocol (craq), in which every member does.
//
// Writes enter at the head, which appends them to its history and forwards
// them down the chain; each server appends and passes them on; the tail
// commits each update it appends, answers its client, and sends an
// acknowledgement back up, which empties each server's Sent list. Reads go
// to the tail, which answers from its history; with CRAQ any member
// answers, from its own history when its latest version of the key is
// clean (acknowledged by the tail), after asking the tail which version is
// committed when it is dirty.
//
// A master, the lowest-numbered server (n1), decides the chain from pings:
// it removes a member that stops pinging (head, middle or tail), and
// extends the chain at the tail with an idle server, which catches up from
// the old tail while that one goes on serving (the paper's extension). It
// is a fixed oracle standing in for the paper's Paxos-replicated master.
// Its failure detector is a timeout, so it removes live servers under
// partitions and pauses; epochs fence a removed server's chain messages,
// and leases its reads: a server answers reads only while it holds a lease
// the master granted in answer to a ping, and the master removes a server
// only after every lease it granted it has surely lapsed, clocks drifting
// or not.
//
// Every server keeps its history and membership durably, so crashes and
// whole-cluster outages are survivable. Monitors returns the run-long
// checks (update propagation, in-process requests, tail replies, reads,
// epochs, durability, committed reads); design.md has the state diagram,
// the message flows and what is persisted when.
//
// chain imports only protocols, protocols/kv, clock and the standard
// library; never the simulator, the network or the scenarios.
package chain
