// Package paxos describes Paxos to dsim, as two protocols:
//
//   - Paxos ("paxos"): single-decree Paxos for teaching, with proposers,
//     acceptors and learners as separate roles (package synod); scenarios
//     paxos/*;
//   - MultiPaxos ("multipaxos"): Multi-Paxos with a distinguished leader
//     replicating the KV service through the generic KV client (package
//     multi), with Flexible Paxos's phase-1 and phase-2 quorum sizes as
//     options; scenarios multipaxos/* and flexible/*.
//
// The package holds the two descriptions (options, bugs, probes, messages,
// display hints and roles, the embedded catalogue) and design.md, which
// explains the choices. It imports only protocols, its sub-packages, kv
// and clock.
package paxos
