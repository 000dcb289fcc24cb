// Package protocols is the contract between a protocol and whatever drives
// it: node IDs, the inputs a node consumes, the effects it returns, the
// read-only status it exposes, and the monitors that judge a run from outside.
//
// A node is a deterministic state machine in the style of etcd's raft. It
// consumes one Input at a time (started with its durable records, a message
// received, one of its own timers fired) and appends its Effects, in order:
// records to persist, messages to send, timers to set or cancel, and notes for
// the checkers. The driver applies them in that order, so what must be
// durable is durable before any message leaves. A crash drops the node value
// and keeps only its synced records; a restart builds a new node from them.
//
// Protocol code must never start goroutines, sleep, read the real clock, use
// global or crypto randomness, or let map iteration order decide anything.
// It uses what it is handed: the node's local time on each Input, its own
// random stream in Config, and Effects.
//
// This package imports only clock and the standard library. Protocol
// packages (protocols/raft, ...) import it and clock, never sim, net or
// scenarios: the same protocol code could run on a real network runtime.
package protocols
