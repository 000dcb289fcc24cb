package abd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv/kvtest"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the scripts in testdata: each walks one of
// PROTOCOLS.md's ABD scenarios message by message, with every monitor
// checking every step (a violation prints as VIOLATION). Regenerate with
// go test ./protocols/abd -run TestScripts -rewrite. Commands besides
// prototest's:
//
//	cluster n=5 [bug=no-write-back]
//	    build servers n1..n5 and the test client cx, with all monitors
//	request to=n1 op=put key=k1 [value=v] [seq=3] [attempt=2]
//	    cx sends a request (seq counts up unless given; attempt 1 unless given)
//	regs [n1 ...]
//	    print the servers' registers
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{h: prototest.New(1), cx: kvtest.NewClient()}
		return w.h, w
	}, scriptCommands)
}

type world struct {
	h   *prototest.Harness
	cx  *kvtest.Client // the test client
	ids []protocols.NodeID
}

var scriptCommands = map[string]prototest.StateCommand[*world]{
	"cluster": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var n int
		var bug string
		d.ScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "bug", &bug)
		opts := Options{Bug: bug}
		if err := opts.Validate(); err != nil {
			d.Fatalf(t, "%v", err)
		}
		w.ids = protocols.Servers(n)
		h.AddServers(New(opts), w.ids...)
		h.AddClients(w.cx.Node(), kvtest.ID)
		for _, m := range Monitors(n) {
			h.AddMonitor(m)
		}
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		r := w.cx.Scan(t, d)
		r.Attempt = 1 // attempt=N sends a retry
		d.MaybeScanArgs(t, "attempt", &r.Attempt)
		w.cx.Invoke(h, r)
		var to string
		d.ScanArgs(t, "to", &to)
		h.Inject(kvtest.ID, protocols.NodeID(to), r)
		return ""
	},
	"regs": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
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
			for _, r := range n.regs {
				fmt.Fprintf(&b, " %s=%s/%q", r.key, r.tag, r.value)
			}
			b.WriteByte('\n')
		}
		return b.String()
	},
}
