// Package bank is the world that the atomic-commit protocols (protocols/twopc
// and protocols/threepc) run in: a bank whose accounts are spread over
// participant servers, transfers that touch two of them, the ledger each
// participant keeps (balances, strict two-phase locks, per-transaction
// state), the closed-loop client that submits transfers, and the monitors
// that judge a run (atomicity, commit validity, decision finality, durable
// prepare, conservation of money, and the final durability and liveness
// checks).
//
// Both protocols share it so their runs are judged by exactly the same
// checks: the 3PC partition scenario fails the very atomicity check that 2PC
// passes.
//
// Like every protocol package, bank imports only protocols, clock and the
// standard library; never sim, net, scenarios or checker.
package bank
