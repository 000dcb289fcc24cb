package shardkv

import (
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv/kvtest"
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
		return prototest.New(1), &world{cx: kvtest.NewClient()}
	}, scriptCommands)
}

type world struct {
	cx *kvtest.Client // the test client
}

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
		h.AddClients(w.cx.Node(), kvtest.ID)
		layout := NewLayout(servers, o)
		checks := perGroup(layout, 0)
		for _, m := range checks.Monitors {
			h.AddMonitor(m)
		}
		h.AddMonitor(newGhost(layout, o))
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		return w.cx.Request(t, h, d)
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
