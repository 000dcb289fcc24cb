package primarybackup

import (
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The monitors judge a run from outside the nodes, after every event. They
// read node state by type assertion (never through Status, which
// allocates), and keep ghost state that survives crashes: every view the
// view service created, which were acknowledged, what each view's backup
// took. PROTOCOLS.md §7 names the rules; the kinds below say which.

// The violation kinds the monitors report.
const (
	KindViewMonotonic       = "view-monotonic"        // the view service skipped or reused a view number, or lost its view in a restart
	KindVChain              = "v-chain"               // rule 3: the primary of view i+1 was neither primary nor backup of view i
	KindVAckView            = "v-ackview"             // rule 5: a view was created before the primary of the one before acknowledged it
	KindTransferBeforeAck   = "transfer-before-ack"   // a view was acknowledged before its backup took the state transfer
	KindVOnePri             = "v-onepri"              // a server acted as primary of a view the view service gave to another
	KindVNonPri             = "v-nonpri"              // rule 4: a client was answered OK by a server that is not the view's primary
	KindVSync               = "v-sync"                // rule 1: the primary answered before its backup held the operation
	KindVFwd                = "v-fwd"                 // rule 2: a server took a transfer or forward outside its current view as backup
	KindBackupPrefix        = "backup-prefix"         // a backup's log is not a prefix of its primary's
	KindApplyOrder          = "apply-order"           // a server applied entries out of order
	KindStateMachineSafety  = "state-machine-safety"  // two servers applied different entries at one index (synchronous)
	KindAckedWriteLost      = "acked-write-lost"      // an acknowledged write is missing from a server's applied sequence
	KindReplicatedWriteLost = "replicated-write-lost" // an entry a backup applied is missing from a later applied sequence
)

// Violations are the kinds the monitors report, as Protocol.Violations
// declares them (the final checks' convergence and liveness are generic).
var Violations = []string{
	KindViewMonotonic, KindVChain, KindVAckView, KindTransferBeforeAck, KindVOnePri,
	KindVNonPri, KindVSync, KindVFwd, KindBackupPrefix, KindApplyOrder,
	KindStateMachineSafety, KindAckedWriteLost, KindReplicatedWriteLost,
}

// MonitorOptions says which checks a run gets.
type MonitorOptions struct {
	// Async drops the checks the asynchronous protocol does not promise:
	// v-sync, state-machine-safety, exactly-once and stale reads.
	Async bool
	// AckedWrites keeps acked-write-lost on; the asynchronous protocol
	// breaks it by design, and a scenario switches it on to show so.
	AckedWrites bool
}

// Monitors returns fresh monitors for one run.
func Monitors(o MonitorOptions) []protocols.Monitor {
	ms := []protocols.Monitor{&monitor{async: o.Async, views: []View{{}}, acked: []bool{true}, transferred: []bool{true}, backupHave: []int{0},
		applied: []appliedEntry{{}}, last: map[protocols.NodeID]int{}, pinned: map[int]appliedEntry{}}}
	if o.AckedWrites {
		ms = append(ms, newAckedWriteLost())
	}
	if !o.Async {
		ms = append(ms, kv.ExactlyOnce(), kv.StaleReads())
	}
	return ms
}

// monitor checks the view rules and the replicas' logs. Its ghost:
type monitor struct {
	async bool

	// Every view, by number, and what happened in it.
	views       []View
	acked       []bool // its primary acknowledged it
	transferred []bool // its backup took a state transfer in it (or it has none)
	backupHave  []int  // the longest log its backup acknowledged in it

	// What was applied where.
	applied []appliedEntry           // the first entry applied at each index (synchronous)
	last    map[protocols.NodeID]int // per server, the last index this incarnation applied
	pinned  map[int]appliedEntry     // entries a backup applied, by index
}

type appliedEntry struct {
	view uint64 // the view whose primary appended it
	req  kv.Request
	by   protocols.NodeID
	in   uint64 // the view of the server that applied it
}

func (m *monitor) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		return nil
	}
	switch n := ev.Stepped(c).(type) {
	case *viewService:
		return m.checkViewService(n, ev)
	case *server:
		return m.checkServer(c, n, ev)
	}
	return nil
}

// view returns view num as the view service created it.
func (m *monitor) view(num uint64) (View, bool) {
	if num >= uint64(len(m.views)) {
		return View{}, false
	}
	return m.views[num], true
}

func (m *monitor) checkViewService(vs *viewService, ev protocols.Event) error {
	if ev.Input == protocols.Start && vs.view != m.views[len(m.views)-1] {
		return protocols.Violationf(KindViewMonotonic, "%s restarted with view %s, but it had created view %s", vs.id, vs.view, m.views[len(m.views)-1])
	}
	for _, note := range ev.Notes {
		switch note := note.(type) {
		case NewView:
			v := note.View
			if v.Num != uint64(len(m.views)) {
				return protocols.Violationf(KindViewMonotonic, "%s created view %s after view %d", vs.id, v, len(m.views)-1)
			}
			prev := m.views[v.Num-1]
			if !m.acked[prev.Num] {
				return protocols.Violationf(KindVAckView, "%s created view %s before %s acknowledged view %s", vs.id, v, prev.Primary, prev)
			}
			if v.Primary == "" || v.Primary == v.Backup || (prev.Num > 0 && v.Primary != prev.Primary && v.Primary != prev.Backup) {
				return protocols.Violationf(KindVChain, "%s created view %s after view %s: its primary was neither primary nor backup before", vs.id, v, prev)
			}
			m.views = append(m.views, v)
			m.acked = append(m.acked, false)
			m.transferred = append(m.transferred, v.Backup == "")
			m.backupHave = append(m.backupHave, 0)
		case ViewAcked:
			v, ok := m.view(note.Num)
			if !ok {
				return protocols.Violationf(KindViewMonotonic, "%s took an acknowledgement of view %d, which it never created", vs.id, note.Num)
			}
			m.acked[v.Num] = true
			if !m.transferred[v.Num] {
				return protocols.Violationf(KindTransferBeforeAck, "%s acknowledged view %s before its backup took the state transfer", v.Primary, v)
			}
		}
	}
	return nil
}

func (m *monitor) checkServer(c protocols.Cluster, n *server, ev protocols.Event) error {
	if ev.Input == protocols.Start {
		delete(m.last, n.id)
	}
	for _, note := range ev.Notes {
		var err error
		switch note := note.(type) {
		case Accepted:
			err = m.accepted(n, note)
		case Served:
			err = m.served(n, note)
		case Reset:
			delete(m.last, n.id)
		case Applied:
			err = m.apply(n, note)
		}
		if err != nil {
			return err
		}
	}
	if err := m.onePrimary(n); err != nil {
		return err
	}
	return m.prefix(c, n)
}

// accepted: rule 2, a server takes a transfer or forward only as the
// backup of its current view, from that view's primary.
func (m *monitor) accepted(n *server, a Accepted) error {
	v, ok := m.view(a.View)
	if !ok || v.Backup != n.id || v.Primary != a.From || n.view.Num != a.View {
		return protocols.Violationf(KindVFwd, "%s took a %s from %s in view %d, but its view is %s (view %d is %s)",
			n.id, what(a.Transfer), a.From, a.View, n.view, a.View, v)
	}
	if a.Transfer {
		m.transferred[a.View] = true
	}
	m.backupHave[a.View] = max(m.backupHave[a.View], a.Have)
	return nil
}

func what(transfer bool) string {
	if transfer {
		return "state transfer"
	}
	return "forward"
}

// served: rule 4, only the primary of a view answers OK in it; rule 1,
// not before the view's backup holds the entry (synchronous).
func (m *monitor) served(n *server, s Served) error {
	v, ok := m.view(s.View)
	if !ok || v.Primary != n.id || !n.isPrimary() || n.view.Num != s.View {
		return protocols.Violationf(KindVNonPri, "%s answered %s#%d OK as primary of view %d, but its view is %s (view %d is %s)",
			n.id, s.Client, s.Seq, s.View, n.view, s.View, v)
	}
	if !m.async && s.Index > 0 && v.Backup != "" && m.backupHave[v.Num] < s.Index {
		return protocols.Violationf(KindVSync, "%s answered %s#%d (index %d) in view %s, but its backup had acknowledged only up to %d",
			n.id, s.Client, s.Seq, s.Index, v, m.backupHave[v.Num])
	}
	return nil
}

// onePrimary: a server acts as primary only of a view that names it.
func (m *monitor) onePrimary(n *server) error {
	if !n.isPrimary() {
		return nil
	}
	if v, ok := m.view(n.view.Num); !ok || v != n.view {
		return protocols.Violationf(KindVOnePri, "%s acts as primary of view %s, but the view service's view %d is %s", n.id, n.view, n.view.Num, v)
	}
	return nil
}

// prefix: within a view, the backup's log is a prefix of the primary's.
func (m *monitor) prefix(c protocols.Cluster, n *server) error {
	var p, b *server
	switch {
	case n.isPrimary() && n.view.Backup != "":
		p, _ = c.Node(n.view.Backup).(*server)
		p, b = n, p
	case n.view.Backup == n.id:
		p, _ = c.Node(n.view.Primary).(*server)
		b = n
	}
	if p == nil || b == nil || !p.isPrimary() || p.view.Num != b.view.Num || b.sv != b.view.Num {
		return nil
	}
	if k := b.log.last(); k > p.log.last() || p.log.digest(k) != b.log.digest(k) {
		return protocols.Violationf(KindBackupPrefix, "in view %s the backup's log (%d entries) is not a prefix of the primary's (%d entries)",
			p.view, b.log.last(), p.log.last())
	}
	return nil
}

// apply: each server applies in index order, from 1 in each incarnation
// and after each Reset; in the synchronous protocol every server applies
// the same entry at an index; and in either protocol an entry the backup
// of view v applied is what every server in view v or later applies at its
// index. (A deposed asynchronous primary that has not yet heard of a later
// view goes on applying, and answering, at those indexes: that is the
// split brain asynchrony buys, and its writes are the ones lost.)
func (m *monitor) apply(n *server, a Applied) error {
	if want := m.last[n.id] + 1; a.Index != want {
		return protocols.Violationf(KindApplyOrder, "%s applied index %d when %d was next", n.id, a.Index, want)
	}
	m.last[n.id] = a.Index
	e := appliedEntry{view: a.Term, req: a.Req, by: n.id, in: n.view.Num}
	if p, ok := m.pinned[a.Index]; ok && n.view.Num >= p.in && (p.view != e.view || p.req != e.req) {
		return protocols.Violationf(KindReplicatedWriteLost, "%s applied %s at index %d, where %s applied %s as backup",
			n.id, describe(e), a.Index, p.by, describe(p))
	}
	if n.view.Backup == n.id {
		if _, ok := m.pinned[a.Index]; !ok {
			m.pinned[a.Index] = e
		}
	}
	if m.async {
		return nil
	}
	if a.Index < len(m.applied) {
		if g := m.applied[a.Index]; g.view != e.view || g.req != e.req {
			return protocols.Violationf(KindStateMachineSafety, "%s applied %s at index %d where %s applied %s",
				n.id, describe(e), a.Index, g.by, describe(g))
		}
		return nil
	}
	m.applied = append(m.applied, e)
	return nil
}

func describe(e appliedEntry) string {
	return Entry{View: e.view, Req: e.req}.text() + " of view " + uitoa(e.view)
}

// ackedWriteLost: a write acknowledged to a client is in the applied
// sequence of every server that applies past its index. The ghost maps each
// request to the index where a server first executed it; an acknowledgement
// pins that index to the write, and a server that later applies something
// else there has lost it. An acknowledged write that no server executed is
// reported at once.
type ackedWriteLost struct {
	executed map[reqKey]int
	acked    map[int]reqKey
}

type reqKey struct {
	client protocols.NodeID
	seq    uint64
}

func newAckedWriteLost() *ackedWriteLost {
	return &ackedWriteLost{executed: map[reqKey]int{}, acked: map[int]reqKey{}}
}

func (m *ackedWriteLost) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		switch note := note.(type) {
		case Applied:
			k := reqKey{note.Req.Client, note.Req.Seq}
			if note.Outcome == kv.Executed {
				if _, ok := m.executed[k]; !ok {
					m.executed[k] = note.Index
				}
			}
			if w, ok := m.acked[note.Index]; ok && w != k {
				return protocols.Violationf(KindAckedWriteLost, "%s applied %s#%d %s at index %d, where acknowledged write %s#%d was executed",
					ev.Node, note.Req.Client, note.Req.Seq, note.Req.Op, note.Index, w.client, w.seq)
			}
		case kv.Completed:
			if !note.Op.IsWrite() {
				continue
			}
			k := reqKey{note.Client, note.Seq}
			idx, ok := m.executed[k]
			if !ok {
				return protocols.Violationf(KindAckedWriteLost, "%s#%d %s was acknowledged by %s but no server has executed it",
					note.Client, note.Seq, note.Op, note.Server)
			}
			m.acked[idx] = k
		}
	}
	return nil
}

// converged is the end-of-run check that the backup of the current view
// has applied what its primary had applied lag before the end. Its
// monitor half samples every server's applied index as the run goes.
type converged struct {
	lag   clock.Duration
	marks map[protocols.NodeID][]mark
}

type mark struct {
	at      clock.Time
	applied int
}

func newConverged(lag clock.Duration) *converged {
	return &converged{lag: lag, marks: map[protocols.NodeID][]mark{}}
}

// Check implements protocols.Monitor; it never fails.
func (m *converged) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" || len(ev.Notes) == 0 {
		return nil
	}
	n, ok := ev.Stepped(c).(*server)
	if !ok {
		return nil
	}
	ms := m.marks[n.id]
	switch {
	case len(ms) > 0 && ms[len(ms)-1].applied == n.applied:
	case len(ms) > 0 && ev.Time.Sub(ms[len(ms)-1].at) < 50*clock.Millisecond:
		// One mark per 50ms at most: a later, higher mark in place of an
		// earlier one only makes the check more lenient.
		ms[len(ms)-1] = mark{ev.Time, n.applied}
	default:
		m.marks[n.id] = append(ms, mark{ev.Time, n.applied})
	}
	return nil
}

func (m *converged) final(c protocols.Cluster) error {
	by := c.Now().Add(-m.lag)
	for _, id := range c.Servers() {
		p, ok := c.Node(id).(*server)
		if !ok || !p.isPrimary() || !p.ready || p.view.Backup == "" {
			continue
		}
		b, _ := c.Node(p.view.Backup).(*server)
		if b == nil {
			continue
		}
		want := 0
		for _, mk := range m.marks[p.id] {
			if mk.at <= by {
				want = mk.applied
			}
		}
		if b.applied < want {
			return protocols.Violationf("convergence", "backup %s has applied up to index %d after the healing phase, but its primary %s had applied %d by %s",
				b.id, b.applied, p.id, want, by)
		}
	}
	return nil
}
