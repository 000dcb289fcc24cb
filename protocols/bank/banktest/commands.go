package banktest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Commands returns the script commands both protocols' script tests share:
//
//	order c1 a1->a2 30      tell client c1 to submit that transfer
//	in-doubt                list the transactions held prepared
//	final                   run the end-of-run checks of the current monitors
//
// monitors returns the monitors of the script being run.
func Commands(monitors func() []protocols.Monitor) map[string]prototest.Command {
	return map[string]prototest.Command{
		"order": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
			tr, err := parseOrder(d)
			if err != nil {
				d.Fatalf(t, "%v", err)
			}
			h.Inject("test", protocols.NodeID(d.CmdArgs[0].Key), bank.Order{Transfer: tr})
			return ""
		},
		"in-doubt": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
			ds := bank.InDoubt(h)
			if len(ds) == 0 {
				return "nothing in doubt\n"
			}
			var b strings.Builder
			for _, d := range ds {
				fmt.Fprintf(&b, "%s holds %s prepared\n", d.Node, d.Tx)
			}
			return b.String()
		},
		"final": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
			if err := bank.FinalChecks(h, monitors()); err != nil {
				return fmt.Sprintf("FINAL %v\n", err)
			}
			return "final checks pass\n"
		},
	}
}

// parseOrder reads "order c1 a1->a2 30".
func parseOrder(d *datadriven.TestData) (bank.Transfer, error) {
	usage := fmt.Errorf("usage: order CLIENT FROM->TO AMOUNT")
	if len(d.CmdArgs) != 3 {
		return bank.Transfer{}, usage
	}
	from, to, ok := strings.Cut(d.CmdArgs[1].Key, "->")
	var amount int64
	if _, err := fmt.Sscan(d.CmdArgs[2].Key, &amount); !ok || err != nil {
		return bank.Transfer{}, usage
	}
	return bank.Transfer{From: bank.Account(from), To: bank.Account(to), Amount: amount}, nil
}
