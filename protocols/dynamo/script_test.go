package dynamo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
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
		w := &world{h: prototest.New(1), open: map[uint64]kv.Op{}}
		return w.h, w
	}, scriptCommands)
}

type world struct {
	h      *prototest.Harness
	seq    uint64
	open   map[uint64]kv.Op
	ids    []protocols.NodeID
	checks protocols.Checks
}

type sink struct{ w *world }

func (s sink) Step(in protocols.Input, out *protocols.Effects) {
	r, ok := in.Msg.(kv.Reply)
	if !ok || r.Status != kv.OK {
		return
	}
	if op, open := s.w.open[r.Seq]; open {
		delete(s.w.open, r.Seq)
		value := ""
		if op.Kind == kv.Get {
			value = r.Value
		}
		out.Note(kv.Completed{Client: "cx", Seq: r.Seq, Op: op, Output: value, Server: in.From})
	}
}

func (sink) Status() protocols.Status { return protocols.Status{Role: "client"} }

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
		h.AddClients(func(protocols.Config) protocols.Node { return sink{w} }, "cx")
		w.checks = Checks(opts, w.ids, d.HasArg("fresh"), clock.Second)
		for _, m := range w.checks.Monitors {
			h.AddMonitor(m)
		}
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var op, key, value, to string
		d.ScanArgs(t, "to", &to)
		d.ScanArgs(t, "op", &op)
		d.ScanArgs(t, "key", &key)
		d.MaybeScanArgs(t, "value", &value)
		seq := w.seq + 1
		d.MaybeScanArgs(t, "seq", &seq)
		w.seq = max(w.seq, seq)
		r := kv.Request{Client: "cx", Seq: seq}
		switch op {
		case "get":
			r.Op = kv.GetOp(key)
		case "put":
			r.Op = kv.PutOp(key, value)
		default:
			d.Fatalf(t, "request: unknown op %q", op)
		}
		if _, again := w.open[seq]; !again {
			w.open[seq] = r.Op
			h.Observe("cx", kv.Invoked{Client: "cx", Seq: seq, Op: r.Op})
		}
		h.Inject("cx", protocols.NodeID(to), r)
		return ""
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
