package kv

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// Applied is the Note a replicated KV server emits for every entry of its
// log (an index, a slot, a sequence number) it applies to its Machine, in
// order, and again after a restart if it rebuilds the Machine by replaying
// its log. Term is the term, ballot or view the entry was proposed in.
// Outcome says whether the request took effect or was a duplicate; a no-op
// (zero Req) is Executed.
type Applied struct {
	Index   int
	Term    uint64
	Req     Request // zero for a no-op
	Outcome Outcome
}

// AppliedIndex implements protocols.AppliedNote, for the shared
// convergence check.
func (n Applied) AppliedIndex() int { return n.Index }

// String renders the note as applied 5/2 c1#7 put(k1,c1.7) executed.
func (n Applied) String() string {
	b := append([]byte("applied "), strconv.Itoa(n.Index)...)
	b = append(b, '/')
	b = strconv.AppendUint(b, n.Term, 10)
	if n.Req.Client == "" {
		return string(append(b, " noop"...))
	}
	b = append(b, ' ')
	b = append(b, n.Req.ID()...)
	b = append(b, ' ')
	b = append(b, n.Req.Op.String()...)
	b = append(b, ' ')
	b = append(b, n.Outcome.String()...)
	return string(b)
}

// AppliedMonitor is a monitor of Applied notes that also takes them
// already picked out of an event: a suite of monitors several of which
// read them (raft.MonitorSuite) picks them out of each event once, and
// numbers their clients once, instead of each monitor asserting every
// note's type, copying every Applied and looking up every client.
// CheckApplied(c, id, applied) judges as Check(c, ev) would when ev is an
// event of node id and applied holds its Applied notes in order, each
// keyed under the ClientNumbers the monitor was made with (each monitor
// says which other notes ev must not hold).
type AppliedMonitor interface {
	protocols.Monitor
	CheckApplied(c protocols.Cluster, id protocols.NodeID, applied []AppliedRequest) error
}

// AppliedRequest is an Applied note, as a suite hands it on, with its
// request's key under the monitors' ClientNumbers (Key.Client is -1 for
// a no-op, whose client is never numbered).
type AppliedRequest struct {
	*Applied
	Key RequestKey
}

// KeyOf returns a's key, numbering its client under clients if new.
func KeyOf(clients *ClientNumbers, a *Applied) RequestKey {
	if a.Req.Client == "" {
		return RequestKey{Client: -1, Seq: a.Req.Seq}
	}
	return RequestKey{Client: clients.Of(a.Req.Client), Seq: a.Req.Seq}
}

// grow returns top, a value by client number, long enough to be indexed
// by c: with clients numbered by several monitors, a monitor's first
// client may have any number.
func grow(top []uint64, c int32) []uint64 {
	for int(c) >= len(top) {
		top = append(top, 0)
	}
	return top
}

// Followers is the exactly-once and stale-reads monitors of one run (made
// by ExactlyOnceNumbering and StaleReadsNumbering) as a suite that runs
// them sees them (raft.MonitorSuite): it asks, entry by entry as it keys
// them, whether either would act on an entry (Repeats), and shows them
// only the entries from the first one would act on. Nearly every entry is
// a request that every server but the first applies again: a loop of the
// suite's own over them stands for each monitor's loop, and for the calls.
type Followers struct {
	once  *exactlyOnce
	stale *staleReads
}

// FollowersOf returns once and stale, made by ExactlyOnceNumbering and
// StaleReadsNumbering, as Followers.
func FollowersOf(once, stale AppliedMonitor) Followers {
	return Followers{once: once.(*exactlyOnce), stale: stale.(*staleReads)}
}

// Repeats reports whether a, keyed, is an entry that CheckApplied of
// neither monitor would act on, in the state they are in, whoever applied
// it: exactly-once passes over a no-op, a request not executed, and a
// request executed where it was executed before; stale reads, over any
// entry but the one after the last applied anywhere. Neither then fails
// nor changes anything, so CheckApplied of the entries after a run of
// such entries ends as CheckApplied of all would, and reports what it
// would.
func (f Followers) Repeats(a *AppliedRequest) bool {
	if a.Index == f.stale.applied+1 {
		return false
	}
	if a.Outcome != Executed || a.Req.Client == "" {
		return true
	}
	prev, seen := f.once.at.Get(a.Key)
	return seen && prev == a.Index
}

// RepeatsExecuted is Repeats for an entry whose request exactly-once holds
// as executed at a.Index (ExecutedAt): only stale reads may act on it.
func (f Followers) RepeatsExecuted(a *AppliedRequest) bool { return a.Index != f.stale.applied+1 }

// ExecutedAt returns where exactly-once holds request k executed, if it
// does. It goes on holding it there until it forgets requests (Forgot).
func (f Followers) ExecutedAt(k RequestKey) (int, bool) { return f.once.at.Get(k) }

// Forgot returns how many times exactly-once has forgotten requests: the
// only change that can take a request out of it.
func (f Followers) Forgot() uint32 { return f.once.pruned }

// ExactlyOnce returns a monitor that fails when the replicated state
// machine executes one client request twice: two different log positions
// both apply the same (client, sequence number) with outcome Executed.
// At-most-once is the Machine's job (its session table); this checks it
// directly, rather than hoping a later read exposes the duplicate (an
// append applied twice) or not (a put applied twice is invisible to reads).
// A server replaying its log after a restart re-applies at the same
// positions, which is fine.
//
// Its memory is bounded for long runs: it remembers a client's requests
// only while they are among that client's last onceWindow executed ones, so
// a request executed again more than that many operations later goes
// unnoticed (a client has one operation outstanding, so a duplicate follows
// its original closely).
//
// Its CheckApplied (AppliedMonitor) takes any event: Applied notes are all
// it reads.
func ExactlyOnce() AppliedMonitor { return ExactlyOnceNumbering(&ClientNumbers{}) }

// ExactlyOnceNumbering is ExactlyOnce numbering clients with clients,
// which other monitors of the run may share (CheckApplied takes keys
// under it).
func ExactlyOnceNumbering(clients *ClientNumbers) AppliedMonitor {
	return &exactlyOnce{clients: clients, limit: onceLimit}
}

// onceWindow is how many of each client's latest requests ExactlyOnce
// remembers; it prunes when it holds more than limit requests in all.
const (
	onceWindow = 1024
	onceLimit  = 8192
)

type exactlyOnce struct {
	clients *ClientNumbers
	at      RequestPositions // where each request was executed
	top     []uint64         // each client's highest executed sequence number, by clients' index
	limit   int              // prune when at holds more requests than this
	pruned  uint32           // how many times it pruned (Followers.Forgot)
}

// prune forgets requests older than their client's last onceWindow.
func (m *exactlyOnce) prune() {
	m.pruned++
	m.at.Forget(onceWindow, m.top)
	m.limit = max(onceLimit, 2*m.at.Len())
}

func (m *exactlyOnce) Check(c protocols.Cluster, ev protocols.Event) error {
	byz := byzantine{c: c, id: ev.Node}
	for _, n := range ev.Notes {
		if a, ok := n.(Applied); ok {
			if err := m.apply(&byz, &a, KeyOf(m.clients, &a)); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckApplied implements AppliedMonitor.
func (m *exactlyOnce) CheckApplied(c protocols.Cluster, id protocols.NodeID, applied []AppliedRequest) error {
	byz := byzantine{c: c, id: id}
	for i := range applied {
		a := applied[i].Applied
		if a.Outcome != Executed || a.Req.Client == "" {
			continue
		}
		// Most entries are requests executed where they were executed
		// before (every server but the first applies each): apply would
		// return at once, so it is not called.
		prev, seen := m.at.Get(applied[i].Key)
		if seen && prev == a.Index {
			continue
		}
		if err := m.executed(&byz, a, applied[i].Key, prev, seen); err != nil {
			return err
		}
	}
	return nil
}

// apply checks a, keyed k, applied by node byz.id.
func (m *exactlyOnce) apply(byz *byzantine, a *Applied, k RequestKey) error {
	if a.Outcome != Executed || a.Req.Client == "" {
		return nil
	}
	prev, seen := m.at.Get(k)
	if seen && prev == a.Index {
		return nil
	}
	return m.executed(byz, a, k, prev, seen)
}

// executed checks request a, keyed k, executed by node byz.id where it
// was not executed before (prev, seen: where it was, if anywhere). A
// request executed where it was executed before (every server but the
// first to apply its entry) is fine, and changes nothing, whoever applies
// it: the callers return before asking the cluster whether the node is
// byzantine. (Numbering a byzantine node's client changes no verdict: the
// numbers only stand for the names.)
func (m *exactlyOnce) executed(byz *byzantine, a *Applied, k RequestKey, prev int, seen bool) error {
	if byz.is() {
		return nil
	}
	switch {
	case !seen:
		m.at.Add(k, a.Index)
		m.top = grow(m.top, k.Client)
		m.top[k.Client] = max(m.top[k.Client], k.Seq)
		if m.at.Len() > m.limit {
			m.prune()
		}
	case prev != a.Index:
		return protocols.Violationf("exactly-once", "%s executed %s %s at index %d, but it was already executed at index %d",
			byz.id, a.Req.ID(), a.Req.Op, a.Index, prev)
	}
	return nil
}

// byzantine asks the cluster whether the node that stepped in an event is
// byzantine once in the event, when first needed: an event may apply a
// few entries, and the cluster's answer is a lookup by name.
type byzantine struct {
	c          protocols.Cluster
	id         protocols.NodeID
	asked, yes bool
}

func (b *byzantine) is() bool {
	if !b.asked {
		b.yes, b.asked = b.c.Byzantine(b.id), true
	}
	return b.yes
}

// StaleReads returns a monitor that catches a read that misses a write
// committed before the read began. It keeps a ghost Machine that applies
// the replicated log in index order, as servers report it (Applied notes),
// and for each get it notes how far the log had been applied anywhere when
// the client invoked it. A get's result must be the key's value at that
// point or at some later point of the log: a server that answers from
// state older than that (a deposed leader reading locally, a follower
// serving reads) is caught here at once, and by name, before any
// linearizability check of the whole history. It assumes one log order
// for all servers, as Raft, Multi-Paxos and PBFT have; state-machine
// safety is another monitor's job. Its memory is bounded for long runs: a
// key's values older than every outstanding get are dropped as it goes.
func StaleReads() AppliedMonitor { return StaleReadsNumbering(&ClientNumbers{}) }

// StaleReadsNumbering is StaleReads numbering clients with clients, which
// other monitors of the run may share.
func StaleReadsNumbering(clients *ClientNumbers) AppliedMonitor {
	return &staleReads{clients: clients, sm: NewMachine(), versions: map[string][]version{}, pruneAt: staleReadsPrune}
}

// staleReadsPrune is how many applied entries pass between prunings.
const staleReadsPrune = 4096

type staleReads struct {
	clients  *ClientNumbers
	sm       *Machine
	applied  int                  // the log is applied up to here, by some server
	gets     outstandingGets      // gets invoked and not yet completed or abandoned
	versions map[string][]version // each key's values, by the index that set them
	pruneAt  int                  // prune when applied reaches here
}

// prune drops each key's values set before the oldest outstanding get was
// invoked, keeping the one current then: judge never looks further back.
// Only deletions depend on the maps' order, so the result does not.
func (m *staleReads) prune() {
	floor := m.applied
	for _, gs := range m.gets {
		for _, g := range gs {
			floor = min(floor, g.from)
		}
	}
	for k, vs := range m.versions {
		i := 0
		for i+1 < len(vs) && vs[i+1].index <= floor {
			i++
		}
		if i > 0 {
			m.versions[k] = append(vs[:0:0], vs[i:]...)
		}
	}
	m.pruneAt = m.applied + staleReadsPrune
}

type pendingGet struct {
	seq  uint64 // the get's sequence number; its client is its list's
	op   Op
	from int // the log was applied up to here when the get was invoked
}

// outstandingGets maps requests to pending gets, as a
// map[RequestKey]pendingGet would, without hashing: a list per client,
// indexed by its number. A client has one operation outstanding at a time
// (a few, when it gives up on some), so each list is short and a scan
// costs less than hashing a key at every get a client invokes or
// completes. The zero value is empty.
type outstandingGets [][]pendingGet

// at returns where request k's get is in its client's list, or -1.
func (o outstandingGets) at(k RequestKey) int {
	if int(k.Client) < len(o) {
		gs := o[k.Client]
		for i := range gs {
			if gs[i].seq == k.Seq {
				return i
			}
		}
	}
	return -1
}

func (o outstandingGets) get(k RequestKey) (pendingGet, bool) {
	if i := o.at(k); i >= 0 {
		return o[k.Client][i], true
	}
	return pendingGet{}, false
}

// set records g (whose seq is k.Seq) as request k's get, in place of any
// before it.
func (o *outstandingGets) set(k RequestKey, g pendingGet) {
	if i := o.at(k); i >= 0 {
		(*o)[k.Client][i] = g
		return
	}
	for int(k.Client) >= len(*o) {
		*o = append(*o, nil)
	}
	(*o)[k.Client] = append((*o)[k.Client], g)
}

func (o outstandingGets) delete(k RequestKey) {
	if i := o.at(k); i >= 0 {
		o[k.Client] = append(o[k.Client][:i], o[k.Client][i+1:]...)
	}
}

type version struct {
	index int
	value string
}

func (m *staleReads) Check(c protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case Applied:
			m.apply(c, ev.Node, &n)
		case Invoked:
			k := RequestKey{m.clients.Of(n.Client), n.Seq}
			if n.Op.Kind == Get {
				m.gets.set(k, pendingGet{seq: n.Seq, op: n.Op, from: m.applied})
			} else {
				m.gets.delete(k)
			}
		case Abandoned:
			m.gets.delete(RequestKey{m.clients.Of(n.Client), n.Seq})
		case Completed:
			k := RequestKey{m.clients.Of(n.Client), n.Seq}
			g, ok := m.gets.get(k)
			if !ok || g.op != n.Op {
				continue
			}
			m.gets.delete(k)
			if err := m.judge(n, g.from); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckApplied implements AppliedMonitor: ev must hold no Invoked,
// Completed or Abandoned note.
func (m *staleReads) CheckApplied(c protocols.Cluster, id protocols.NodeID, applied []AppliedRequest) error {
	for i := range applied {
		// Only the entry after the last one applied anywhere moves the
		// ghost; apply returns at once for any other (most: every server
		// but the first applies each), so it is not called.
		if applied[i].Index == m.applied+1 {
			m.apply(c, id, applied[i].Applied)
		}
	}
	return nil
}

// apply follows the log as servers apply it; it never fails.
func (m *staleReads) apply(c protocols.Cluster, id protocols.NodeID, n *Applied) {
	if n.Index != m.applied+1 || c.Byzantine(id) {
		return // already known, or a replica out of order (another monitor's business)
	}
	m.applied = n.Index
	if m.applied >= m.pruneAt {
		m.prune()
	}
	if n.Req.Client == "" || n.Outcome != Executed || n.Req.Op.Kind == Get {
		return
	}
	m.sm.Apply(n.Req)
	k := n.Req.Op.Key
	m.versions[k] = append(m.versions[k], version{n.Index, m.sm.Value(k)})
}

// firstAfter returns where the first of vs set after index from is
// (len(vs): none is). The versions are in index order: it bisects, as a
// key may have thousands between prunings, with the comparison written
// out (slices.BinarySearchFunc calls a function at every step).
func firstAfter(vs []version, from int) int {
	lo, hi := 0, len(vs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if vs[mid].index <= from {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// judge checks a completed get against the key's values from index from on.
func (m *staleReads) judge(n Completed, from int) error {
	vs := m.versions[n.Op.Key]
	// The value current at index from, then every value set after it.
	i := firstAfter(vs, from)
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
	return protocols.Violationf("stale-read", "%s's get(%s) returned %q from %s, but when it was invoked the log was applied up to index %d, where %s = %q",
		n.Client, n.Op.Key, n.Output, n.Server, from, n.Op.Key, current)
}
