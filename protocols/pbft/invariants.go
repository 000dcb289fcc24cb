package pbft

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The monitors judge a run from outside the replicas, after every event,
// from the notes correct replicas emit. They keep ghost state that survives
// crashes, skip byzantine replicas (whose notes mean nothing) and never
// change a replica.

// The violation kinds the monitors report.
const (
	KindAgreement           = "agreement"            // two correct replicas committed different requests at one sequence number
	KindTotalOrder          = "total-order"          // a correct replica executed out of order, or not what another executed there
	KindValidity            = "validity"             // a correct replica executed a request no client issued
	KindViewChangeSafety    = "view-change-safety"   // a later view proposed something else at a sequence number where a request committed
	KindCheckpointAgreement = "checkpoint-agreement" // correct replicas' checkpoints or adopted stable checkpoints differ
	KindPrimaryAfterHealing = "liveness"             // no view with a live primary and f+1 correct replicas after healing
)

// Monitors returns fresh instances of every PBFT monitor, for one run.
func Monitors() []protocols.Monitor {
	return []protocols.Monitor{
		&agreement{},
		&totalOrder{next: map[protocols.NodeID]int{}},
		&validity{invoked: map[reqKey]kv.Op{}},
		&viewChangeSafety{},
		&checkpointAgreement{states: map[uint64]checkpointSeen{}},
		kv.ExactlyOnce(),
		kv.StaleReads(),
	}
}

type reqKey struct {
	client protocols.NodeID
	seq    uint64
}

// ghostSlot is the first thing a correct replica was seen to do at one
// sequence number.
type ghostSlot struct {
	set    bool
	view   uint64
	digest uint64
	req    kv.Request
	by     protocols.NodeID
}

// ghostLog grows by sequence number.
type ghostLog []ghostSlot

func (g *ghostLog) at(n uint64) *ghostSlot {
	for uint64(len(*g)) <= n {
		*g = append(*g, ghostSlot{})
	}
	return &(*g)[n]
}

// agreement: no two correct replicas commit different requests at one
// sequence number (in whatever views they committed).
type agreement struct{ committed ghostLog }

func (m *agreement) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" || c.Byzantine(ev.Node) {
		return nil
	}
	for _, note := range ev.Notes {
		n, ok := note.(Committed)
		if !ok {
			continue
		}
		g := m.committed.at(n.Seq)
		if !g.set {
			*g = ghostSlot{set: true, view: n.View, digest: n.Digest, req: n.Req, by: ev.Node}
			continue
		}
		if g.digest != n.Digest {
			return protocols.Violationf(KindAgreement, "%s committed %s at %d in view %d, but %s committed %s there in view %d",
				ev.Node, describeReq(n.Req), n.Seq, n.View, g.by, describeReq(g.req), g.view)
		}
	}
	return nil
}

// totalOrder: every correct replica executes sequence numbers one after
// another, from where it restored or installed a checkpoint, and executes
// at each the request every other correct replica executed there.
type totalOrder struct {
	next     map[protocols.NodeID]int // per replica: the next sequence number it may execute, 0 until known
	executed ghostLog
}

func (m *totalOrder) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" || c.Byzantine(ev.Node) {
		return nil
	}
	if ev.Input == protocols.Start {
		delete(m.next, ev.Node)
	}
	for _, note := range ev.Notes {
		switch n := note.(type) {
		case Restored:
			m.next[ev.Node] = int(n.Seq) + 1
		case Installed:
			if want := m.next[ev.Node]; want > int(n.Seq)+1 {
				return protocols.Violationf(KindTotalOrder, "%s installed the state at %d after executing up to %d", ev.Node, n.Seq, want-1)
			}
			m.next[ev.Node] = int(n.Seq) + 1
		case kv.Applied:
			want, ok := m.next[ev.Node]
			if ok && n.Index != want {
				return protocols.Violationf(KindTotalOrder, "%s executed sequence number %d when %d was next", ev.Node, n.Index, want)
			}
			m.next[ev.Node] = n.Index + 1
			g := m.executed.at(uint64(n.Index))
			if !g.set {
				*g = ghostSlot{set: true, req: n.Req, view: n.Term, by: ev.Node}
				continue
			}
			if g.req != n.Req {
				return protocols.Violationf(KindTotalOrder, "%s executed %s at %d, where %s executed %s",
					ev.Node, describeReq(n.Req), n.Index, g.by, describeReq(g.req))
			}
		}
	}
	return nil
}

// validity: a correct replica executes only requests a client issued.
type validity struct{ invoked map[reqKey]kv.Op }

func (m *validity) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		return nil
	}
	for _, note := range ev.Notes {
		switch n := note.(type) {
		case kv.Invoked:
			m.invoked[reqKey{n.Client, n.Seq}] = n.Op
		case kv.Applied:
			if n.Req.Client == "" || c.Byzantine(ev.Node) {
				continue
			}
			if op, ok := m.invoked[reqKey{n.Req.Client, n.Req.Seq}]; !ok || op != n.Req.Op {
				return protocols.Violationf(KindValidity, "%s executed %s at %d, which %s never issued",
					ev.Node, describeReq(n.Req), n.Index, n.Req.Client)
			}
		}
	}
	return nil
}

// viewChangeSafety: a request committed in view v keeps its sequence
// number in every later view: no correct replica accepts a pre-prepare of
// a later view with another digest there.
type viewChangeSafety struct{ committed ghostLog }

func (m *viewChangeSafety) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" || c.Byzantine(ev.Node) {
		return nil
	}
	for _, note := range ev.Notes {
		switch n := note.(type) {
		case Committed:
			if g := m.committed.at(n.Seq); !g.set || n.View < g.view {
				*g = ghostSlot{set: true, view: n.View, digest: n.Digest, req: n.Req, by: ev.Node}
			}
		case PrePrepared:
			if uint64(len(m.committed)) <= n.Seq {
				continue
			}
			g := m.committed[n.Seq]
			if g.set && n.View > g.view && n.Digest != g.digest {
				return protocols.Violationf(KindViewChangeSafety, "%s accepted a pre-prepare of view %d with digest %s at %d, where %s had committed %s in view %d",
					ev.Node, n.View, shortDigest(n.Digest), n.Seq, g.by, describeReq(g.req), g.view)
			}
		}
	}
	return nil
}

// checkpointAgreement: correct replicas' checkpoints at a sequence number
// have one state digest, and a stable checkpoint a correct replica adopts
// (from a quorum, a new view or a state transfer) is one a correct replica
// computed: 2f+1 signers include f+1 correct ones, each of which took it.
type checkpointAgreement struct{ states map[uint64]checkpointSeen }

type checkpointSeen struct {
	state uint64
	by    protocols.NodeID
}

func (m *checkpointAgreement) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" || c.Byzantine(ev.Node) {
		return nil
	}
	for _, note := range ev.Notes {
		var seq, state uint64
		what := ""
		switch n := note.(type) {
		case Checkpointed:
			prev, ok := m.states[n.Seq]
			if !ok {
				m.states[n.Seq] = checkpointSeen{n.State, ev.Node}
				continue
			}
			if prev.state != n.State {
				return protocols.Violationf(KindCheckpointAgreement, "%s's checkpoint at %d has state %s, %s's has %s",
					ev.Node, n.Seq, shortDigest(n.State), prev.by, shortDigest(prev.state))
			}
			continue
		case Stabilized:
			seq, state, what = n.Seq, n.State, "adopted the stable checkpoint"
		case Installed:
			seq, state, what = n.Seq, n.State, "installed the state"
		default:
			continue
		}
		prev, ok := m.states[seq]
		switch {
		case !ok:
			return protocols.Violationf(KindCheckpointAgreement, "%s %s %s at %d, which no correct replica computed",
				ev.Node, what, shortDigest(state), seq)
		case prev.state != state:
			return protocols.Violationf(KindCheckpointAgreement, "%s %s %s at %d, but %s's checkpoint there has state %s",
				ev.Node, what, shortDigest(state), seq, prev.by, shortDigest(prev.state))
		}
	}
	return nil
}

func describeReq(r kv.Request) string {
	if r.Client == "" {
		return "the null request"
	}
	return r.ID() + " " + r.Op.String()
}

// primaryAfterHealing is the end-of-run check that a view is working: some
// view has its primary up and leading it, and f+1 correct replicas active
// in it. (A correct replica may legitimately sit in a view change the
// others did not join; the convergence check sees that it still executes.)
func primaryAfterHealing(c protocols.Cluster) error {
	servers := c.Servers()
	f := (len(servers) - 1) / 3
	type viewCount struct {
		view    uint64
		correct int
		led     bool
	}
	var views []viewCount
	var highest uint64
	for _, id := range servers {
		n := c.Node(id)
		if n == nil {
			continue
		}
		st := n.Status()
		highest = max(highest, st.Term)
		if st.Role != "primary" && st.Role != "backup" {
			continue
		}
		i := 0
		for i < len(views) && views[i].view != st.Term {
			i++
		}
		if i == len(views) {
			views = append(views, viewCount{view: st.Term})
		}
		if !c.Byzantine(id) {
			views[i].correct++
		}
		if st.Leader {
			views[i].led = true
		}
	}
	for _, v := range views {
		if v.led && v.correct >= f+1 {
			return nil
		}
	}
	return protocols.Violationf(KindPrimaryAfterHealing, "no view has a live primary and %d correct replicas active after the healing phase (highest view %d)", f+1, highest)
}
