// Command dsim runs distributed protocols on a deterministic simulated
// network, injects faults, and checks every run: protocol invariants after
// every event, linearizability of client histories, liveness after healing.
// See `dsim --help`; the command line itself is package cli.
package main

import "github.com/dsimlab/dsim/cmd/cli"

func main() { cli.Main() }
