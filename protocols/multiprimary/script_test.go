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
//	    build servers n1..n3 and the test clients cx and cy, with all monitors
//	request [from=cy] to=n1 op=put key=k1 [value=v] [ctx=cx:1,cy:1] [seq=3]
//	    cx (or cy) sends a request (seq counts up unless given); ctx=last
//	    sends the context of that client's latest reply
//	data [n1 ...]
//	    print the servers' versions
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{h: prototest.New(1), open: map[opKey]kv.Op{}, seq: map[protocols.NodeID]uint64{}, lastCtx: map[protocols.NodeID]string{}}
		return w.h, w
	}, scriptCommands)
}

type world struct {
	h       *prototest.Harness
	seq     map[protocols.NodeID]uint64
	open    map[opKey]kv.Op
	ids     []protocols.NodeID
	lastCtx map[protocols.NodeID]string
}

type opKey struct {
	client protocols.NodeID
	seq    uint64
}

// sink is a test client (cx or cy): it notes completions as the kv client
// does (sibling reads encoded) and keeps its latest context.
type sink struct {
	w  *world
	id protocols.NodeID
}

func (s sink) Step(in protocols.Input, out *protocols.Effects) {
	r, ok := in.Msg.(kv.Reply)
	if !ok || r.Status != kv.OK {
		return
	}
	if r.Context != "" {
		s.w.lastCtx[s.id] = r.Context
	}
	if op, open := s.w.open[opKey{s.id, r.Seq}]; open {
		delete(s.w.open, opKey{s.id, r.Seq})
		value := ""
		if op.Kind == kv.Get {
			value = r.Value
			if len(r.Siblings) > 1 {
				value = kv.EncodeSiblings(r.Siblings)
			}
		}
		out.Note(kv.Completed{Client: s.id, Seq: r.Seq, Op: op, Output: value, Server: in.From})
	}
}

func (sink) Status() protocols.Status { return protocols.Status{Role: "client"} }

var scriptCommands = map[string]prototest.StateCommand[*world]{
	"cluster": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
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
		h.AddClients(func(cfg protocols.Config) protocols.Node { return sink{w, cfg.ID} }, "cx", "cy")
		for _, m := range Checks(opts, d.HasArg("lost-updates"), clock.Second).Monitors {
			h.AddMonitor(m)
		}
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var op, key, value, to, ctx string
		from := "cx"
		d.MaybeScanArgs(t, "from", &from)
		c := protocols.NodeID(from)
		d.ScanArgs(t, "to", &to)
		d.ScanArgs(t, "op", &op)
		d.ScanArgs(t, "key", &key)
		d.MaybeScanArgs(t, "value", &value)
		d.MaybeScanArgs(t, "ctx", &ctx)
		if ctx == "last" {
			ctx = w.lastCtx[c]
		}
		seq := w.seq[c] + 1
		d.MaybeScanArgs(t, "seq", &seq)
		w.seq[c] = max(w.seq[c], seq)
		r := kv.Request{Client: c, Seq: seq, Context: ctx}
		switch op {
		case "get":
			r.Op = kv.GetOp(key)
		case "put":
			r.Op = kv.PutOp(key, value)
		default:
			d.Fatalf(t, "request: unknown op %q", op)
		}
		if _, again := w.open[opKey{c, seq}]; !again {
			w.open[opKey{c, seq}] = r.Op
			h.Observe(c, kv.Invoked{Client: c, Seq: seq, Op: r.Op})
		}
		h.Inject(c, protocols.NodeID(to), r)
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
			for _, k := range n.keys {
				fmt.Fprintf(&b, " %s=%s", k.key, render(k.versions))
			}
			b.WriteByte('\n')
		}
		return b.String()
	},
}
