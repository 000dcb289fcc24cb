// Package paxos describes Paxos to dsim: Paxos (single-decree Paxos, for
// teaching) and MultiPaxos (Multi-Paxos replicating the KV service, with
// Flexible Paxos quorum sizes as options).
package paxos
