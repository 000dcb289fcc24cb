package threepc

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/bank/banktest"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the message-by-message scripts in testdata. Each file is
// one world: coordinator n1, participants n2 (accounts a1, a3) and n3 (a2,
// a4), 100 in each account, and manual clients c1 and c2. Scripts use the
// prototest commands and banktest.Commands (order, in-doubt, final).
//
// Regenerate with: go test ./protocols/threepc -run TestScripts -rewrite
func TestScripts(t *testing.T) {
	var monitors []protocols.Monitor
	prototest.Run(t, "testdata", func(t *testing.T) *prototest.Harness {
		opts := Options{World: bank.World{Manual: true}}
		monitors = Monitors()
		h := prototest.New(1)
		h.AddServers(New(opts), "n1", "n2", "n3")
		h.AddClients(NewClient(opts), "c1", "c2")
		for _, m := range monitors {
			h.AddMonitor(m)
		}
		return h
	}, banktest.Commands(func() []protocols.Monitor { return monitors }))
}
