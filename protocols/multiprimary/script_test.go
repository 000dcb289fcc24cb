package multiprimary

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
// monitor on. Regenerate with go test ./protocols/multiprimary -run
// TestScripts -rewrite. Commands besides prototest's:
//
//	cluster n=3 [resolve=vv] [lost-updates] [bug=...]
//	    build servers n1..n3 and the test client cx, with all monitors
//	request to=n1 op=put key=k1 [value=v] [ctx=n1:1,n2:1] [seq=3]
//	    cx sends a request (seq counts up unless given); ctx=last sends
//	    the context of cx's latest reply
//	data [n1 ...]
//	    print the servers' versions
func TestScripts(t *testing.T) {
	prototest.Run(t, "testdata", func(t *testing.T) *prototest.Harness {
		w := &world{h: prototest.New(1), open: map[uint64]kv.Op{}}
		worlds[w.h] = w
		t.Cleanup(func() { delete(worlds, w.h) })
		return w.h
	}, scriptCommands)
}

type world struct {
	h       *prototest.Harness
	seq     uint64
	open    map[uint64]kv.Op
	ids     []protocols.NodeID
	lastCtx string
}

var worlds = map[*prototest.Harness]*world{}

// sink is the test client cx: it notes completions as the kv client does
// (sibling reads encoded) and keeps the latest context.
type sink struct{ w *world }

func (s sink) Step(in protocols.Input, out *protocols.Effects) {
	r, ok := in.Msg.(kv.Reply)
	if !ok || r.Status != kv.OK {
		return
	}
	if r.Context != "" {
		s.w.lastCtx = r.Context
	}
	if op, open := s.w.open[r.Seq]; open {
		delete(s.w.open, r.Seq)
		value := ""
		if op.Kind == kv.Get {
			value = r.Value
			if len(r.Siblings) > 1 {
				value = kv.EncodeSiblings(r.Siblings)
			}
		}
		out.Note(kv.Completed{Client: "cx", Seq: r.Seq, Op: op, Output: value, Server: in.From})
	}
}

func (sink) Status() protocols.Status { return protocols.Status{Role: "client"} }

var scriptCommands = map[string]prototest.Command{
	"cluster": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
		w := worlds[h]
		var n int
		var bug, resolve string
		d.ScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "bug", &bug)
		d.MaybeScanArgs(t, "resolve", &resolve)
		opts := Options{Bug: bug, Resolve: Resolution(resolve)}
		if err := opts.Validate(); err != nil {
			d.Fatalf(t, "%v", err)
		}
		w.ids = protocols.Servers(n)
		h.AddServers(New(opts), w.ids...)
		h.AddClients(func(protocols.Config) protocols.Node { return sink{w} }, "cx")
		for _, m := range Checks(opts, d.HasArg("lost-updates"), clock.Second).Monitors {
			h.AddMonitor(m)
		}
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
		w := worlds[h]
		var op, key, value, to, ctx string
		d.ScanArgs(t, "to", &to)
		d.ScanArgs(t, "op", &op)
		d.ScanArgs(t, "key", &key)
		d.MaybeScanArgs(t, "value", &value)
		d.MaybeScanArgs(t, "ctx", &ctx)
		if ctx == "last" {
			ctx = w.lastCtx
		}
		seq := w.seq + 1
		d.MaybeScanArgs(t, "seq", &seq)
		w.seq = max(w.seq, seq)
		r := kv.Request{Client: "cx", Seq: seq, Context: ctx}
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
	"data": func(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
		w := worlds[h]
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
			for _, k := range n.keys {
				fmt.Fprintf(&b, " %s=%s", k.key, render(k.versions))
			}
			b.WriteByte('\n')
		}
		return b.String()
	},
}
