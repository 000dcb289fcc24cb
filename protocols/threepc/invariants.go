package threepc

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// The safety and end-of-run checks of atomic commit are the same for 2PC
// and 3PC, so they live in package bank (monitor.go: atomicity, commit
// validity, decision finality, durable prepare, conservation; durability and
// nothing left prepared at the end); these are the package's names for them.

// Monitors returns fresh monitors for one run: the same bank checks as 2PC,
// so the partition scenario fails exactly the atomicity check 2PC passes.
func Monitors() []protocols.Monitor {
	return []protocols.Monitor{bank.NewMonitor(bank.DefaultGrace)}
}

// FinalChecks runs the end-of-run checks of monitors (made by Monitors).
func FinalChecks(c protocols.Cluster, monitors []protocols.Monitor) error {
	return bank.FinalChecks(c, monitors)
}

// Checks returns fresh monitors for one run and the end-of-run check bound
// to them (bank.Checks: the checks are the same for every atomic-commit
// protocol).
func Checks() (monitors []protocols.Monitor, final func(protocols.Cluster) error) {
	return bank.Checks()
}

// InDoubt lists the transactions participants hold prepared right now.
func InDoubt(c protocols.Cluster) []bank.Doubt { return bank.InDoubt(c) }
