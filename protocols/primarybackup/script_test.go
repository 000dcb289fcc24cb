package primarybackup

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv/kvtest"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the scripts in testdata: each walks one case of the
// protocol message by message, with every monitor checking every step (a
// violation prints as VIOLATION in the golden output). Regenerate with
// go test ./protocols/primarybackup -run TestScripts -rewrite. Commands
// besides prototest's (start, fire, deliver, drop, dup, stabilize, crash,
// restart, status, store, timers, inflight):
//
//	cluster n=4 [async] [bug=reply-before-ack] [acked-writes]
//	    build n1 (the view service) and replicas n2..n4, with all monitors;
//	    must come first
//	tick [n=5]
//	    fire the view service's tick n times, delivering messages after each
//	round [n=5] [mute=n2]
//	    n times: every live replica pings (a muted one's pings are lost), then
//	    the view service ticks; messages are delivered after each
//	ping
//	    fire every live replica's ping timer and deliver until quiet
//	request to=n2 op=put key=k1 [value=v] [seq=3]
//	    the test client cx sends a request (seq counts up unless given)
//	views
//	    print the view service's view and each replica's
//	log [n2 ...]
//	    print whole logs, with commit and applied points
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{h: prototest.New(1), cx: kvtest.NewClient()}
		return w.h, w
	}, scriptCommands)
}

type world struct {
	h   *prototest.Harness
	ids []protocols.NodeID
	cx  *kvtest.Client // the test client
}

var scriptCommands = map[string]prototest.StateCommand[*world]{
	"cluster": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var n int
		var bug string
		d.ScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "bug", &bug)
		o := Options{Async: d.HasArg("async"), Bug: bug}
		if err := o.Validate(); err != nil {
			d.Fatalf(t, "%v", err)
		}
		w.ids = protocols.Servers(n)
		h.AddServers(New(o), w.ids...)
		h.AddClients(w.cx.Node(), kvtest.ID)
		for _, m := range Monitors(MonitorOptions{Async: o.Async, AckedWrites: !o.Async || d.HasArg("acked-writes")}) {
			h.AddMonitor(m)
		}
		return ""
	},
	"tick": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		n := 1
		d.MaybeScanArgs(t, "n", &n)
		for range n {
			h.Fire("n1", timerTick)
			h.Stabilize(10000)
		}
		return ""
	},
	"round": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		n := 1
		var mute string
		d.MaybeScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "mute", &mute)
		for range n {
			for _, id := range w.ids[1:] {
				if h.Node(id) != nil {
					h.Fire(id, timerPing)
				}
			}
			if mute != "" {
				h.Drop(prototest.Filter{From: protocols.NodeID(mute), To: "n1", Kind: "Ping"}, 0)
			}
			h.Stabilize(10000)
			h.Fire("n1", timerTick)
			h.Stabilize(10000)
		}
		return ""
	},
	"ping": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		for _, id := range w.ids[1:] {
			if h.Node(id) != nil {
				h.Fire(id, timerPing)
			}
		}
		h.Stabilize(10000)
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		return w.cx.Request(t, h, d)
	},
	"views": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var b strings.Builder
		for _, id := range w.ids {
			switch n := h.Node(id).(type) {
			case nil:
				fmt.Fprintf(&b, "%s: down\n", id)
			case *viewService:
				fmt.Fprintf(&b, "%s: view-service view=%s acked=%v\n", id, n.view, n.acked)
			case *server:
				fmt.Fprintf(&b, "%s: %s view=%s ready=%v\n", id, n.role(), n.view, n.isPrimary() && n.ready)
			}
		}
		return b.String()
	},
	"log": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		ids := prototest.IDs(d)
		if len(ids) == 0 {
			ids = w.ids[1:]
		}
		var b strings.Builder
		for _, id := range ids {
			n, _ := h.Node(id).(*server)
			if n == nil {
				fmt.Fprintf(&b, "%s: down\n", id)
				continue
			}
			fmt.Fprintf(&b, "%s: %s commit=%d applied=%d log=[", id, n.role(), n.commit, n.applied)
			for i := 1; i <= n.log.last(); i++ {
				if i > 1 {
					b.WriteByte(' ')
				}
				e := n.log.entry(i)
				fmt.Fprintf(&b, "%d/%d:%s", i, e.View, e.Req.Op)
			}
			b.WriteString("]\n")
		}
		return b.String()
	},
}
