package pbft

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/byzantine"
	"github.com/dsimlab/dsim/protocols/kv/kvtest"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the scripts in testdata: each walks a piece of PBFT
// message by message, with every monitor checking every step (a violation
// prints as VIOLATION in the golden output). Regenerate with
// go test ./protocols/pbft -run TestScripts -rewrite. Commands besides
// prototest's (start, fire, deliver, drop, dup, stabilize, crash, restart,
// status, store, timers, inflight):
//
//	cluster n=4 [bug=amnesia] [checkpoint=2] [window=8]
//	    build replicas n1..n4 and the test client cx, with all monitors;
//	    must come first
//	request to=n1|all op=put key=k1 [value=v] [seq=3]
//	    cx signs a request and sends it to one replica or to all (seq
//	    counts up unless given); cx completes it on f+1 matching replies
//	byzantine n1 equivocate [ARGS...]
//	    make n1 byzantine with one of PBFT's strategies or a generic one
//	log [n1 ...]
//	    print each replica's view, watermark, execution point and log
//	isolate n4 / heal
//	    from now on settle drops every message to or from n4 / no longer
//	settle
//	    deliver messages in send order until none is in flight, dropping
//	    those of isolated replicas
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{h: prototest.New(1), cx: kvtest.NewClient()}
		return w.h, w
	}, scriptCommands)
}

// world is the per-script state the commands share.
type world struct {
	h    *prototest.Harness
	ids  []protocols.NodeID
	f    int
	cx   *kvtest.Client     // the test client
	acks map[uint64][]ack2  // replies so far, per operation
	cut  []protocols.NodeID // isolated replicas
}

type ack2 struct {
	from  protocols.NodeID
	value string
}

// sink is the test client cx: it sends what the script injects, and
// completes an operation once f+1 replicas sent the same result, noting it
// for the history monitors.
type sink struct{ w *world }

func (s sink) Step(in protocols.Input, out *protocols.Effects) {
	r, ok := in.Msg.(Reply)
	if !ok || r.Client != "cx" {
		return
	}
	if _, open := s.w.cx.Open(r.Seq); !open {
		return
	}
	n := 1
	for _, a := range s.w.acks[r.Seq] {
		if a.from == in.From {
			return
		}
		if a.value == r.Value {
			n++
		}
	}
	s.w.acks[r.Seq] = append(s.w.acks[r.Seq], ack2{in.From, r.Value})
	if n < s.w.f+1 {
		return
	}
	s.w.cx.Complete(out, r.Seq, r.Value, in.From)
}

func (sink) Status() protocols.Status { return protocols.Status{Role: "client"} }

var scriptCommands = map[string]prototest.StateCommand[*world]{
	"cluster": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var n, k, window int
		var bug string
		d.ScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "bug", &bug)
		d.MaybeScanArgs(t, "checkpoint", &k)
		d.MaybeScanArgs(t, "window", &window)
		opts := Options{Bug: bug, CheckpointInterval: k, Window: window}
		if err := opts.Validate(); err != nil {
			d.Fatalf(t, "%v", err)
		}
		w.ids = protocols.Servers(n)
		w.f = (n - 1) / 3
		w.acks = map[uint64][]ack2{}
		h.AddServers(New(opts), w.ids...)
		h.AddClients(func(protocols.Config) protocols.Node { return sink{w} }, kvtest.ID)
		for _, m := range Monitors() {
			h.AddMonitor(m)
		}
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var to string
		d.ScanArgs(t, "to", &to)
		r := w.cx.Scan(t, d)
		w.cx.Invoke(h, r)
		m := Request{Req: r, Sig: h.Keys().For("cx").Sign(requestDigest(r))}
		targets := []protocols.NodeID{protocols.NodeID(to)}
		if to == "all" {
			targets = w.ids
		}
		for _, id := range targets {
			h.Inject("cx", id, m)
		}
		return ""
	},
	"byzantine": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		if len(d.CmdArgs) < 2 {
			d.Fatalf(t, "usage: byzantine NODE STRATEGY [ARGS...]")
		}
		var args []string
		for _, a := range d.CmdArgs[2:] {
			args = append(args, a.Key)
		}
		wrap, err := byzantine.Lookup(Strategies, d.CmdArgs[1].Key, args)
		if err != nil {
			d.Fatalf(t, "%v", err)
		}
		h.MakeByzantine(protocols.NodeID(d.CmdArgs[0].Key), wrap)
		return ""
	},
	"isolate": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		w.cut = append(w.cut, prototest.IDs(d)...)
		return ""
	},
	"heal": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		w.cut = nil
		return ""
	},
	"settle": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		for range 10000 {
			in := h.Inflight()
			if len(in) == 0 {
				break
			}
			e := in[0]
			f := prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}
			if slices.Contains(w.cut, e.From) || slices.Contains(w.cut, e.To) {
				h.Drop(f, 1)
				continue
			}
			h.Deliver(f, 1)
		}
		return ""
	},
	"log": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		ids := prototest.IDs(d)
		if len(ids) == 0 {
			ids = w.ids
		}
		var b strings.Builder
		for _, id := range ids {
			n := h.Node(id)
			if u, ok := n.(protocols.Unwrapper); ok {
				n = u.Unwrap()
			}
			r, _ := n.(*replica)
			if r == nil {
				fmt.Fprintf(&b, "%s: down\n", id)
				continue
			}
			b.WriteString(r.describe())
		}
		return b.String()
	},
}

// describe renders a replica's state for scripts: its view, watermark and
// execution point, then one line per slot.
func (r *replica) describe() string {
	var b strings.Builder
	state := "active"
	if !r.active {
		state = "changing"
	}
	fmt.Fprintf(&b, "%s: view=%d %s primary=%s stable=%d executed=%d\n", r.id, r.view, state, r.primaryOf(r.view), r.h, r.exec)
	for _, n := range r.seqs() {
		e := r.log[n].entry(n, n <= r.exec)
		fmt.Fprintf(&b, "  %d/%d %s\n", e.Index, e.Term, e.Text)
	}
	return b.String()
}
