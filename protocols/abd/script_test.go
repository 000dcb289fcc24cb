package abd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
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
		w := &world{h: prototest.New(1), open: map[uint64]kv.Op{}}
		return w.h, w
	}, scriptCommands)
}

type world struct {
	h    *prototest.Harness
	seq  uint64
	open map[uint64]kv.Op
	ids  []protocols.NodeID
}

// sink is the test client cx: it notes each operation's completion (its
// first OK reply), so the monitors judge scripted operations.
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
		h.AddClients(func(protocols.Config) protocols.Node { return sink{w} }, "cx")
		for _, m := range Monitors(n) {
			h.AddMonitor(m)
		}
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		r := scanRequest(t, d, &w.seq)
		if prev, again := w.open[r.Seq]; !again || prev != r.Op {
			w.open[r.Seq] = r.Op
			h.Observe("cx", kv.Invoked{Client: "cx", Seq: r.Seq, Op: r.Op})
		}
		var to string
		d.ScanArgs(t, "to", &to)
		h.Inject("cx", protocols.NodeID(to), r)
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

// scanRequest reads op=, key=, value= and seq= into a request from cx.
func scanRequest(t *testing.T, d *datadriven.TestData, last *uint64) kv.Request {
	var op, key, value string
	d.ScanArgs(t, "op", &op)
	d.ScanArgs(t, "key", &key)
	d.MaybeScanArgs(t, "value", &value)
	seq := *last + 1
	d.MaybeScanArgs(t, "seq", &seq)
	*last = max(*last, seq)
	attempt := uint32(1)
	d.MaybeScanArgs(t, "attempt", &attempt)
	r := kv.Request{Client: "cx", Seq: seq, Attempt: attempt}
	switch op {
	case "get":
		r.Op = kv.GetOp(key)
	case "put":
		r.Op = kv.PutOp(key, value)
	case "append":
		r.Op = kv.AppendOp(key, value)
	default:
		d.Fatalf(t, "request: unknown op %q", op)
	}
	return r
}
