package chain

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

// TestScripts runs the scripts in testdata: each walks one case of chain
// replication or CRAQ message by message, with every monitor checking every
// step (a violation prints as VIOLATION in the golden output). Regenerate
// with go test ./protocols/chain -run TestScripts -rewrite. Commands besides
// prototest's (start, fire, deliver, drop, dup, stabilize, crash, restart,
// status, store, timers, inflight):
//
//	cluster n=5 [craq] [length=4] [bug=forget-sent]
//	    build n1 (the master) and chain servers n2..n5, with all monitors;
//	    must come first
//	round [n=1] [mute=n4]
//	    n times: every live server pings (a muted one's pings are lost), the
//	    master ticks; messages are delivered after each
//	request to=n2 op=put key=k1 [value=v] [seq=3]
//	    the test client cx sends a request (seq counts up unless given)
//	chain
//	    print the master's configuration and each server's view of it
//	log [n2 ...]
//	    print whole histories, with acked points
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
		var n, length int
		var bug string
		d.ScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "length", &length)
		d.MaybeScanArgs(t, "bug", &bug)
		o := Options{CRAQ: d.HasArg("craq"), Length: length, Bug: bug}
		if err := o.Validate(); err != nil {
			d.Fatalf(t, "%v", err)
		}
		w.ids = protocols.Servers(n)
		h.AddServers(New(o), w.ids...)
		h.AddClients(w.cx.Node(), kvtest.ID)
		ms, _ := Monitors(o.CRAQ, clock.Second)
		for _, m := range ms {
			h.AddMonitor(m)
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
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		return w.cx.Request(t, h, d)
	},
	"chain": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var b strings.Builder
		for _, id := range w.ids {
			switch n := h.Node(id).(type) {
			case nil:
				fmt.Fprintf(&b, "%s: down\n", id)
			case *master:
				fmt.Fprintf(&b, "%s: master config=%s pending=%s\n", id, n.cfg, pendingText(n.pending, n.done))
			case *server:
				fmt.Fprintf(&b, "%s: %s config=%s serving=%v lease=%v\n", id, n.role(), n.cfg, n.serving(), n.leaseValid())
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
			fmt.Fprintf(&b, "%s: %s acked=%d hist=[", id, n.role(), n.acked)
			for i := 1; i <= n.log.last(); i++ {
				if i > 1 {
					b.WriteByte(' ')
				}
				e := n.log.entry(i)
				fmt.Fprintf(&b, "%d/%d:%s", i, e.Epoch, e.Req.Op)
			}
			b.WriteString("]\n")
		}
		return b.String()
	},
}
