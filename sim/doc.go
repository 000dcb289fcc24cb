// Package sim is dsim's kernel: one event queue ordered by (virtual time,
// sequence number), seeded random streams, the nodes' lifecycle (start, crash,
// restart, pause, resume), their durable stores, the fault schedule, and the
// trace: one stable line per event, rendered only when someone reads it, and
// a running hash that folds in everything each line shows.
//
// A run is a function of (configuration, seed). The kernel is single-threaded;
// parallelism is across runs, never inside one. Node panics, monitor
// violations and an exceeded event budget stop the run and are reported as a
// Failure with the event number and time, never by crashing the process.
//
// sim imports clock, net and protocols; it never names a concrete protocol.
package sim
