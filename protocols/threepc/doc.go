// Package threepc is three-phase commit (Skeen 1981) with its termination
// protocol, over the same bank as protocols/twopc and judged by the same
// monitors, so the two can be compared run for run.
//
// 3PC inserts a pre-commit phase between the votes and the commit: nobody
// commits until everyone alive has learned that everyone voted yes. That
// lets the participants finish a transaction without the coordinator: when
// it falls silent they elect a recovery coordinator among themselves, which
// collects their states and decides (termination.go). In a world where the
// only failures are crashes and a silent node really is crashed, 3PC never
// blocks where 2PC would.
//
// The same mechanism makes it unsafe when the network partitions: a silent
// node may be alive on the other side, deciding the opposite. The scenario
// 3pc/partition-unsafe (testdata/partition-unsafe.txt) commits on one side
// and aborts on the other, and the atomicity monitor reports it. That is
// the textbook result, not a bug: Bugs is empty. design.md has the state
// diagrams, what is persisted when, and the limitations.
//
// Like every protocol package, threepc imports only protocols, clock,
// protocols/bank and the standard library; never sim, net, scenarios or
// checker.
package threepc
