package protocols

import (
	"slices"
	"strings"
	"unsafe"

	"github.com/dsimlab/dsim/clock"
)

// Checks every protocol of a kind shares, so that each does not write its
// own: a leader exists after healing, every node is up after healing, and
// every live replica has caught up with the others.

// HasLeader is the end-of-run check of leader-based protocols: after the
// healing phase some live server leads (Status.Leader), in a term no live
// server has passed.
func HasLeader(c Cluster) error {
	var leader NodeID
	var leaderTerm, maxTerm uint64
	up := 0
	for _, id := range c.Servers() {
		n := c.Node(id)
		if n == nil || c.Byzantine(id) {
			continue
		}
		up++
		leads, term := LeadershipOf(n)
		maxTerm = max(maxTerm, term)
		if leads && term >= leaderTerm {
			leader, leaderTerm = id, term
		}
	}
	switch {
	case up == 0:
		return Violationf("liveness", "no server is up after the healing phase")
	case leader == "":
		return Violationf("liveness", "no leader after the healing phase (highest term %d)", maxTerm)
	case leaderTerm < maxTerm:
		return Violationf("liveness", "%s leads term %d, but a server is in term %d: no current leader after the healing phase", leader, leaderTerm, maxTerm)
	}
	return nil
}

// AllUp is a sanity check of the healing phase, which restarts every node:
// a server still down at the end means the run was cut short.
func AllUp(c Cluster) error {
	var down []string
	for _, id := range c.Servers() {
		if c.Node(id) == nil {
			down = append(down, string(id))
		}
	}
	if len(down) > 0 {
		return Violationf("liveness", "%s still down at the end of the healing phase", strings.Join(down, ", "))
	}
	return nil
}

// SameString reports whether a == b, for code that finds a name (a node,
// a client, a key, a message kind) by scanning a short list after every
// event. Such names are almost always the very strings the world or the
// protocol handed out, so it compares where they point first; names that
// differ most often differ in their last byte (n1, n2, ...), which it
// compares next. Either answers without a call to compare bytes, which a
// scan of short names otherwise pays at every entry it passes.
func SameString[S ~string](a, b S) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || unsafe.StringData(string(a)) == unsafe.StringData(string(b)) {
		return true
	}
	return a[len(a)-1] == b[len(b)-1] && a == b
}

// IndexOfString returns the position of s in list, or -1, looking for
// where s points first, as SameString does: the names and keys a node
// keeps (its peers, its clients' sessions) are nearly always the very
// strings it is handed again, so a scan comparing pointers, a few
// instructions an entry, finds them; a scan comparing text finds the rest.
func IndexOfString[S ~string](list []S, s S) int {
	p := unsafe.StringData(string(s))
	for i, x := range list {
		if unsafe.StringData(string(x)) == p && len(x) == len(s) {
			return i
		}
	}
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// AppliedNote is implemented by the note a replicated state machine emits
// each time a server applies the entry at a position of its log (an index,
// a slot, a sequence number), in order, and again after a restart if it
// rebuilds its state by replaying its log. kv.Applied is one.
type AppliedNote interface {
	AppliedIndex() int
}

// Convergence returns the shared convergence check of replicated-log
// protocols: a monitor that follows every server's applied position (from
// AppliedNote notes) and an end-of-run check that every live, correct
// server has applied at least what some server had applied lag before the
// end. Followers that never apply, or never receive entries, fail it
// (a follower that was cut off or down catches up once the network heals). A server's position
// restarts from zero on each Start, as it rebuilds its state machine.
func Convergence(lag clock.Duration) Checks {
	c := &convergence{lag: lag}
	return Checks{Monitors: []Monitor{c}, Final: []func(Cluster) error{c.check}}
}

type convergence struct {
	lag     clock.Duration
	ids     []NodeID       // servers seen, with their applied position alongside
	applied []*int         // each its own, so that its address stays (Position)
	recent  NameCache[int] // ids' indexes, by where the names lie
	marks   AppliedMarks   // the cluster's highest applied position, as it grew
}

// AppliedMarks is convergence's queue of marks of the cluster's highest
// applied position, as it grew: pushed at the back, dropped from the
// front. The dropped ones' room is reused once they are half the array,
// before it grows, so a queue that stays short never reallocates (a slice
// resliced from the front loses that room, and appending copied it over
// and over), and the marks are moved down once per pushes of half the
// array, not at every push.
type AppliedMarks struct {
	buf    []appliedMark
	head   int  // buf[head:] are the marks
	pushed bool // some mark was pushed
	last   int  // the index of the last mark pushed
}

func (q *AppliedMarks) all() []appliedMark { return q.buf[q.head:] }

// minMarks is the room the queue starts with: the marks usually stay one
// or two (each new high drops the one before, over lag old), and in an
// array of two, half of it dropped is one mark, moved at every push.
const minMarks = 16

func (q *AppliedMarks) push(m appliedMark) {
	switch {
	case q.buf == nil:
		q.buf = make([]appliedMark, 0, minMarks)
	case len(q.buf) == cap(q.buf) && q.head > 0 && 2*q.head >= len(q.buf):
		n := copy(q.buf, q.buf[q.head:])
		q.buf, q.head = q.buf[:n], 0
	}
	q.buf = append(q.buf, m)
	q.pushed, q.last = true, m.index
}

// Above reports whether idx is past the last mark's index, or there is no
// mark: whether convergence, shown a server's applied position idx, would
// push a mark. The last mark pushed is never dropped (dropUntil keeps
// one), so it answers as reading the last of all() would, without slicing.
func (q *AppliedMarks) Above(idx int) bool { return !q.pushed || idx > q.last }

// dropUntil drops the marks that a later mark at or before t follows:
// the end-of-run check, at t or later, reads the last mark at or before
// its time, and never one before that.
func (q *AppliedMarks) dropUntil(t clock.Time) {
	for q.head+1 < len(q.buf) && q.buf[q.head+1].at <= t {
		q.head++
	}
}

type appliedMark struct {
	at    clock.Time
	index int
}

// slot returns where id's applied position is kept, adding it if new. The
// names are the world's own strings, so the position is nearly always
// found by where the name lies (recent), not by a scan of the ids.
func (c *convergence) slot(id NodeID) *int {
	if i, ok := c.recent.Get(string(id)); ok {
		return c.applied[i]
	}
	i := slices.Index(c.ids, id)
	if i < 0 {
		i = len(c.ids)
		c.ids = append(c.ids, id)
		c.applied = append(c.applied, new(int))
	}
	c.recent.Put(string(id), i)
	return c.applied[i]
}

// ConvergenceMonitor is the monitor of Convergence. A suite of monitors
// that sorts each event's notes itself and follows each server's applied
// position anyway (raft's) runs it as one of its parts and keeps the
// positions in its place: instead of showing it every event that applies
// entries, it writes each server's position where Position says, and
// shows it (Mark) only the positions that would push a mark
// (Marks().Above), about one event in four that apply entries.
type ConvergenceMonitor interface {
	Monitor
	// Position returns where the monitor keeps server id's applied
	// position, an address that stays valid. A caller that follows the
	// positions writes there 0 at each Start of id, and after every event
	// of id that applies entries the highest AppliedIndex of its
	// AppliedNote notes since that Start, whether id is byzantine or not.
	// Check leaves a byzantine server's position alone, but the end-of-run
	// check reads only the positions of servers not byzantine at the end,
	// which never were (a server made byzantine stays so): at those it
	// reads what Check would have left.
	Position(id NodeID) *int
	// Marks returns the monitor's marks of the cluster's highest applied
	// position, which only Mark (and Check) write.
	Marks() *AppliedMarks
	// Mark is told that server id applied entries up to top at time at,
	// once the caller has written id's position for the event: it does
	// what Check, never failing either, would do to the marks at an event
	// of id whose AppliedNote notes' highest AppliedIndex is top. Unless
	// Marks().Above(top) it would push no mark, and so change nothing: it
	// need not be called. (The event's parts, not the Event: a pointer to
	// it would escape through the interface, a copy costs ten words.)
	Mark(cl Cluster, id NodeID, at clock.Time, top int)
}

// Check implements Monitor; it never fails.
func (c *convergence) Check(cl Cluster, ev Event) error {
	if ev.Node == "" {
		return nil
	}
	if ev.Input == Start {
		*c.slot(ev.Node) = 0
	}
	var p *int // ev.Node's applied position, found at its first applied note
	for _, n := range ev.Notes {
		a, ok := n.(AppliedNote)
		if !ok {
			continue
		}
		if p == nil {
			if cl.Byzantine(ev.Node) {
				return nil
			}
			p = c.slot(ev.Node)
		}
		c.advance(p, ev.Time, a.AppliedIndex())
	}
	return nil
}

// Position implements ConvergenceMonitor.
func (c *convergence) Position(id NodeID) *int { return c.slot(id) }

// Marks implements ConvergenceMonitor.
func (c *convergence) Marks() *AppliedMarks { return &c.marks }

// Mark implements ConvergenceMonitor. Marking by the event's top position
// alone ends as advancing by each of them in turn would: the marks of one
// event share its time, so the end-of-run check, which reads the last mark
// of a time at least lag old, would read its top one.
func (c *convergence) Mark(cl Cluster, id NodeID, at clock.Time, top int) {
	if id == "" || cl.Byzantine(id) {
		return
	}
	c.mark(at, top)
}

// advance records that a server, whose applied position is *p, applied
// idx at t.
func (c *convergence) advance(p *int, t clock.Time, idx int) {
	*p = max(*p, idx)
	c.mark(t, idx)
}

// mark records that some server applied idx at t.
func (c *convergence) mark(t clock.Time, idx int) {
	if c.marks.Above(idx) {
		c.marks.push(appliedMark{t, idx})
		// The end-of-run check reads the last mark at least lag old;
		// the marks before it can go, so long runs stay small.
		c.marks.dropUntil(t.Add(-c.lag))
	}
}

func (c *convergence) check(cl Cluster) error {
	by := cl.Now().Add(-c.lag)
	want := 0
	for _, m := range c.marks.all() {
		if m.at <= by {
			want = m.index
		}
	}
	for _, id := range cl.Servers() {
		if cl.Node(id) == nil || cl.Byzantine(id) {
			continue
		}
		if got := *c.slot(id); got < want {
			return Violationf("convergence", "%s has applied up to index %d after the healing phase, but index %d was applied by %s", id, got, want, by)
		}
	}
	return nil
}
