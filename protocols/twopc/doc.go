// Package twopc is two-phase commit over a bank whose accounts are spread
// over participant servers (see protocols/bank): a coordinator (n1 by
// default) runs each client transfer as a transaction, participants lock,
// check, persist and vote, and the coordinator commits only if every vote is
// yes.
//
// The rules that make it safe, each enforced at one place in the code:
//
//   - a participant persists its prepared state before voting yes, and
//     never leaves the prepared state on its own;
//   - the coordinator persists a commit decision before sending it, resends
//     it until every participant acknowledges, and recovers it after a crash;
//   - presumed abort: a transaction with no decision record is aborted, so
//     abort need not be forced to disk and needs no acknowledgements.
//
// The price is blocking: a participant that voted yes and lost touch with the
// coordinator waits, holding its locks, until the coordinator is back (the
// "blocked-prepared" probe). design.md has the state diagrams, what is
// persisted when, and the limitations; protocols/threepc is the contrast.
//
// Options.Bug switches on one of three deliberate bugs (Bugs) that the
// monitors catch. Like every protocol package, twopc imports only protocols,
// clock, protocols/bank and the standard library; never sim, net, scenarios
// or checker.
package twopc
