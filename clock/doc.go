// Package clock is dsim's notion of time: a virtual Time measured from the
// start of a run, Durations, and per-node Clocks that can run ahead, behind,
// fast or slow relative to global time.
//
// Nothing here reads the real clock. time.Duration is used as the duration
// type because its constants (time.Millisecond) and parser are what every Go
// programmer already knows; time.Now, Sleep and timers are never used.
//
// clock is a leaf package: it imports only the standard library.
package clock
