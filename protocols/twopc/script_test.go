package twopc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the message-by-message scripts in testdata. Each file is
// one world: coordinator n1, participants n2 and n3 (accounts a1, a3 on n2
// and a2, a4 on n3, 100 each), and a manual client c1. Besides the
// prototest commands, scripts use:
//
//	bug NAME                         switch on a bug (before start)
//	order c1 a1->a2 30               tell client c1 to submit that transfer
//	query n2 c9.1                    deliver a Query from n2 to n1 that nobody sent
//	in-doubt                         list the transactions held prepared
//	final                            run the end-of-run checks
//
// Regenerate with: go test ./protocols/twopc -run TestScripts -rewrite
func TestScripts(t *testing.T) {
	var (
		opts     Options
		monitors []protocols.Monitor
	)
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
	}, map[string]prototest.Command{
		"bug": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
			opts.Bug = d.CmdArgs[0].Key
			if err := opts.Validate(); err != nil {
				d.Fatalf(t, "%v", err)
			}
			return ""
		},
		"order": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
			tr, err := parseTransfer(d)
			if err != nil {
				d.Fatalf(t, "%v", err)
			}
			h.Inject("test", protocols.NodeID(d.CmdArgs[0].Key), bank.Order{Transfer: tr})
			return ""
		},
		"query": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
			h.Inject(protocols.NodeID(d.CmdArgs[0].Key), "n1", Query{Tx: bank.TxID(d.CmdArgs[1].Key)})
			return ""
		},
		"in-doubt": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
			return formatDoubts(InDoubt(h))
		},
		"final": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
			if err := FinalChecks(h, monitors); err != nil {
				return fmt.Sprintf("FINAL %v\n", err)
			}
			return "final checks pass\n"
		},
	})
}

// parseTransfer reads "order c1 a1->a2 30".
func parseTransfer(d *datadriven.TestData) (bank.Transfer, error) {
	if len(d.CmdArgs) != 3 {
		return bank.Transfer{}, fmt.Errorf("usage: order CLIENT FROM->TO AMOUNT")
	}
	from, to, ok := strings.Cut(d.CmdArgs[1].Key, "->")
	var amount int64
	if _, err := fmt.Sscan(d.CmdArgs[2].Key, &amount); !ok || err != nil {
		return bank.Transfer{}, fmt.Errorf("usage: order CLIENT FROM->TO AMOUNT")
	}
	return bank.Transfer{From: bank.Account(from), To: bank.Account(to), Amount: amount}, nil
}

func formatDoubts(ds []bank.Doubt) string {
	if len(ds) == 0 {
		return "nothing in doubt\n"
	}
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s holds %s prepared\n", d.Node, d.Tx)
	}
	return b.String()
}
