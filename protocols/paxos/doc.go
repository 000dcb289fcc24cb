// Package paxos exports Paxos to dsim, as two protocols:
//
//   - Paxos ("paxos"): single-decree Paxos for teaching, with proposers,
//     acceptors and learners as separate roles; package synod; scenarios
//     paxos/*;
//   - MultiPaxos ("multipaxos"): Multi-Paxos with a distinguished leader
//     replicating the KV service through the generic KV client, with
//     Flexible Paxos's phase-1 and phase-2 quorum sizes as options; package
//     multi; scenarios multipaxos/* and flexible/*.
//
// Each sub-package holds its description (options, bugs, probes, messages,
// display hints and roles, the embedded catalogue, Build), its design.md
// and its scripts; design.md here says which is where.
package paxos
