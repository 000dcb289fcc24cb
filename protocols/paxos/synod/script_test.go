package synod

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the scripts in testdata: each walks single-decree Paxos
// through a case message by message, with every monitor checking every
// step (a violation prints as VIOLATION in the golden output). Regenerate
// with go test ./protocols/paxos/synod -run TestScripts -rewrite. Commands
// besides prototest's (start, fire, deliver, drop, dup, stabilize, crash,
// restart, status, store, timers, inflight):
//
//	cluster n=3 [proposers=n1,n2] [acceptors=...] [learners=...] [q1=2] [q2=2] [bug=ignore-accepted]
//	    build n1..n3 with the roles given (default: every role on every
//	    server) and every monitor; must come first
//	state [n1 ...]
//	    print each node's proposer, acceptor and learner state
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{h: prototest.New(1)}
		return w.h, w
	}, scriptCommands)
}

type world struct {
	h   *prototest.Harness
	ids []protocols.NodeID
}

func idList(s string) []protocols.NodeID {
	if s == "" {
		return nil
	}
	var ids []protocols.NodeID
	for _, f := range strings.Split(s, ",") {
		ids = append(ids, protocols.NodeID(f))
	}
	return ids
}

var scriptCommands = map[string]prototest.StateCommand[*world]{
	"cluster": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var n, q1, q2 int
		var proposers, acceptors, learners, bug string
		d.ScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "proposers", &proposers)
		d.MaybeScanArgs(t, "acceptors", &acceptors)
		d.MaybeScanArgs(t, "learners", &learners)
		d.MaybeScanArgs(t, "q1", &q1)
		d.MaybeScanArgs(t, "q2", &q2)
		d.MaybeScanArgs(t, "bug", &bug)
		w.ids = protocols.Servers(n)
		opts := Options{
			Proposers: idList(proposers),
			Acceptors: idList(acceptors),
			Learners:  idList(learners),
			Quorums:   Quorums{Phase1: q1, Phase2: q2},
			Bug:       bug,
		}
		if err := opts.Validate(w.ids); err != nil {
			d.Fatalf(t, "%v", err)
		}
		h.AddServers(New(w.ids, opts), w.ids...)
		for _, m := range Monitors(w.ids, opts) {
			h.AddMonitor(m)
		}
		return ""
	},
	"state": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
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
			if n.proposer {
				fmt.Fprintf(&b, " proposer(%s round=%d", n.phase, n.round)
				if n.phase == preparing || n.phase == proposing {
					fmt.Fprintf(&b, " ballot=%s", n.ballot)
				}
				if n.phase == proposing {
					fmt.Fprintf(&b, " value=%s", n.proposal)
				}
				b.WriteString(")")
			}
			if n.acceptor {
				acc := n.accepted.String()
				if n.accepted != 0 {
					acc += ":" + n.acceptedValue
				}
				fmt.Fprintf(&b, " acceptor(promised=%s accepted=%s)", n.promised, acc)
			}
			if n.known {
				fmt.Fprintf(&b, " learned=%s", n.knownValue)
			}
			b.WriteString("\n")
		}
		return b.String()
	},
}
