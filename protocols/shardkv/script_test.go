package shardkv

import (
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the scripts in testdata: each walks a hand-off message
// by message, with every monitor checking every step (a violation prints
// as VIOLATION). Regenerate with
// go test ./protocols/shardkv -run TestScripts -rewrite. The deployment is
// the smallest that moves a shard: a controller of one server (n1) and
// groups of one (g1 = n2, g2 = n3, ...), so each Raft group elects itself
// when its election timer fires. Commands besides prototest's:
//
//	cluster groups=2 [initial=1] [shards=4] [bug=serve-before-install]
//	    build the servers, the test client cx and every monitor; first
//	request to=n2 op=put key=k1 [value=v] [seq=3]
//	    the test client cx sends a request (seq counts up unless given)
//	poll n2 [n3 ...]
//	    fire the nodes' service timers (a group leader's poll)
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *world) {
		return prototest.New(1), &world{open: map[uint64]kv.Op{}}
	}, scriptCommands)
}

type world struct {
	seq  uint64
	open map[uint64]kv.Op
}

// sink is the test client cx: it notes each operation's completion (its
// first OK reply), so the history monitors judge scripted operations.
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
		var groups, initial, shards int
		var bug string
		d.ScanArgs(t, "groups", &groups)
		d.MaybeScanArgs(t, "initial", &initial)
		d.MaybeScanArgs(t, "shards", &shards)
		d.MaybeScanArgs(t, "bug", &bug)
		o := Options{Controllers: 1, GroupSize: 1, InitialGroups: initial, Shards: shards, Bug: bug}
		servers := protocols.Servers(1 + groups)
		if err := o.Validate(len(servers)); err != nil {
			d.Fatalf(t, "%v", err)
		}
		h.AddServers(New(o, servers), servers...)
		h.AddClients(func(protocols.Config) protocols.Node { return sink{w} }, "cx")
		layout := NewLayout(servers, o)
		checks := perGroup(layout, 0)
		for _, m := range checks.Monitors {
			h.AddMonitor(m)
		}
		h.AddMonitor(newGhost(layout, o))
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var to, op, key, value string
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
		case "append":
			r.Op = kv.AppendOp(key, value)
		default:
			d.Fatalf(t, "request: unknown op %q", op)
		}
		if prev, again := w.open[seq]; !again || prev != r.Op {
			w.open[seq] = r.Op
			h.Observe("cx", kv.Invoked{Client: "cx", Seq: seq, Op: r.Op})
		}
		h.Inject("cx", protocols.NodeID(to), r)
		return ""
	},
	"poll": func(t *testing.T, h *prototest.Harness, _ *world, d *datadriven.TestData) string {
		for _, id := range prototest.IDs(d) {
			if raftGroup(h, id) == 0 {
				h.Fire(id, timerTick)
			} else {
				h.Fire(id, timerPoll)
			}
		}
		return ""
	},
}

func raftGroup(h *prototest.Harness, id protocols.NodeID) int {
	return NewLayout(h.Servers(), Options{Controllers: 1, GroupSize: 1}).GroupOf(id)
}
