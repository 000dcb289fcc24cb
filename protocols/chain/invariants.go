package chain

import (
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The monitors judge a run from outside the nodes, after every event. They
// read node state by type assertion (never through Status, which
// allocates) and keep ghost state that survives crashes: every
// configuration the master made, and the committed history, the sequence
// of updates tails have committed, with a ghost state machine over it.
// PROTOCOLS.md §5 names the invariants; the kinds below say which.

// The violation kinds the monitors report.
const (
	KindConfig         = "config-rules"     // the master skipped an epoch, reordered the chain, or lost its configuration in a restart
	KindUPI            = "c-upi"            // a server's history is not a prefix of its predecessor's
	KindIRI            = "c-iri"            // a server counts as acknowledged an update the tail does not hold
	KindTailReply      = "c-tailreply"      // a write was answered by a server that is not the tail, or before it was committed
	KindRead           = "c-read"           // a get was answered without a lease, before catching up, or (chain) not by the tail
	KindEpoch          = "c-epoch"          // a server took updates from a server not its predecessor in its epoch
	KindDur            = "c-dur"            // a tail lacks a committed update
	KindApplyOrder     = "apply-order"      // a server applied updates out of order
	KindAckedWriteLost = "acked-write-lost" // a write was acknowledged but never committed
	KindStaleRead      = "stale-read"       // a get returned a value overwritten before it was invoked
	KindDirtyRead      = "dirty-read"       // a get returned a value not committed when it was answered
)

// Violations are the kinds the monitors and the final checks report, as
// Protocol.Violations declares them (convergence and liveness, the final
// checks' kinds, are generic).
var Violations = []string{
	KindConfig, KindUPI, KindIRI, KindTailReply, KindRead, KindEpoch, KindDur,
	KindApplyOrder, KindAckedWriteLost, KindStaleRead, KindDirtyRead,
}

// Monitors returns fresh monitors for one run, and the end-of-run check
// that the chain's members caught up with what was committed lag before
// the end.
func Monitors(craq bool, lag clock.Duration) ([]protocols.Monitor, func(protocols.Cluster) error) {
	m := &monitor{craq: craq, lag: lag, configs: []Config{{}}, digests: []uint64{0}, reqs: []reqKey{{}},
		sm: kv.NewMachine(), values: map[string][]version{}, executed: map[reqKey]bool{},
		last: map[protocols.NodeID]int{}, gets: map[reqKey]int{}}
	return []protocols.Monitor{m}, m.final
}

type reqKey struct {
	client protocols.NodeID
	seq    uint64
}

type monitor struct {
	craq bool
	lag  clock.Duration

	configs []Config // by epoch

	// The committed history: its prefix digests and requests by index, and
	// a state machine over it with each key's values by index.
	digests  []uint64
	reqs     []reqKey
	sm       *kv.Machine
	values   map[string][]version
	executed map[reqKey]bool
	marks    []mark // the committed history's length as it grew

	last map[protocols.NodeID]int // per server, the last index this incarnation applied
	gets map[reqKey]int           // open gets: the committed length when invoked
}

type mark struct {
	at  clock.Time
	len int
}

func (m *monitor) committed() int { return len(m.digests) - 1 }

func (m *monitor) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		return nil
	}
	switch n := ev.Stepped(c).(type) {
	case *master:
		return m.checkMaster(n, ev)
	case *server:
		return m.checkServer(c, n, ev)
	case nil:
		return nil
	}
	return m.checkClient(ev)
}

func (m *monitor) checkMaster(ms *master, ev protocols.Event) error {
	latest := m.configs[len(m.configs)-1]
	if ev.Input == protocols.Start && ms.cfg.Epoch != latest.Epoch {
		return protocols.Violationf(KindConfig, "%s restarted with configuration %s, but it had made %s", ms.id, ms.cfg, latest)
	}
	for _, note := range ev.Notes {
		nc, ok := note.(NewConfig)
		if !ok {
			continue
		}
		c, prev := nc.Config, m.configs[len(m.configs)-1]
		if c.Epoch != prev.Epoch+1 || len(c.Chain) == 0 {
			return protocols.Violationf(KindConfig, "%s made configuration %s after %s", ms.id, c, prev)
		}
		// The chain keeps its order: the old members it keeps, then new
		// members joining at this epoch.
		j := 0
		for _, mem := range c.Chain {
			for j < len(prev.Chain) && prev.Chain[j].ID != mem.ID {
				j++
			}
			switch {
			case j < len(prev.Chain) && prev.Chain[j] == mem:
				j++
			case j == len(prev.Chain) && mem.Since == c.Epoch && prev.index(mem.ID) < 0 && (c.Epoch == 1 || c.joiner() == mem.ID):
			default:
				return protocols.Violationf(KindConfig, "%s made configuration %s after %s: the chain is out of order", ms.id, c, prev)
			}
		}
		m.configs = append(m.configs, c)
	}
	return nil
}

func (m *monitor) checkServer(c protocols.Cluster, n *server, ev protocols.Event) error {
	if ev.Input == protocols.Start {
		m.last[n.id] = 0
	}
	for _, note := range ev.Notes {
		var err error
		switch note := note.(type) {
		case Reset:
			m.last[n.id] = 0
		case Applied:
			if want := m.last[n.id] + 1; note.Index != want {
				err = protocols.Violationf(KindApplyOrder, "%s applied index %d when %d was next", n.id, note.Index, want)
			}
			m.last[n.id] = note.Index
		case Accepted:
			if note.Epoch != n.cfg.Epoch || note.From != n.pred || !n.member() {
				err = protocols.Violationf(KindEpoch, "%s took updates from %s in epoch %d, but its configuration is %s", n.id, note.From, note.Epoch, n.cfg)
			}
		case Committed:
			err = m.commit(ev.Time, n, note)
		case Replied:
			err = m.replied(n, note)
		case ServedRead:
			err = m.served(n, note)
		}
		if err != nil {
			return err
		}
	}
	return m.chainState(c, n)
}

// commit: a tail commits only as the ready tail of its configuration, and
// what it commits extends the committed history or is a prefix of it (a
// tail the master removed, paused meanwhile, may still commit what its
// predecessor sent it before: those updates are in every later chain); the
// ghost takes the new part.
func (m *monitor) commit(at clock.Time, n *server, cm Committed) error {
	if !n.serving() || cm.Epoch != n.cfg.Epoch || cm.Upto > n.log.last() {
		return protocols.Violationf(KindTailReply, "%s committed up to %d in epoch %d as %s of %s", n.id, cm.Upto, cm.Epoch, n.role(), n.cfg)
	}
	if k := min(cm.Upto, m.committed()); n.log.digest(k) != m.digests[k] {
		return protocols.Violationf(KindDur, "%s committed up to %d as tail of %s, but its history differs from the committed one at or before %d",
			n.id, cm.Upto, n.cfg, k)
	}
	for i := m.committed() + 1; i <= cm.Upto; i++ {
		e := n.log.entry(i)
		m.digests = append(m.digests, n.log.digest(i))
		k := reqKey{e.Req.Client, e.Req.Seq}
		m.reqs = append(m.reqs, k)
		if _, outcome := m.sm.Apply(e.Req); outcome == kv.Executed {
			m.executed[k] = true
			key := e.Req.Op.Key
			m.values[key] = append(m.values[key], version{i, m.sm.Value(key)})
		}
	}
	if len(m.marks) > 0 && at.Sub(m.marks[len(m.marks)-1].at) < 50*clock.Millisecond {
		m.marks[len(m.marks)-1].len = m.committed() // later and longer: only more lenient
	} else {
		m.marks = append(m.marks, mark{at, m.committed()})
	}
	return nil
}

// holdsCommitted: n's history extends the committed history.
func (m *monitor) holdsCommitted(n *server) error {
	k := m.committed()
	if n.log.last() < k || n.log.digest(k) != m.digests[k] {
		return protocols.Violationf(KindDur, "%s is tail of %s, but its history (%d updates) lacks updates committed up to %d",
			n.id, n.cfg, n.log.last(), k)
	}
	return nil
}

func (m *monitor) replied(n *server, r Replied) error {
	if !n.isTail() || r.Index > m.committed() || m.reqs[r.Index] != (reqKey{r.Client, r.Seq}) {
		return protocols.Violationf(KindTailReply, "%s answered %s#%d (index %d) as %s of %s, with %d updates committed",
			n.id, r.Client, r.Seq, r.Index, n.role(), n.cfg, m.committed())
	}
	return nil
}

func (m *monitor) served(n *server, s ServedRead) error {
	switch {
	case !s.Lease:
		return protocols.Violationf(KindRead, "%s answered %s#%d in epoch %d without a lease", n.id, s.Client, s.Seq, s.Epoch)
	case !s.Ready:
		return protocols.Violationf(KindRead, "%s answered %s#%d in epoch %d before catching up with its predecessor", n.id, s.Client, s.Seq, s.Epoch)
	case s.How == Dirty:
		return protocols.Violationf(KindRead, "%s answered %s#%d with version %d, dirty (acknowledged up to %d), without asking the tail",
			n.id, s.Client, s.Seq, s.Version, n.acked)
	case !m.craq && (s.How != AtTail || !n.isTail()):
		return protocols.Violationf(KindRead, "%s answered %s#%d as %s of %s", n.id, s.Client, s.Seq, n.role(), n.cfg)
	}
	return nil
}

// chainState: the histories along n's configuration are prefixes of one
// another (C-UPI); what n counts as acknowledged is committed, and in its
// serving tail's history (C-IRI); the serving tail of the master's latest
// configuration holds everything committed (C-DUR).
func (m *monitor) chainState(c protocols.Cluster, n *server) error {
	if !n.member() {
		return nil
	}
	if p := m.neighbour(c, n, n.pred); p != nil && !n.log.isPrefixOf(&p.log) {
		return protocols.Violationf(KindUPI, "%s's history (%d updates) is not a prefix of its predecessor %s's (%d) in %s",
			n.id, n.log.last(), p.id, p.log.last(), n.cfg)
	}
	if s := m.neighbour(c, n, n.succ); s != nil && !s.log.isPrefixOf(&n.log) {
		return protocols.Violationf(KindUPI, "%s's history (%d updates) is not a prefix of its predecessor %s's (%d) in %s",
			s.id, s.log.last(), n.id, n.log.last(), n.cfg)
	}
	if n.acked > m.committed() {
		return protocols.Violationf(KindIRI, "%s counts updates up to %d as in the tail's history, but only %d were ever committed: Hist(%s) is not Hist(tail) + Sent(%s)",
			n.id, n.acked, m.committed(), n.id, n.id)
	}
	if t := m.neighbour(c, n, n.cfg.tail()); t != nil && t.serving() && n.acked > t.log.last() {
		return protocols.Violationf(KindIRI, "%s counts updates up to %d as in the tail's history, but the tail %s holds %d in %s: Hist(%s) is not Hist(%s) + Sent",
			n.id, n.acked, t.id, t.log.last(), n.cfg, n.id, t.id)
	}
	if latest := m.configs[len(m.configs)-1]; n.cfg.Epoch == latest.Epoch && n.serving() {
		return m.holdsCommitted(n)
	}
	return nil
}

// neighbour returns the live server id if it is in n's epoch too.
func (m *monitor) neighbour(c protocols.Cluster, n *server, id protocols.NodeID) *server {
	if id == "" || id == n.id {
		return nil
	}
	s, _ := c.Node(id).(*server)
	if s == nil || s.cfg.Epoch != n.cfg.Epoch || !s.member() {
		return nil
	}
	return s
}

// checkClient judges the client history as it grows: an acknowledged write
// is committed; a get returns the key's committed value at some point
// between its invocation and its answer.
func (m *monitor) checkClient(ev protocols.Event) error {
	for _, note := range ev.Notes {
		switch note := note.(type) {
		case kv.Invoked:
			if note.Op.Kind == kv.Get {
				m.gets[reqKey{note.Client, note.Seq}] = m.committed()
			}
		case kv.Abandoned:
			delete(m.gets, reqKey{note.Client, note.Seq})
		case kv.Completed:
			k := reqKey{note.Client, note.Seq}
			if note.Op.IsWrite() {
				if !m.executed[k] {
					return protocols.Violationf(KindAckedWriteLost, "%s#%d %s was acknowledged by %s but never committed", note.Client, note.Seq, note.Op, note.Server)
				}
				continue
			}
			from, ok := m.gets[k]
			if !ok {
				continue
			}
			delete(m.gets, k)
			if err := m.judgeRead(note, from); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *monitor) judgeRead(n kv.Completed, from int) error {
	vs := m.values[n.Op.Key]
	i := 0
	for i < len(vs) && vs[i].index <= from {
		i++
	}
	current := ""
	if i > 0 {
		current = vs[i-1].value
	}
	if n.Output == current {
		return nil
	}
	for _, v := range vs[i:] {
		if v.value == n.Output {
			return nil
		}
	}
	older := append([]version{{0, ""}}, vs[:i]...) // the initial "" too
	for _, v := range older {
		if v.value == n.Output {
			return protocols.Violationf(KindStaleRead, "%s's get(%s) returned %q from %s, but when it was invoked updates were committed up to %d, where %s = %q",
				n.Client, n.Op.Key, n.Output, n.Server, from, n.Op.Key, current)
		}
	}
	return protocols.Violationf(KindDirtyRead, "%s's get(%s) returned %q from %s, a value not committed by the time it was answered (committed up to %d)",
		n.Client, n.Op.Key, n.Output, n.Server, m.committed())
}

// final: every ready member of the master's configuration holds what was
// committed lag before the end.
func (m *monitor) final(c protocols.Cluster) error {
	by := c.Now().Add(-m.lag)
	want := 0
	for _, mk := range m.marks {
		if mk.at <= by {
			want = mk.len
		}
	}
	latest := m.configs[len(m.configs)-1]
	for _, mem := range latest.Chain {
		n, _ := c.Node(mem.ID).(*server)
		if n == nil || !n.ready || n.isJoining() {
			continue
		}
		if n.log.last() < want {
			return protocols.Violationf("convergence", "%s holds %d updates after the healing phase, but %d were committed by %s", n.id, n.log.last(), want, by)
		}
	}
	return nil
}
