package raft

import (
	"sort"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The monitors judge a run from outside the servers, after every event.
// Each reads server state by type assertion to *node (never through
// Status, which allocates) and keeps ghost state that survives crashes, and
// each does O(1) work per event plus work proportional to what changed, so
// that checking every event stays cheap. They never change a server.

// The violation kinds the monitors report.
const (
	KindElectionSafety     = "election-safety"      // two leaders in one term
	KindVoteOnce           = "vote-once"            // a server voted for two candidates in one term
	KindTermMonotonic      = "term-monotonic"       // a server's term went down, across restarts too
	KindLeaderAppendOnly   = "leader-append-only"   // a leader changed or removed an entry of its own log
	KindLogMatching        = "log-matching"         // two logs share an entry but not the prefix before it
	KindNeedlessTruncation = "needless-truncation"  // a server deleted entries that no conflicting entry replaced
	KindCommitCurrentTerm  = "commit-current-term"  // a leader advanced its commit index to an earlier term's entry
	KindLeaderCompleteness = "leader-completeness"  // a leader lacks a committed entry
	KindStateMachineSafety = "state-machine-safety" // two servers applied different entries at one index
	KindAckedWriteLost     = "acked-write-lost"     // a write acknowledged to a client is missing from a server's applied sequence
)

// Violations lists the kinds above, for Protocol.Violations.
var Violations = []string{
	KindElectionSafety, KindVoteOnce, KindTermMonotonic, KindLeaderAppendOnly, KindLogMatching,
	KindNeedlessTruncation, KindCommitCurrentTerm, KindLeaderCompleteness, KindStateMachineSafety, KindAckedWriteLost,
}

// Monitors returns fresh instances of every Raft monitor, for one run.
func Monitors() []protocols.Monitor {
	l := &lookup{}
	return []protocols.Monitor{
		&electionSafety{lookup: l, leaders: map[uint64]protocols.NodeID{}},
		&voteOnce{votes: map[voteKey]protocols.NodeID{}},
		&termMonotonic{lookup: l, terms: map[protocols.NodeID]uint64{}},
		&leaderAppendOnly{lookup: l},
		&logMatching{lookup: l, seen: map[protocols.NodeID]*logView{}},
		newLeaderCompleteness(l),
		&commitCurrentTerm{lookup: l},
		newStateMachineSafety(),
		newAckedWriteLost(),
		kv.ExactlyOnce(),
		kv.StaleReads(),
	}
}

// lookup finds the live Raft server that stepped in an event. The monitors
// of one run share one, so the cluster is asked once per event rather than
// once per monitor: in the simulator Node is a map lookup, and it showed in
// profiles.
type lookup struct {
	seq  uint64
	id   protocols.NodeID
	node *node
}

// server returns the live Raft server that stepped in ev, or nil (a fault
// event, a client, a server that is down).
func (l *lookup) server(c protocols.Cluster, ev protocols.Event) *node {
	if ev.Node == "" {
		return nil
	}
	if ev.Seq != 0 && ev.Seq == l.seq && ev.Node == l.id {
		return l.node
	}
	n, _ := c.Node(ev.Node).(*node)
	l.seq, l.id, l.node = ev.Seq, ev.Node, n
	return n
}

// electionSafety: at most one leader per term, ever (Figure 3). It records
// every BecameLeader note and also every server it sees in the leader role,
// so a server that leads without winning an election is caught too.
type electionSafety struct {
	*lookup
	leaders  map[uint64]protocols.NodeID
	lastTerm uint64 // a cache of the last (term, leader) recorded
	lastID   protocols.NodeID
}

func (m *electionSafety) Check(c protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		if bl, ok := note.(BecameLeader); ok {
			if err := m.record(ev.Node, bl.Term); err != nil {
				return err
			}
		}
	}
	if n := m.server(c, ev); n != nil && n.role == leader {
		return m.record(n.id, n.term)
	}
	return nil
}

func (m *electionSafety) record(id protocols.NodeID, term uint64) error {
	if id == m.lastID && term == m.lastTerm {
		return nil
	}
	if prev, ok := m.leaders[term]; ok && prev != id {
		return protocols.Violationf(KindElectionSafety, "%s and %s both leader in term %d", prev, id, term)
	}
	m.leaders[term] = id
	m.lastID, m.lastTerm = id, term
	return nil
}

// voteOnce: a server grants at most one vote per term, across restarts.
// The votes come from Voted notes, taken when the vote reply is sent.
type voteOnce struct{ votes map[voteKey]protocols.NodeID }

type voteKey struct {
	voter protocols.NodeID
	term  uint64
}

func (m *voteOnce) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		v, ok := note.(Voted)
		if !ok {
			continue
		}
		k := voteKey{ev.Node, v.Term}
		if prev, ok := m.votes[k]; ok && prev != v.For {
			return protocols.Violationf(KindVoteOnce, "%s voted for %s and then %s in term %d", ev.Node, prev, v.For, v.Term)
		}
		m.votes[k] = v.For
	}
	return nil
}

// termMonotonic: a server's current term never decreases, including from
// one incarnation to the next. Every term a server reaches was persisted
// in the step that reached it, so a restart must come back at least there.
type termMonotonic struct {
	*lookup
	terms map[protocols.NodeID]uint64
}

func (m *termMonotonic) Check(c protocols.Cluster, ev protocols.Event) error {
	n := m.server(c, ev)
	if n == nil {
		return nil
	}
	if prev := m.terms[n.id]; n.term < prev {
		how := "went"
		if ev.Input == protocols.Start {
			how = "restarted"
		}
		return protocols.Violationf(KindTermMonotonic, "%s %s from term %d to term %d", n.id, how, prev, n.term)
	} else if n.term == prev {
		return nil
	}
	m.terms[n.id] = n.term
	return nil
}

// leaderAppendOnly: while a server leads one term it only appends (Figure
// 3). Comparing the prefix digest at the old last index with the log's
// current digest there proves the old log is a prefix of the new one.
type leaderAppendOnly struct {
	*lookup
	seen byNode[leaderView]
}

// leaderView is a leader's log as a monitor last saw it.
type leaderView struct {
	inst  *node // the incarnation: a restart ends the leadership
	term  uint64
	last  int
	chain uint64
}

func (m *leaderAppendOnly) Check(c protocols.Cluster, ev protocols.Event) error {
	n := m.server(c, ev)
	if n == nil {
		return nil
	}
	if n.role != leader {
		m.seen.delete(n.id)
		return nil
	}
	v, ok := m.seen.get(n.id)
	last := n.log.lastIndex()
	if ok && v.inst == n && v.term == n.term {
		switch {
		case last < v.last:
			return protocols.Violationf(KindLeaderAppendOnly, "leader %s of term %d shrank its log from %d to %d entries",
				n.id, n.term, v.last, last)
		case n.log.chain[v.last] != v.chain:
			return protocols.Violationf(KindLeaderAppendOnly, "leader %s of term %d rewrote entries of its log at or before index %d",
				n.id, n.term, v.last)
		case last == v.last:
			return nil
		}
	}
	m.seen.set(n.id, leaderView{inst: n, term: n.term, last: last, chain: n.log.chain[last]})
	return nil
}

// logMatching: if two logs hold an entry with the same index and term, they
// are identical up to it (Figure 3). The ghost maps every (index, term)
// ever seen in any log, on any server, to the digest of the prefix it had;
// an entry seen again with another prefix is a violation, now or later.
// Per server the monitor keeps the digests it last saw, so it visits only
// entries that changed.
//
// The same comparison catches a needless truncation: within one
// incarnation a log loses entries only when a conflicting entry replaces
// the first of them (Figure 2, AppendEntries receiver step 3), so a log
// that becomes a strict prefix of itself has deleted entries it had no
// reason to, entries it may have acknowledged.
type logMatching struct {
	*lookup
	ghost [][]ghostEntry // by index: each term seen there, with its prefix digest
	seen  map[protocols.NodeID]*logView
}

type ghostEntry struct {
	term  uint64
	chain uint64
	by    protocols.NodeID // the first server seen holding it
}

type logView struct {
	version uint64
	inst    *node
	chain   []uint64 // the server's prefix digests, as last seen
}

func (m *logMatching) Check(c protocols.Cluster, ev protocols.Event) error {
	n := m.server(c, ev)
	if n == nil {
		return nil
	}
	v := m.seen[n.id]
	if v == nil {
		v = &logView{chain: []uint64{0}}
		m.seen[n.id] = v
	}
	if v.inst == n && v.version == n.log.version {
		return nil
	}
	from := commonPrefix(v.chain, n.log.chain) + 1
	if v.inst == n && from < len(v.chain) && from > n.log.lastIndex() {
		old := len(v.chain) - 1
		v.inst = nil // report once; look afresh at the next change
		return protocols.Violationf(KindNeedlessTruncation, "%s deleted entries %d..%d of its log with no conflicting entry to replace them",
			n.id, from, old)
	}
	v.inst, v.version = n, n.log.version
	v.chain = append(v.chain[:from], n.log.chain[from:]...)
	for x := from; x <= n.log.lastIndex(); x++ {
		if err := m.record(n, x); err != nil {
			return err
		}
	}
	return nil
}

func (m *logMatching) record(n *node, x int) error {
	for len(m.ghost) <= x {
		m.ghost = append(m.ghost, nil)
	}
	term, chain := n.log.entries[x].Term, n.log.chain[x]
	for _, g := range m.ghost[x] {
		if g.term != term {
			continue
		}
		if g.chain != chain {
			return protocols.Violationf(KindLogMatching, "%s holds entry %d/%d with a log before it that differs from the one %s had with that entry",
				n.id, x, term, g.by)
		}
		return nil
	}
	m.ghost[x] = append(m.ghost[x], ghostEntry{term: term, chain: chain, by: n.id})
	return nil
}

// leaderCompleteness: an entry committed in term U is in the log of every
// leader of a term after U (Figure 3). Committed entries form a prefix, so
// the ghost is the digest of every committed prefix, grown whenever a
// leader advances its commit index, with the term of the leader that first
// committed each index; a new leader of term T must hold the prefix
// committed in terms before T. (A leader of an old term can legitimately
// take office late, say after a pause with its votes queued, and need not
// hold what was committed in later terms.) A leader that commits an index
// already committed with a different entry is reported too.
type leaderCompleteness struct {
	*lookup
	chain []uint64 // digest of the committed prefix ending at each index
	terms []uint64 // the committed entry's term at each index
	at    []uint64 // the term in which each index was first committed
	by    []protocols.NodeID
}

func newLeaderCompleteness(l *lookup) *leaderCompleteness {
	return &leaderCompleteness{lookup: l, chain: []uint64{0}, terms: []uint64{0}, at: []uint64{0}, by: []protocols.NodeID{""}}
}

func (m *leaderCompleteness) Check(c protocols.Cluster, ev protocols.Event) error {
	n := m.server(c, ev)
	if n == nil {
		return nil
	}
	for _, note := range ev.Notes {
		bl, ok := note.(BecameLeader)
		if !ok {
			continue
		}
		if x := m.missing(n, bl.Term); x > 0 {
			return protocols.Violationf(KindLeaderCompleteness, "%s became leader of term %d without entry %d/%d, committed by %s in term %d",
				n.id, bl.Term, x, m.terms[x], m.by[x], m.at[x])
		}
	}
	if n.role != leader || n.commit == 0 {
		return nil
	}
	k := min(n.commit, len(m.chain)-1)
	if n.log.chain[k] != m.chain[k] {
		return protocols.Violationf(KindLeaderCompleteness, "leader %s of term %d committed index %d with a log that differs from the one %s committed",
			n.id, n.term, n.commit, m.by[k])
	}
	for x := len(m.chain); x <= n.commit; x++ {
		m.chain = append(m.chain, n.log.chain[x])
		m.terms = append(m.terms, n.log.entries[x].Term)
		m.at = append(m.at, n.term)
		m.by = append(m.by, n.id)
	}
	return nil
}

// missing returns the first index committed before term t whose entry n's
// log lacks, or 0. Commit terms never decrease along the log (a leader of
// an older term cannot commit past a newer one: a majority has moved on),
// so the prefix committed before t is found by binary search.
func (m *leaderCompleteness) missing(n *node, t uint64) int {
	c := sort.Search(len(m.at), func(i int) bool { return m.at[i] >= t }) - 1
	if c <= n.log.lastIndex() && n.log.chain[c] == m.chain[c] {
		return 0
	}
	return commonPrefix(m.chain[:c+1], n.log.chain) + 1
}

// commitCurrentTerm: a leader advances its commit index only to an entry
// of its own term (§5.4.2, Figure 8; ongardie's TLA+ spec states it the
// same way). Earlier entries commit with it, indirectly. Breaking the rule
// is harmless until a Figure 8 schedule comes along, so the monitor checks
// the rule itself: a run that exercises the bug is caught even when it is
// lucky.
type commitCurrentTerm struct {
	*lookup
	seen byNode[commitView]
}

type commitView struct {
	inst   *node
	term   uint64
	commit int
}

func (m *commitCurrentTerm) Check(c protocols.Cluster, ev protocols.Event) error {
	n := m.server(c, ev)
	if n == nil {
		return nil
	}
	if n.role != leader {
		m.seen.delete(n.id)
		return nil
	}
	v, ok := m.seen.get(n.id)
	now := commitView{inst: n, term: n.term, commit: n.commit}
	if ok && v.inst == n && v.term == n.term && n.commit > v.commit {
		if t, _ := n.log.term(n.commit); t != n.term {
			m.seen.set(n.id, now)
			return protocols.Violationf(KindCommitCurrentTerm, "leader %s of term %d advanced its commit index to %d, an entry of term %d",
				n.id, n.term, n.commit, t)
		}
	}
	if !ok || v != now {
		m.seen.set(n.id, now)
	}
	return nil
}

// stateMachineSafety: no two servers apply different entries at one index
// (Figure 3), and each server applies indexes in order, one incarnation at
// a time. The ghost is the first entry applied at each index, by anyone.
type stateMachineSafety struct {
	applied []appliedEntry
	last    map[protocols.NodeID]int // per server, the last index applied by this incarnation
}

type appliedEntry struct {
	term uint64
	req  kv.Request
	by   protocols.NodeID
}

func newStateMachineSafety() *stateMachineSafety {
	return &stateMachineSafety{applied: []appliedEntry{{}}, last: map[protocols.NodeID]int{}}
}

func (m *stateMachineSafety) Check(_ protocols.Cluster, ev protocols.Event) error {
	if ev.Input == protocols.Start {
		delete(m.last, ev.Node) // a new incarnation re-applies from the start
	}
	for _, note := range ev.Notes {
		a, ok := note.(Applied)
		if !ok {
			continue
		}
		if want := m.last[ev.Node] + 1; a.Index != want {
			return protocols.Violationf(KindStateMachineSafety, "%s applied index %d when %d was next", ev.Node, a.Index, want)
		}
		m.last[ev.Node] = a.Index
		if a.Index < len(m.applied) {
			if g := m.applied[a.Index]; g.term != a.Term || g.req != a.Req {
				return protocols.Violationf(KindStateMachineSafety, "%s applied %s at index %d where %s applied %s",
					ev.Node, describe(a.Term, a.Req), a.Index, g.by, describe(g.term, g.req))
			}
			continue
		}
		m.applied = append(m.applied, appliedEntry{term: a.Term, req: a.Req, by: ev.Node})
	}
	return nil
}

func describe(term uint64, r kv.Request) string {
	return Entry{Term: term, Req: r}.text() + " of term " + strconv.FormatUint(term, 10)
}

// ackedWriteLost: a write acknowledged to a client is in the applied
// sequence of every server that applies past its index (R-DUR). The ghost
// maps each request to the index where a server first executed it; when a
// client reports a write completed, that index is pinned to the write, and
// any server that later applies something else there has lost it. An
// acknowledged write that no server ever executed is reported at once.
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
			if note.Req.Client == "" {
				if w, ok := m.acked[note.Index]; ok {
					return m.lost(ev.Node, note, w)
				}
				continue
			}
			k := reqKey{note.Req.Client, note.Req.Seq}
			if note.Outcome == kv.Executed {
				if _, ok := m.executed[k]; !ok {
					m.executed[k] = note.Index
				}
			}
			if w, ok := m.acked[note.Index]; ok && w != k {
				return m.lost(ev.Node, note, w)
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

func (m *ackedWriteLost) lost(id protocols.NodeID, a Applied, w reqKey) error {
	return protocols.Violationf(KindAckedWriteLost, "%s applied %s at index %d, where acknowledged write %s#%d was executed",
		id, describe(a.Term, a.Req), a.Index, w.client, w.seq)
}

// byNode is a tiny map from node to value for the monitors that track only
// the current leaders (one or two at a time): a scan of a short slice costs
// less than hashing a string after every event.
type byNode[V any] []struct {
	id protocols.NodeID
	v  V
}

func (m *byNode[V]) get(id protocols.NodeID) (V, bool) {
	for _, e := range *m {
		if e.id == id {
			return e.v, true
		}
	}
	var zero V
	return zero, false
}

func (m *byNode[V]) set(id protocols.NodeID, v V) {
	for i := range *m {
		if (*m)[i].id == id {
			(*m)[i].v = v
			return
		}
	}
	*m = append(*m, struct {
		id protocols.NodeID
		v  V
	}{id, v})
}

func (m *byNode[V]) delete(id protocols.NodeID) {
	for i := range *m {
		if (*m)[i].id == id {
			*m = append((*m)[:i], (*m)[i+1:]...)
			return
		}
	}
}
