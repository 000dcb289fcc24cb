package dynamo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv/kvtest"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the scripts in testdata, message by message, with every
// monitor on (check-fresh as the script says). Regenerate with
// go test ./protocols/dynamo -run TestScripts -rewrite. Commands besides
// prototest's:
//
//	cluster n=5 [r=2 w=2 replicas=3] [strict] [fresh] [bug=...]
//	    build servers n1..n5 and the test client cx, with all monitors
//	request to=n1 op=put key=k1 [value=v] [seq=3]
//	    cx sends a request (seq counts up unless given)
//	data [n1 ...]
//	    print the servers' stores and hints
//	final
//	    run the end-of-run checks now
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{h: prototest.New(1), cx: kvtest.NewClient()}
		return w.h, w
	}, scriptCommands)
}

type world struct {
	h      *prototest.Harness
	cx     *kvtest.Client // the test client
	ids    []protocols.NodeID
	checks protocols.Checks
}

var scriptCommands = map[string]prototest.StateCommand[*world]{
	"cluster": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var n, r, wq, replicas int
		var bug string
		d.ScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "r", &r)
		d.MaybeScanArgs(t, "w", &wq)
		d.MaybeScanArgs(t, "replicas", &replicas)
		d.MaybeScanArgs(t, "bug", &bug)
		opts := Options{N: replicas, R: r, W: wq, Strict: d.HasArg("strict"), Bug: bug, SyncEvery: -1}
		if err := opts.Validate(n); err != nil {
			d.Fatalf(t, "%v", err)
		}
		w.ids = protocols.Servers(n)
		h.AddServers(New(opts, n), w.ids...)
		h.AddClients(w.cx.Node(), kvtest.ID)
		w.checks = Checks(opts, w.ids, d.HasArg("fresh"), clock.Second)
		for _, m := range w.checks.Monitors {
			h.AddMonitor(m)
		}
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		return w.cx.Request(t, h, d)
	},
	"data": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		ids := prototest.IDs(d)
		if len(ids) == 0 {
			ids = w.ids
		}
		var b strings.Builder
		for _, id := range ids {
			n, _ := h.Node(id).(*node)
			if n == nil {
				fmt.Fprintf(&b, "%s: down\n", id)
				continue
			}
			fmt.Fprintf(&b, "%s:", id)
			for _, e := range n.entries {
				fmt.Fprintf(&b, " %s=%s/%q", e.key, e.version, e.value)
			}
			for _, x := range n.hints {
				fmt.Fprintf(&b, " hint(%s %s=%s)", x.home, x.key, x.version)
			}
			b.WriteByte('\n')
		}
		return b.String()
	},
	"final": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		h.Advance(2 * clock.Second)
		for _, f := range w.checks.Final {
			if err := f(h); err != nil {
				return "FINAL " + err.Error() + "\n"
			}
		}
		return "final checks pass\n"
	},
}
