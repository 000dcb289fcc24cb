package multi

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv/kvtest"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the scripts in testdata: each walks Multi-Paxos through
// a case message by message, with every monitor checking every step (a
// violation prints as VIOLATION in the golden output). Regenerate with
// go test ./protocols/paxos/multi -run TestScripts -rewrite. Commands
// besides prototest's (start, fire, deliver, drop, dup, stabilize, crash,
// restart, status, store, timers, inflight):
//
//	cluster n=3 [q1=2] [q2=2] [bug=skip-recovery]
//	    build n1..n3 and the test clients cx and cy, with every monitor;
//	    must come first
//	request to=n1 op=put key=k1 [value=v] [client=cy] [seq=3]
//	    a test client (cx unless given) sends a request (its seq counts up
//	    unless given)
//	elect n1
//	    fire n1's election timer and deliver messages until quiet
//	log [n1 ...]
//	    print each server's slots: slot/ballot:command, * for decided, | after the executed point
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{h: prototest.New(1), clients: map[protocols.NodeID]*kvtest.Client{"cx": kvtest.Named("cx"), "cy": kvtest.Named("cy")}}
		return w.h, w
	}, scriptCommands)
}

type world struct {
	h       *prototest.Harness
	clients map[protocols.NodeID]*kvtest.Client // the test clients cx and cy
	ids     []protocols.NodeID
}

var scriptCommands = map[string]prototest.StateCommand[*world]{
	"cluster": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var n, q1, q2 int
		var bug string
		d.ScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "q1", &q1)
		d.MaybeScanArgs(t, "q2", &q2)
		d.MaybeScanArgs(t, "bug", &bug)
		opts := Options{Quorums: synod.Quorums{Phase1: q1, Phase2: q2}, Bug: bug}
		if err := opts.Validate(n); err != nil {
			d.Fatalf(t, "%v", err)
		}
		w.ids = protocols.Servers(n)
		h.AddServers(New(n, opts), w.ids...)
		h.AddClients(w.clients["cx"].Node(), "cx")
		h.AddClients(w.clients["cy"].Node(), "cy")
		for _, m := range Monitors(w.ids, opts.Quorums) {
			h.AddMonitor(m)
		}
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		client := "cx"
		d.MaybeScanArgs(t, "client", &client)
		c := w.clients[protocols.NodeID(client)]
		if c == nil {
			d.Fatalf(t, "request: no test client %q (cx or cy)", client)
		}
		return c.Request(t, h, d)
	},
	"elect": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		h.Fire(protocols.NodeID(d.CmdArgs[0].Key), timerElection)
		h.Stabilize(10000)
		return ""
	},
	"log": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
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
			fmt.Fprintf(&b, "%s: %s promised=%s decided=%d executed=%d [%s]\n", id, n.role, n.promised, n.decided, n.executed, slotsText(n))
		}
		return b.String()
	},
}

// slotsText renders a server's slots as 1/101:c1#1* 2/101:noop* | 3/201:cx#2,
// where * marks a decided slot (shown with what was decided) and | the
// executed point; a slot with nothing is "-".
func slotsText(n *node) string {
	var parts []string
	for s := 1; s <= n.top(); s++ {
		st := &n.log[s]
		var p string
		switch {
		case st.decided:
			p = strconv.Itoa(s) + "/" + st.ballot.String() + ":" + string(appendCmd(nil, st.cmd)) + "*"
		case st.accBallot != 0:
			p = strconv.Itoa(s) + "/" + st.accBallot.String() + ":" + string(appendCmd(nil, st.accCmd))
		default:
			p = strconv.Itoa(s) + ":-"
		}
		parts = append(parts, p)
		if s == n.executed {
			parts = append(parts, "|")
		}
	}
	return strings.Join(parts, " ")
}
