package twopc

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// The safety and end-of-run checks of atomic commit are the same for 2PC
// and 3PC, so they live in package bank (monitor.go: atomicity, commit
// validity, decision finality, durable prepare, conservation; durability and
// nothing left prepared at the end); these are the package's names for them.

// Monitors returns fresh monitors for one run (see bank.Monitor for what
// they check). Pass the same slice to FinalChecks at the end of the run.
func Monitors() []protocols.Monitor {
	return []protocols.Monitor{bank.NewMonitor(bank.DefaultGrace)}
}

// FinalChecks runs the end-of-run checks of monitors (made by Monitors)
// after healing: durability of every transfer reported committed, and no
// transaction still blocked.
func FinalChecks(c protocols.Cluster, monitors []protocols.Monitor) error {
	return bank.FinalChecks(c, monitors)
}

// Checks returns fresh monitors for one run and the end-of-run check bound
// to them (bank.Checks: the checks are the same for every atomic-commit
// protocol).
func Checks() (monitors []protocols.Monitor, final func(protocols.Cluster) error) {
	return bank.Checks()
}

// InDoubt lists the transactions participants hold prepared right now:
// during chaos that is 2PC blocking; after healing it is a liveness failure.
func InDoubt(c protocols.Cluster) []bank.Doubt { return bank.InDoubt(c) }
