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
	KindLeaderUnelected    = "leader-unelected"     // a server leads a term it did not win an election in
	KindVoteOnce           = "vote-once"            // a server voted for two candidates in one term
	KindTermMonotonic      = "term-monotonic"       // a server's term went down, across restarts too
	KindLeaderAppendOnly   = "leader-append-only"   // a leader changed or removed an entry of its own log
	KindLogMatching        = "log-matching"         // two logs share an entry but not the prefix before it
	KindNeedlessTruncation = "needless-truncation"  // a server deleted entries that no conflicting entry replaced
	KindCommitCurrentTerm  = "commit-current-term"  // a leader advanced its commit index to an earlier term's entry
	KindLeaderCompleteness = "leader-completeness"  // a leader lacks a committed entry
	KindStateMachineSafety = "state-machine-safety" // two servers applied different entries at one index
	KindAckedWriteLost     = "acked-write-lost"     // a write acknowledged to a client is missing from a server's applied sequence
	KindDisjointMajorities = "disjoint-majorities"  // a leader took office in a configuration whose majorities need not overlap the committed one's
	KindConfigChangeRule   = "config-change-rule"   // a leader appended a configuration change before the previous one, or an entry of its term, committed
)

// Violations lists the kinds above, for Protocol.Violations.
var Violations = []string{
	KindElectionSafety, KindLeaderUnelected, KindVoteOnce, KindTermMonotonic, KindLeaderAppendOnly, KindLogMatching,
	KindNeedlessTruncation, KindCommitCurrentTerm, KindLeaderCompleteness, KindStateMachineSafety, KindAckedWriteLost,
	KindDisjointMajorities, KindConfigChangeRule,
}

// Monitors returns fresh instances of every Raft monitor, for one run.
//
// Snapshots compact the logs, so the monitors that keep a ghost per log
// index (log matching, leader completeness, state machine safety, acked
// writes) drop the part below the horizon: the lowest snapshot index of any
// server. No log holds an entry at or below it any more, or can receive one
// (a server ignores entries inside its snapshot), so nothing there needs
// checking again; runs of hours keep bounded memory.
func Monitors() []protocols.Monitor {
	l := &lookup{}
	h := &horizon{snaps: map[protocols.NodeID]int{}}
	clients := &kv.ClientNumbers{} // one numbering for the monitors that follow requests
	return []protocols.Monitor{
		h,
		&electionSafety{lookup: l, leaders: map[uint64]protocols.NodeID{}},
		&leaderUnelected{lookup: l},
		&voteOnce{votes: map[voteKey]protocols.NodeID{}},
		&termMonotonic{lookup: l},
		&leaderAppendOnly{lookup: l},
		&logMatching{lookup: l, h: h},
		newLeaderCompleteness(l, h),
		&commitCurrentTerm{lookup: l},
		newStateMachineSafety(l, h, clients),
		newAckedWriteLost(h, clients),
		&configSafety{lookup: l},
		kv.ExactlyOnceNumbering(clients),
		kv.StaleReadsNumbering(clients),
	}
}

// horizon follows each server's latest snapshot index, from its
// SnapshotTaken and Restored notes (a snapshot is durable, so a restart
// comes back with it), and keeps floor: the lowest over all servers, 0
// while any has none. It checks nothing.
type horizon struct {
	snaps map[protocols.NodeID]int
	floor int
}

// pruneStep is how far the horizon moves past a monitor's ghost before the
// monitor drops that part: pruning is amortized over many entries.
const pruneStep = 1024

func (h *horizon) Check(c protocols.Cluster, ev protocols.Event) error {
	changed := false
	for _, note := range ev.Notes {
		switch note := note.(type) {
		case SnapshotTaken:
			h.snaps[ev.Node], changed = note.Index, true
		case Restored:
			h.snaps[ev.Node], changed = note.Index, true
		}
	}
	if changed {
		floor := -1
		for _, id := range c.Servers() {
			if v := h.snaps[id]; floor < 0 || v < floor {
				floor = v
			}
		}
		h.floor = max(floor, 0)
	}
	return nil
}

// lookup finds the live Raft server that stepped in an event. The monitors
// of one run share one, so the cluster is asked once per event rather than
// once per monitor: in the simulator Node is a map lookup, and it showed in
// profiles.
type lookup struct {
	seq  uint64
	id   protocols.NodeID
	node *node
	// servers numbers the servers in the order first seen: the ghosts
	// kept per server are slices indexed by the number, which the suite
	// finds once per event (by incarnation, among its marks).
	servers []protocols.NodeID
}

// number returns id's number in l.servers, numbering it if new.
func (l *lookup) number(id protocols.NodeID) int {
	for i, x := range l.servers {
		if protocols.SameString(x, id) {
			return i
		}
	}
	l.servers = append(l.servers, id)
	return len(l.servers) - 1
}

// byNumber is a ghost kept per server, indexed by the server's number.
type byNumber[V any] []V

// at returns where server k's value is kept, growing s to hold it.
func (s *byNumber[V]) at(k int) *V {
	if k >= len(*s) {
		*s = append(*s, make([]V, k+1-len(*s))...)
	}
	return &(*s)[k]
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
	n, _ := ev.Stepped(c).(*node)
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
	return m.check(m.server(c, ev), ev.Node, ev.Notes)
}

// check is Check for server n (found by the caller) that stepped in an
// event of node id with the given notes.
func (m *electionSafety) check(n *node, id protocols.NodeID, notes []protocols.Note) error {
	for _, note := range notes {
		if bl, ok := note.(BecameLeader); ok {
			if err := m.record(id, bl.Term); err != nil {
				return err
			}
		}
	}
	if n != nil && n.role == leader {
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

// leaderUnelected: a server leads only a term it won an election in
// (Figure 2: a candidate becomes leader on votes from a majority, and any
// server that learns of a higher term becomes a follower). The ghost is,
// per server, the incarnation and term of its last BecameLeader note; a
// server seen in the leader role at another term, or in another
// incarnation, took office without winning. Like commit-current-term it
// checks the rule, not only the harm: a leader that adopts a higher term
// and goes on leading (bug ignore-higher-term) breaks election safety only
// if another server then wins that term, which PreVote and CheckQuorum
// make rare.
type leaderUnelected struct {
	*lookup
	won byNode[wonTerm]
}

type wonTerm struct {
	inst *node
	term uint64
}

func (m *leaderUnelected) Check(c protocols.Cluster, ev protocols.Event) error {
	return m.check(m.server(c, ev), ev.Notes)
}

// check is Check for server n, found by the caller, given the event's notes.
func (m *leaderUnelected) check(n *node, notes []protocols.Note) error {
	if n == nil {
		return nil
	}
	for _, note := range notes {
		if bl, ok := note.(BecameLeader); ok {
			m.won.set(n.id, wonTerm{inst: n, term: bl.Term})
		}
	}
	if n.role != leader {
		return nil
	}
	if w, ok := m.won.get(n.id); !ok || w.inst != n || w.term != n.term {
		if ok && w.inst == n {
			return protocols.Violationf(KindLeaderUnelected, "%s leads term %d, but the last election it won was for term %d", n.id, n.term, w.term)
		}
		return protocols.Violationf(KindLeaderUnelected, "%s leads term %d without having won an election since it started", n.id, n.term)
	}
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
	terms byNumber[uint64]
}

func (m *termMonotonic) Check(c protocols.Cluster, ev protocols.Event) error {
	n := m.server(c, ev)
	if n == nil {
		return nil
	}
	return m.check(n, m.number(n.id), ev.Input)
}

// check is Check for server n, numbered k, found by the caller, which
// stepped on input in.
func (m *termMonotonic) check(n *node, k int, in protocols.InputKind) error {
	p := m.terms.at(k)
	if prev := *p; n.term < prev {
		how := "went"
		if in == protocols.Start {
			how = "restarted"
		}
		return protocols.Violationf(KindTermMonotonic, "%s %s from term %d to term %d", n.id, how, prev, n.term)
	}
	*p = n.term
	return nil
}

// leaderAppendOnly: while a server leads one term it only appends (Figure
// 3). Comparing the prefix digest at the old last index with the log's
// current digest there proves the old log is a prefix of the new one.
type leaderAppendOnly struct {
	*lookup
	seen byNumber[leaderView] // by server number: the zero view for a server not leading
}

// leaderView is a leader's log as a monitor last saw it. The zero view,
// of no incarnation, stands for none: it matches no server.
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
	return m.check(n, m.number(n.id))
}

// check is Check for server n, numbered k, found by the caller.
func (m *leaderAppendOnly) check(n *node, k int) error {
	p := m.seen.at(k)
	if n.role != leader {
		*p = leaderView{}
		return nil
	}
	v := *p
	last := n.log.lastIndex()
	if v.inst == n && v.term == n.term {
		// A leader compacting its own log keeps the digest at the snapshot,
		// so only a prefix that went into a snapshot cannot be compared.
		d, held := n.log.chainAt(v.last)
		switch {
		case last < v.last:
			return protocols.Violationf(KindLeaderAppendOnly, "leader %s of term %d shrank its log from %d to %d entries",
				n.id, n.term, v.last, last)
		case held && d != v.chain:
			return protocols.Violationf(KindLeaderAppendOnly, "leader %s of term %d rewrote entries of its log at or before index %d",
				n.id, n.term, v.last)
		case last == v.last:
			return nil
		}
	}
	d, _ := n.log.chainAt(last)
	*p = leaderView{inst: n, term: n.term, last: last, chain: d}
	return nil
}

// logMatching: if two logs hold an entry with the same index and term, they
// are identical up to it (Figure 3). The ghost maps every (index, term)
// ever seen in any log, on any server, to the digest of the prefix it had;
// an entry seen again with another prefix is a violation, now or later.
// Per server the monitor keeps the digests it last saw, so it visits only
// entries that changed. A compacted prefix is compared through the digest
// its snapshot keeps.
//
// The same comparison catches a needless truncation: within one
// incarnation a log loses entries only when a conflicting entry replaces
// the first of them (Figure 2, AppendEntries receiver step 3), so a log
// that becomes a strict prefix of itself has deleted entries it had no
// reason to, entries it may have acknowledged.
type logMatching struct {
	*lookup
	h     *horizon
	gbase int         // ghost[i] describes index gbase+i
	ghost []ghostSlot // by index: each term seen there, with its prefix digest
	more  [][]ghostEntry
	seen  byNumber[logView] // by server number
}

// ghostSlot holds the entries seen at one index. Nearly every index only
// ever holds one, kept in place: a slice per index cost an allocation per
// log entry. It holds no pointer (the rare entries of other terms are
// kept aside, servers by number), so the ghost, an entry per index of the
// longest log, costs the garbage collector nothing to scan and growing it
// no write barriers; and it says whether it holds any in rest rather than
// in a flag of its own, which would pad it from 24 bytes to 32.
type ghostSlot struct {
	term  uint64 // the first entry seen here
	chain uint64
	by    int32
	rest  int32 // 0: no entry seen here; 1: only the first; 2+k: the entries of other terms seen after it are more[k]
}

type ghostEntry struct {
	term  uint64
	chain uint64
	by    int32 // the first server seen holding it, by number (lookup.servers)
}

// find returns the prefix digest and the first holder of g's entry of
// term t, if it holds one.
func (m *logMatching) find(g *ghostSlot, t uint64) (chain uint64, by int32, ok bool) {
	if g.rest != 0 && g.term == t {
		return g.chain, g.by, true
	}
	if g.rest > 1 {
		for _, e := range m.more[g.rest-2] {
			if e.term == t {
				return e.chain, e.by, true
			}
		}
	}
	return 0, 0, false
}

func (m *logMatching) add(g *ghostSlot, e ghostEntry) {
	switch g.rest {
	case 0:
		*g = ghostSlot{term: e.term, chain: e.chain, by: e.by, rest: 1}
	case 1:
		m.more = append(m.more, []ghostEntry{e})
		g.rest = int32(len(m.more)) + 1
	default:
		m.more[g.rest-2] = append(m.more[g.rest-2], e)
	}
}

// prune drops the ghost below index f, and the entries of other terms
// seen there.
func (m *logMatching) prune(f int) {
	m.ghost = append([]ghostSlot(nil), m.ghost[min(f-m.gbase, len(m.ghost)):]...)
	m.gbase = f
	var more [][]ghostEntry
	for i := range m.ghost {
		if g := &m.ghost[i]; g.rest > 1 {
			more = append(more, m.more[g.rest-2])
			g.rest = int32(len(more)) + 1
		}
	}
	m.more = more
}

// logView is a server's log as logMatching last saw it. Its chain is the
// log's own chain as it was then, not a copy: a digest once held at a
// position of a log's chain array is never overwritten there (raftLog),
// so the view goes on reading what the log held when it was seen, however
// the log changed since.
type logView struct {
	version uint64
	inst    *node
	base    int
	chain   []uint64 // the server's prefix digests from index base on, as last seen
}

func (m *logMatching) Check(c protocols.Cluster, ev protocols.Event) error {
	n := m.server(c, ev)
	if n == nil {
		return nil
	}
	return m.check(n, m.number(n.id))
}

// check is Check for server n, numbered k, found by the caller.
func (m *logMatching) check(n *node, k int) error {
	v := m.seen.at(k)
	if v.chain == nil {
		v.chain = []uint64{0}
	}
	if v.inst == n && v.version == n.log.version {
		return nil
	}
	nb, nlast := n.log.base, n.log.lastIndex()
	old := v.base + len(v.chain) - 1 // the last index seen
	var from int
	if v.base == nb && old <= nlast && v.chain[old-nb] == n.log.chain[old-nb] {
		// The common case, a log that grew by entries after all it held
		// when seen (the same digest there), answered as commonPrefixAt's
		// first comparison would, without the call.
		from = old + 1
	} else {
		from = commonPrefixAt(v.chain, v.base, n.log.chain, nb) + 1
	}
	if v.inst == n && v.base == nb && from <= old && from > nlast {
		v.inst = nil // report once; look afresh at the next change
		return protocols.Violationf(KindNeedlessTruncation, "%s deleted entries %d..%d of its log with no conflicting entry to replace them",
			n.id, from, old)
	}
	// The view becomes the log as it is now. (It used to be built from the
	// view's digests before from and the log's after: the digests before
	// from are the log's too, as the prefix digest at from-1, on which
	// they agree, fixes every one before it.)
	v.inst, v.version = n, n.log.version
	c := n.log.chain
	v.base, v.chain = nb, c[:len(c):len(c)] // capped: an append to the view could not write into the log's array
	for x := max(from, nb+1); x <= nlast; x++ {
		if err := m.record(n, int32(k), x); err != nil {
			return err
		}
	}
	if f := m.h.floor; f-m.gbase > pruneStep {
		m.prune(f)
	}
	return nil
}

// record checks entry x of n's log (n numbered who) against the ghost.
func (m *logMatching) record(n *node, who int32, x int) error {
	if x < m.gbase {
		return nil // below the horizon
	}
	if old := len(m.ghost); x-m.gbase >= old {
		m.ghost = room(m.ghost, x-m.gbase+1-old)[:x-m.gbase+1]
		clear(m.ghost[old:])
	}
	term, chain := n.log.entryAt(x).Term, n.log.chain[x-n.log.base]
	g := &m.ghost[x-m.gbase]
	if had, by, ok := m.find(g, term); ok {
		if had != chain {
			return protocols.Violationf(KindLogMatching, "%s holds entry %d/%d with a log before it that differs from the one %s had with that entry",
				n.id, x, term, m.servers[by])
		}
		return nil
	}
	m.add(g, ghostEntry{term: term, chain: chain, by: who})
	return nil
}

// leaderCompleteness: an entry committed in term U is in the log of every
// leader of a term after U (Figure 3). Committed entries form a prefix, so
// the ghost is the digest of every committed prefix, grown whenever a
// leader advances its commit index, with the term of the leader that first
// committed each index; a new leader of term T must hold the prefix
// committed in terms before T (in its log, or in its snapshot, whose digest
// stands for the prefix it compacted). (A leader of an old term can
// legitimately take office late, say after a pause with its votes queued,
// and need not hold what was committed in later terms.) A leader that
// commits an index already committed with a different entry is reported
// too. A leader that snapshots in the step that commits leaves no digest
// for the entries it committed before its snapshot index: those stay
// unknown (0) and are compared no more.
type leaderCompleteness struct {
	*lookup
	h         *horizon
	cbase     int              // committed[i] describes index cbase+i
	committed []committedEntry // one slice, not one per field: one allocation, and one copy, as it grows
}

// committedEntry is what leader completeness keeps of a committed index.
type committedEntry struct {
	chain uint64 // digest of the committed prefix ending here; 0 when unknown
	term  uint64 // the committed entry's term
	at    uint64 // the term in which the index was first committed
	by    int32  // the leader that first committed it, by number (lookup.servers)
}

func newLeaderCompleteness(l *lookup, h *horizon) *leaderCompleteness {
	return &leaderCompleteness{lookup: l, h: h, committed: []committedEntry{{}}}
}

func (m *leaderCompleteness) top() int { return m.cbase + len(m.committed) - 1 }

// entry returns the ghost's entry at index x, which it must hold.
func (m *leaderCompleteness) entry(x int) *committedEntry { return &m.committed[x-m.cbase] }

func (m *leaderCompleteness) Check(c protocols.Cluster, ev protocols.Event) error {
	n := m.server(c, ev)
	if n == nil {
		return nil
	}
	return m.check(n, m.number(n.id), ev.Notes)
}

// check is Check for server n (nil: none), numbered k, found by the
// caller, given the event's notes. It prunes after judging, whatever the verdict (a call,
// not a defer: it runs at most events of leaders).
func (m *leaderCompleteness) check(n *node, k int, notes []protocols.Note) error {
	if n == nil {
		return nil
	}
	err := m.judge(n, k, notes)
	m.prune()
	return err
}

// judge is check before pruning.
func (m *leaderCompleteness) judge(n *node, k int, notes []protocols.Note) error {
	for _, note := range notes {
		bl, ok := note.(BecameLeader)
		if !ok {
			continue
		}
		if x := m.missing(n, bl.Term); x > 0 {
			e := m.entry(x)
			return protocols.Violationf(KindLeaderCompleteness, "%s became leader of term %d without entry %d/%d, committed by %s in term %d",
				n.id, bl.Term, x, e.term, m.servers[e.by], e.at)
		}
	}
	if n.role != leader || n.commit == 0 {
		return nil
	}
	if x := min(n.commit, m.top()); x >= m.cbase {
		if e := m.entry(x); e.chain != 0 {
			if got, ok := n.log.chainAt(x); ok && got != e.chain {
				return protocols.Violationf(KindLeaderCompleteness, "leader %s of term %d committed index %d with a log that differs from the one %s committed",
					n.id, n.term, n.commit, m.servers[e.by])
			}
		}
	}
	if more := n.commit - m.top(); more > 0 {
		m.committed = room(m.committed, more)
	}
	for x := m.top() + 1; x <= n.commit; x++ {
		d, _ := n.log.chainAt(x)
		t, _ := n.log.term(x)
		m.committed = append(m.committed, committedEntry{chain: d, term: t, at: n.term, by: int32(k)})
	}
	return nil
}

// prune drops the ghost below the horizon. It runs after every event of a
// live server, leader or not, so it happens at the event that moved the
// horizon or the top (a SnapshotTaken note, a commit), which the suite
// never skips: the suite and the list keep the same ghost.
func (m *leaderCompleteness) prune() {
	if f := min(m.h.floor, m.top()); f-m.cbase > pruneStep {
		m.committed = append([]committedEntry(nil), m.committed[f-m.cbase:]...)
		m.cbase = f
	}
}

// missing returns the first index committed before term t whose entry n's
// log lacks, or 0. Commit terms never decrease along the log (a leader of
// an older term cannot commit past a newer one: a majority has moved on),
// so the prefix committed before t is found by binary search. The
// comparison is at the last known digest of that prefix, or at n's
// snapshot when the prefix ends inside it.
func (m *leaderCompleteness) missing(n *node, t uint64) int {
	c := m.cbase + sort.Search(len(m.committed), func(i int) bool { return m.committed[i].at >= t }) - 1
	if c < max(m.cbase, 1) {
		return 0 // nothing committed before t, or only below the horizon
	}
	if b := n.log.base; c <= b {
		// The prefix ends inside n's snapshot: the snapshot must be of it.
		if b <= m.top() && m.entry(b).chain != 0 && n.log.chain[0] != m.entry(b).chain {
			return c
		}
		return 0
	}
	k := c
	for k > max(n.log.base, m.cbase) && m.entry(k).chain == 0 {
		k-- // a digest the monitor never saw: compare at the last it did
	}
	if m.entry(k).chain == 0 && k > 0 {
		return 0
	}
	if got, ok := n.log.chainAt(k); ok && got == m.entry(k).chain {
		return 0
	}
	x := m.commonPrefixAt(c, n.log.chain, n.log.base) + 1
	return min(max(x, m.cbase, n.log.base+1), c)
}

// commonPrefixAt is commonPrefixAt(a, m.cbase, b, bbase), where a is the
// committed digests up to index c, read in place: the same probes, so the
// same answer.
func (m *leaderCompleteness) commonPrefixAt(c int, b []uint64, bbase int) int {
	lo := max(m.cbase, bbase)
	hi := min(c+1, bbase+len(b)) - 1
	if hi < lo {
		return lo - 1
	}
	if m.entry(hi).chain == b[hi-bbase] {
		return hi
	}
	if m.entry(lo).chain != b[lo-bbase] {
		return lo - 1
	}
	for lo < hi-1 { // a and b agree at lo and differ at hi
		mid := (lo + hi) / 2
		if m.entry(mid).chain == b[mid-bbase] {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// commitCurrentTerm: a leader advances its commit index only to an entry
// of its own term (§5.4.2, Figure 8; ongardie's TLA+ spec states it the
// same way). Earlier entries commit with it, indirectly. Breaking the rule
// is harmless until a Figure 8 schedule comes along, so the monitor checks
// the rule itself: a run that exercises the bug is caught even when it is
// lucky.
type commitCurrentTerm struct {
	*lookup
	seen byNumber[commitView] // by server number: the zero view for a server not leading
}

// commitView is a leader's commit index as last seen; the zero view, of
// no incarnation, matches no server.
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
	return m.check(n, m.number(n.id))
}

// check is Check for server n, numbered k, found by the caller.
func (m *commitCurrentTerm) check(n *node, k int) error {
	p := m.seen.at(k)
	if n.role != leader {
		*p = commitView{}
		return nil
	}
	v, now := *p, commitView{inst: n, term: n.term, commit: n.commit}
	*p = now
	if v.inst == n && v.term == n.term && n.commit > v.commit {
		if t, _ := n.log.term(n.commit); t != n.term {
			return protocols.Violationf(KindCommitCurrentTerm, "leader %s of term %d advanced its commit index to %d, an entry of term %d",
				n.id, n.term, n.commit, t)
		}
	}
	return nil
}

// stateMachineSafety: no two servers apply different entries at one index
// (Figure 3), and each server applies indexes in order, one incarnation at
// a time. The ghost is the first entry applied at each index, by anyone. A
// server whose state machine becomes a snapshot's (Restored) goes on from
// the snapshot's index, which must be the term applied there by others and
// must not take a live server back past what it applied.
type stateMachineSafety struct {
	*lookup
	h       *horizon
	clients *kv.ClientNumbers // shared with the monitors that key requests by client number
	abase   int               // applied[i] describes index abase+i
	applied []appliedEntry
	last    byNumber[int] // by server number, the last index applied by this incarnation (0: none)
}

// appliedEntry is the ghost's entry at one index: the first Applied note
// seen there, where the note holds it (a note's value is never written
// again: protocols.NoteValue), instead of a copy of its hundred bytes.
// The pointer keeps the note's whole slab chunk (64 notes) alive until
// the ghost prunes the index: when the first server to apply alternates,
// every server's chunks stay, up to about 128 bytes an index for each
// server, against the hundred the copy took. Memory only; never a verdict.
type appliedEntry struct {
	note   *kv.Applied
	by     int32 // the server that applied it first, by number (lookup.servers)
	client int32 // its request's client's number (kv.KeyOf): an entry the ghost holds keys itself for every other server
	// known is the suite's (suite.learn): when it is the suite's current
	// stamp, acked-write-lost and exactly-once hold req as executed, and
	// exactly-once holds it executed here.
	known uint32
}

func newStateMachineSafety(l *lookup, h *horizon, clients *kv.ClientNumbers) *stateMachineSafety {
	return &stateMachineSafety{lookup: l, h: h, clients: clients, applied: []appliedEntry{{}}}
}

func (m *stateMachineSafety) Check(_ protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		m.prune() // a fault: no notes
		return nil
	}
	return m.check(&ev, m.number(ev.Node))
}

// check is Check for node ev.Node, numbered k: checkApplied, with the
// event's Applied notes sorted out here rather than by the suite.
func (m *stateMachineSafety) check(ev *protocols.Event, k int) error {
	var applied []kv.AppliedRequest
	restored := false
	for i, note := range ev.Notes {
		switch note.(type) {
		case Restored:
			restored = true
		case Applied:
			applied = append(applied, kv.AppliedRequest{Applied: protocols.NoteValue[Applied](&ev.Notes[i])})
		}
	}
	return m.checkApplied(ev, k, applied, restored)
}

// checkApplied is check for an event of node ev.Node, numbered k, given
// its Applied notes, in order, and its Restored notes (restored: it holds
// some), whose places among the Applied notes ev.Notes shows. It keys each
// applied request (kv.AppliedRequest) for the monitors that follow it.
func (m *stateMachineSafety) checkApplied(ev *protocols.Event, k int, applied []kv.AppliedRequest, restored bool) error {
	last := m.start(ev, k) // one server applies them all
	if restored {
		i := 0
		for _, note := range ev.Notes {
			switch a := note.(type) {
			case Restored:
				if err := m.restored(ev.Node, last, a); err != nil {
					return err
				}
			case Applied:
				if err := m.apply(ev.Node, k, last, &applied[i]); err != nil {
					return err
				}
				i++
			}
		}
	} else {
		for i := range applied {
			if err := m.apply(ev.Node, k, last, &applied[i]); err != nil {
				return err
			}
		}
	}
	m.prune()
	return nil
}

// start returns where the last index applied by server k is kept,
// forgotten at its Start: a new incarnation re-applies from the start, or
// from a snapshot.
func (m *stateMachineSafety) start(ev *protocols.Event, k int) *int {
	last := m.last.at(k)
	if ev.Input == protocols.Start {
		*last = 0
	}
	return last
}

// restored checks a Restored note of server id, the last index it applied
// being at *last (0: none, or none since it started).
func (m *stateMachineSafety) restored(id protocols.NodeID, last *int, a Restored) error {
	if prev := *last; a.Index < prev {
		return protocols.Violationf(KindStateMachineSafety, "%s's state machine went back from index %d to a snapshot at %d",
			id, prev, a.Index)
	}
	if x := a.Index - m.abase; x > 0 && x < len(m.applied) && m.applied[x].note.Term != a.Term {
		g := m.applied[x].note
		return protocols.Violationf(KindStateMachineSafety, "%s restored a snapshot ending at %d/%d where %s applied %s",
			id, a.Index, a.Term, m.servers[m.applied[x].by], describe(g.Term, g.Req))
	}
	*last = a.Index
	return nil
}

// apply checks a at index a.Index, applied by server id, numbered k, the
// last index it applied before being at *p, and sets a.Key. The ghost
// keeps the client's number of the first entry applied at each index:
// every other server applies that very request there (or this monitor
// reports it), so its key is found without looking the client up again.
func (m *stateMachineSafety) apply(id protocols.NodeID, k int, p *int, a *kv.AppliedRequest) error {
	if want := *p + 1; a.Index != want {
		return protocols.Violationf(KindStateMachineSafety, "%s applied index %d when %d was next", id, a.Index, want)
	}
	*p = a.Index
	x := a.Index - m.abase
	switch {
	case x > 0 && x < len(m.applied):
		g := &m.applied[x]
		if g.note.Term != a.Term || !sameRequest(&g.note.Req, &a.Req) {
			return protocols.Violationf(KindStateMachineSafety, "%s applied %s at index %d where %s applied %s",
				id, describe(a.Term, a.Req), a.Index, m.servers[g.by], describe(g.note.Term, g.note.Req))
		}
		a.Key = kv.RequestKey{Client: g.client, Seq: a.Req.Seq}
		return nil
	case x == len(m.applied):
		a.Key = kv.KeyOf(m.clients, a.Applied)
		m.applied = append(room(m.applied, 1), appliedEntry{note: a.Applied, by: int32(k), client: a.Key.Client})
	default:
		a.Key = kv.KeyOf(m.clients, a.Applied) // below the horizon, or past the ghost's end
	}
	return nil
}

// sameRequest reports whether *a == *b. Every server applies each request,
// and a request's strings are the client's own, passed from server to
// server without a copy: comparing where they point first (SameString)
// spares the calls to compare their bytes that == makes.
func sameRequest(a, b *kv.Request) bool {
	return a.Seq == b.Seq && a.Deadline == b.Deadline && a.Attempt == b.Attempt && a.Op.Kind == b.Op.Kind &&
		protocols.SameString(a.Client, b.Client) && protocols.SameString(a.Op.Key, b.Op.Key) &&
		protocols.SameString(a.Op.Value, b.Op.Value) && protocols.SameString(a.Context, b.Context)
}

// entryAt returns the ghost's entry at index x, or nil.
func (m *stateMachineSafety) entryAt(x int) *appliedEntry {
	if i := x - m.abase; i > 0 && i < len(m.applied) {
		return &m.applied[i]
	}
	return nil
}

// top returns the index of the ghost's last entry.
func (m *stateMachineSafety) top() int { return m.abase + len(m.applied) - 1 }

func (m *stateMachineSafety) prune() {
	if f := min(m.h.floor, m.abase+len(m.applied)-1); f-m.abase > pruneStep {
		m.applied = append([]appliedEntry(nil), m.applied[f-m.abase:]...)
		m.abase = f
	}
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
	h        *horizon
	clients  *kv.ClientNumbers
	executed kv.RequestPositions        // where each request was first executed
	acked    kv.IndexMap[kv.RequestKey] // by log index: the acknowledged write executed there
	ackedTop int                        // no index above it is in acked
	top      []uint64                   // each client's highest executed sequence number, by clients' index
	limit    int                        // prune when executed and acked hold more than this
	pruned   uint32                     // how many times it pruned: the only change that takes a request out of executed
}

func newAckedWriteLost(h *horizon, clients *kv.ClientNumbers) *ackedWriteLost {
	return &ackedWriteLost{h: h, clients: clients, limit: ackedLimit}
}

// ackedLimit bounds the requests ackedWriteLost remembers before it prunes:
// it then forgets each client's requests older than its last ackedWindow,
// and acknowledged writes below the horizon, which no server applies again.
// Only deletions depend on the maps' order, so the result does not.
const (
	ackedLimit  = 8192
	ackedWindow = 1024
)

func (m *ackedWriteLost) prune() {
	m.pruned++
	m.executed.Forget(ackedWindow, m.top)
	m.acked.ForgetBelow(uint64(m.h.floor) + 1)
	m.limit = max(ackedLimit, 2*(m.executed.Len()+m.acked.Len()))
}

func (m *ackedWriteLost) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		switch note := note.(type) {
		case Applied:
			if err := m.apply(ev.Node, &note, kv.KeyOf(m.clients, &note)); err != nil {
				return err
			}
		case kv.Completed:
			if err := m.completed(note); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkApplied is Check for an event of node id with no Completed note,
// given its Applied notes, in order, keyed.
func (m *ackedWriteLost) checkApplied(id protocols.NodeID, applied []kv.AppliedRequest) error {
	for i := range applied {
		a, k := applied[i].Applied, applied[i].Key
		if m.repeats(a, k) {
			continue
		}
		if err := m.apply(id, a, k); err != nil {
			return err
		}
	}
	return nil
}

// repeats reports whether apply would find nothing in a, keyed k, and
// change nothing: most entries repeat a request executed before (or not
// executed), at an index where no other write was acknowledged, and a
// no-op lies where no write was.
func (m *ackedWriteLost) repeats(a *Applied, k kv.RequestKey) bool {
	if a.Req.Client != "" && a.Outcome == kv.Executed {
		if _, ok := m.executed.Get(k); !ok {
			return false
		}
	}
	w, acked := m.ackedAt(a.Index)
	return !acked || a.Req.Client != "" && w == k
}

// apply checks a, keyed k, applied by server id.
func (m *ackedWriteLost) apply(id protocols.NodeID, a *Applied, k kv.RequestKey) error {
	if a.Req.Client == "" {
		if w, ok := m.ackedAt(a.Index); ok {
			return m.lost(id, a, w)
		}
		return nil
	}
	if a.Outcome == kv.Executed {
		if _, ok := m.executed.Get(k); !ok {
			m.executed.Add(k, a.Index)
			for int(k.Client) >= len(m.top) { // a client first numbered by another monitor
				m.top = append(m.top, 0)
			}
			m.top[k.Client] = max(m.top[k.Client], k.Seq)
			if m.executed.Len()+m.acked.Len() > m.limit {
				m.prune()
			}
		}
	}
	if w, ok := m.ackedAt(a.Index); ok && w != k {
		return m.lost(id, a, w)
	}
	return nil
}

// ackedAt returns the acknowledged write executed at index x, if any.
// Only completed adds to acked, and it raises ackedTop to the index it
// adds (pruning only drops), so an index above ackedTop holds none: the
// entries applied past every acknowledged write, most of them, are
// answered without a lookup (which falls through to acked's map there).
func (m *ackedWriteLost) ackedAt(x int) (kv.RequestKey, bool) {
	if x > m.ackedTop {
		return kv.RequestKey{}, false
	}
	return m.acked.Get(uint64(x))
}

func (m *ackedWriteLost) completed(c kv.Completed) error {
	if !c.Op.IsWrite() {
		return nil
	}
	k := kv.RequestKey{Client: m.clients.Of(c.Client), Seq: c.Seq}
	idx, ok := m.executed.Get(k)
	if !ok {
		return protocols.Violationf(KindAckedWriteLost, "%s#%d %s was acknowledged by %s but no server has executed it",
			c.Client, c.Seq, c.Op, c.Server)
	}
	m.acked.Set(uint64(idx), k)
	m.ackedTop = max(m.ackedTop, idx)
	return nil
}

func (m *ackedWriteLost) lost(id protocols.NodeID, a *Applied, w kv.RequestKey) error {
	return protocols.Violationf(KindAckedWriteLost, "%s applied %s at index %d, where acknowledged write %s#%d was executed",
		id, describe(a.Term, a.Req), a.Index, m.clients.Name(w.Client), w.Seq)
}

// configSafety judges configurations (thesis chapter 4). The ghost is the
// latest committed configuration, taken from leaders as their commit index
// passes a change. disjoint-majorities: a server that takes office must be
// in a configuration whose majorities all overlap every majority of the
// committed one, or a leader of the committed configuration and this one
// could each be elected, or commit, without the other. config-change-rule
// checks the rule that keeps them so, the way commit-current-term checks
// Figure 8's: a leader appends a change only once the previous change is
// committed, and once it has committed an entry of its own term; breaking
// it is harmless until the wrong crash comes along.
type configSafety struct {
	*lookup
	committed   Config
	committedAt int                // the index of the change that made it (or the snapshot index it came from)
	committedIn uint64             // the term of the first leader seen to commit past it
	known       bool               // some leader has committed past a configuration
	seen        byNumber[confView] // by server number: the zero view for a server not leading
}

// confView is what configSafety last saw of a leader; the zero view, of
// no incarnation, matches no server.
type confView struct {
	inst *node
	term uint64
	last int // the leader's last configuration change index, as last seen
}

func (m *configSafety) Check(c protocols.Cluster, ev protocols.Event) error {
	n := m.server(c, ev)
	if n == nil {
		return nil
	}
	return m.check(n, m.number(n.id), ev.Notes)
}

// check is Check for server n, numbered k, found by the caller, given the
// event's notes.
func (m *configSafety) check(n *node, k int, notes []protocols.Note) error {
	for _, note := range notes {
		// A leader of a term before the one the committed configuration
		// was committed in is harmless, however stale its configuration:
		// it won its votes before that commit (a server paused as a
		// candidate takes office when it resumes), and every majority of
		// its configuration holds a server that has since moved to a later
		// term, which refuses its entries. The hazard is a leader of a
		// later term (Ongaro's single-server change bug).
		if bl, ok := note.(BecameLeader); ok && m.known && bl.Term == n.term && n.term > m.committedIn {
			if cfg := n.log.config(); disjointMajorities(cfg, m.committed) {
				return protocols.Violationf(KindDisjointMajorities, "%s took office in term %d with configuration %s, whose majorities need not overlap those of the committed configuration %s",
					n.id, n.term, cfg, m.committed)
			}
		}
	}
	p := m.seen.at(k)
	if n.role != leader {
		*p = confView{}
		return nil
	}
	if at := n.log.confIndexAt(n.commit); !m.known || at > m.committedAt {
		m.committed, m.committedAt, m.committedIn, m.known = n.log.configAt(n.commit), at, n.term, true
	}
	last := n.log.lastConfIndex()
	v := *p
	*p = confView{inst: n, term: n.term, last: last}
	if v.inst == n && v.term == n.term && last > v.last && last > n.log.base {
		if e := n.log.entry(last); e.Term == n.term {
			return m.rule(n, last, *e.Conf)
		}
	}
	return nil
}

// rule checks the change a leader just appended at index x.
func (m *configSafety) rule(n *node, x int, cc ConfChange) error {
	prev := n.log.base
	for k := len(n.log.confIdx) - 1; k >= 0; k-- {
		if n.log.confIdx[k] < x {
			prev = n.log.confIdx[k]
			break
		}
	}
	if prev > n.commit {
		return protocols.Violationf(KindConfigChangeRule, "leader %s of term %d appended %s at index %d while the change at %d was not committed (commit %d)",
			n.id, n.term, cc, x, prev, n.commit)
	}
	if t, _ := n.log.term(n.commit); t != n.term && n.commit < x {
		return protocols.Violationf(KindConfigChangeRule, "leader %s of term %d appended %s at index %d before committing an entry of its term (its commit index %d is of term %d)",
			n.id, n.term, cc, x, n.commit, t)
	}
	return nil
}

// byNode is a tiny map from node to value, for leader-unelected's last
// elections won, which it reads only at a leader's rare changes: a scan of
// a short slice costs less than hashing a string.
type byNode[V any] []struct {
	id protocols.NodeID
	v  V
}

// index returns where id is, or -1.
func (m *byNode[V]) index(id protocols.NodeID) int {
	for i := range *m {
		if protocols.SameString((*m)[i].id, id) {
			return i
		}
	}
	return -1
}

func (m *byNode[V]) get(id protocols.NodeID) (V, bool) {
	if i := m.index(id); i >= 0 {
		return (*m)[i].v, true
	}
	var zero V
	return zero, false
}

func (m *byNode[V]) set(id protocols.NodeID, v V) {
	*m.slot(id) = v
}

// slot returns where id's value is kept, adding the zero value if id has
// none yet.
func (m *byNode[V]) slot(id protocols.NodeID) *V {
	i := m.index(id)
	if i < 0 {
		i = len(*m)
		*m = append(*m, struct {
			id protocols.NodeID
			v  V
		}{id: id})
	}
	return &(*m)[i].v
}
