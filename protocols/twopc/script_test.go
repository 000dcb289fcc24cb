package twopc

import (
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/bank/banktest"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the message-by-message scripts in testdata. Each file is
// one world: coordinator n1, participants n2 and n3 (accounts a1, a3 on n2
// and a2, a4 on n3, 100 each), and manual clients c1 and c2. Besides the
// prototest commands and banktest.Commands (order, in-doubt, final),
// scripts use:
//
//	bug NAME                         switch on a bug (before start)
//	query n2 c9.1                    deliver a Query from n2 to n1 that nobody sent
//
// Regenerate with: go test ./protocols/twopc -run TestScripts -rewrite
func TestScripts(t *testing.T) {
	var (
		opts     Options
		monitors []protocols.Monitor
	)
	cmds := banktest.Commands(func() []protocols.Monitor { return monitors })
	cmds["bug"] = func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
		opts.Bug = d.CmdArgs[0].Key
		if err := opts.Validate(); err != nil {
			d.Fatalf(t, "%v", err)
		}
		return ""
	}
	cmds["query"] = func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
		h.Inject(protocols.NodeID(d.CmdArgs[0].Key), "n1", Query{Tx: bank.TxID(d.CmdArgs[1].Key)})
		return ""
	}
	prototest.Run(t, "testdata", func(t *testing.T) *prototest.Harness {
		opts = Options{World: bank.World{Manual: true}}
		monitors = Monitors()
		h := prototest.New(1)
		// The factories read opts when a node is built, so "bug" can change
		// it before the first start.
		h.AddServers(func(cfg protocols.Config) protocols.Node { return New(opts)(cfg) }, "n1", "n2", "n3")
		h.AddClients(func(cfg protocols.Config) protocols.Node { return NewClient(opts)(cfg) }, "c1", "c2")
		for _, m := range monitors {
			h.AddMonitor(m)
		}
		return h
	}, cmds)
}
