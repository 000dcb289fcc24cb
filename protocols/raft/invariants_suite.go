package raft

import (
	"unsafe"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// MonitorSuite returns the monitors of Monitors as one: it calls each in
// the same order with direct calls, so a run pays one dispatch and one copy
// of the event per event instead of fourteen (the monitors run after every
// event, and the calls showed in profiles). It reports what the first of
// them to fail reports, as the list would.
//
// It also does once, for all of them, what each would do for itself: it
// finds the server that stepped, and it sorts the event's notes, so that a
// monitor is shown only the notes it reads; and it calls a monitor only
// when the event changed something it reads in that server, or brought a
// note it reads (see check).
func MonitorSuite() protocols.Monitor {
	ms := Monitors()
	return &suite{
		h: ms[0].(*horizon), es: ms[1].(*electionSafety), lu: ms[2].(*leaderUnelected), vo: ms[3].(*voteOnce),
		tm: ms[4].(*termMonotonic), lao: ms[5].(*leaderAppendOnly), lm: ms[6].(*logMatching),
		lc: ms[7].(*leaderCompleteness), cct: ms[8].(*commitCurrentTerm), sms: ms[9].(*stateMachineSafety),
		awl: ms[10].(*ackedWriteLost), cs: ms[11].(*configSafety), once: ms[12].(kv.AppliedMonitor),
		stale:  ms[13].(kv.AppliedMonitor),
		follow: kv.FollowersOf(ms[12].(kv.AppliedMonitor), ms[13].(kv.AppliedMonitor)),
		l:      ms[1].(*electionSafety).lookup,
	}
}

// monitorSuiteWith returns MonitorSuite with conv, the shared convergence
// monitor, as its last part: the suite hands it the applied positions it
// sorts out of each event anyway, instead of conv scanning every event's
// notes for them after the suite, as a monitor of its own would.
func monitorSuiteWith(conv protocols.Monitor) protocols.Monitor {
	s := MonitorSuite().(*suite)
	s.conv = conv.(protocols.ConvergenceMonitor)
	s.convMarks = s.conv.Marks()
	return s
}

type suite struct {
	h           *horizon
	es          *electionSafety
	lu          *leaderUnelected
	vo          *voteOnce
	tm          *termMonotonic
	lao         *leaderAppendOnly
	lm          *logMatching
	lc          *leaderCompleteness
	cct         *commitCurrentTerm
	sms         *stateMachineSafety
	awl         *ackedWriteLost
	cs          *configSafety
	once, stale kv.AppliedMonitor
	follow      kv.Followers                 // once and stale, asked entry by entry (applyEntries)
	fresh       [2]int                       // the indexes (from, to] whose ghost entries the last applyEntries made (learn)
	conv        protocols.ConvergenceMonitor // nil but for monitorSuiteWith
	convMarks   *protocols.AppliedMarks      // conv's
	convAt      []*int                       // by server number: where conv keeps its applied position (convPosition)
	l           *lookup                      // the monitors' shared lookup and numbering of the servers
	marks       []serverMark                 // by server number: each server as the monitors last saw it
	recent      [64]int32                    // marks' indexes, by where their servers lie (markAt)
	notes       eventNotes                   // the current event's, sorted
}

// serverMark is what the monitors read of a server: when an event leaves
// it as it was after the last check and brings no note that a monitor
// reads (none at all, or only probes), every monitor would find nothing
// new (each compares these against its ghost; the ghosts only grow in
// ways that this server's last check already agreed with, and are pruned
// only at events that move the snapshot horizon or a commit index, which
// the suite never skips), so the suite skips them. A follower taking a
// heartbeat that changes nothing, and a leader counting an acknowledgement
// that commits nothing, are such events: 56% of those the suite sees in
// raft/canonical (seeds 1-5), one in seven of them with probes' notes.
type serverMark struct {
	inst    *node
	role    role
	term    uint64
	commit  int
	version uint64 // the log's: bumped by every change to it
}

// Parts implements protocols.Composite: the monitors, in the suite's
// order, for a run that keeps going past violations.
func (s *suite) Parts() []protocols.Monitor {
	parts := []protocols.Monitor{s.h, s.es, s.lu, s.vo, s.tm, s.lao, s.lm, s.lc, s.cct, s.sms, s.awl, s.cs, s.once, s.stale}
	if s.conv != nil {
		parts = append(parts, s.conv)
	}
	return parts
}

func markOf(n *node) serverMark {
	return serverMark{inst: n, role: n.role, term: n.term, commit: n.commit, version: n.log.version}
}

// markAt returns the index of n's mark, which is its server's number, or
// -1. The marks are found by incarnation, a pointer compare: a mark of an
// earlier incarnation of n's server never matches n. The index is nearly
// always where recent says, at a slot chosen by n's address: one compare
// instead of a scan of the marks.
func (s *suite) markAt(n *node) int {
	h := uint64(uintptr(unsafe.Pointer(n))) * 0x9e3779b97f4a7c15 >> (64 - 6)
	if k := int(s.recent[h]); k < len(s.marks) && s.marks[k].inst == n {
		return k
	}
	for i := range s.marks {
		if s.marks[i].inst == n {
			s.recent[h] = int32(i)
			return i
		}
	}
	return -1
}

// mark records n, numbered k, as the monitors saw it, in place of the mark
// of an earlier incarnation.
func (s *suite) mark(n *node, k int) {
	if k >= len(s.marks) {
		s.marks = append(s.marks, make([]serverMark, k+1-len(s.marks))...)
	}
	s.marks[k] = markOf(n)
}

func (s *suite) Check(c protocols.Cluster, ev protocols.Event) error { return s.CheckEvent(c, &ev) }

// CheckEvent implements protocols.EventChecker: the world hands the suite
// its event by address, sparing a copy at every event.
func (s *suite) CheckEvent(c protocols.Cluster, ev *protocols.Event) error {
	n, _ := ev.Self.(*node)
	if ev.Self == nil && ev.Node != "" {
		n = s.l.server(c, *ev) // an event built without Self
	}
	k, ch := -1, changes(0) // n's number, and what changed in it
	if n != nil {
		if k = s.markAt(n); k >= 0 {
			ch = s.changes(n, &s.marks[k])
		} else {
			k, ch = s.l.number(n.id), fresh
		}
	}
	if len(ev.Notes) == 0 {
		if ch == 0 && ev.Input != protocols.Start {
			return nil // a fault, a client, a server that is down, or nothing new
		}
		s.notes.clear()
	} else {
		s.notes.sort(ev.Notes)
		if ch == 0 && s.notes.none() && ev.Input != protocols.Start {
			return nil // nothing new, and only notes no monitor reads (probes)
		}
	}
	var err error
	switch {
	case ev.Input == protocols.Start:
		err = s.check(c, ev, n, k, ch)
	case n != nil && n.role != leader && ch&(fresh|roleChanged) == 0 && s.notes.kinds == 0:
		err = s.checkFollower(c, ev, n, k, ch)
	case n == nil && s.notes.kinds&^(hasClientNote|hasCompleted) == 0 && len(s.notes.applied) == 0:
		err = s.checkClient(c, ev)
	default:
		err = s.check(c, ev, n, k, ch)
	}
	if err != nil {
		return err
	}
	if ch != 0 {
		s.mark(n, k)
	}
	if s.conv != nil && (len(s.notes.applied) > 0 || s.notes.kinds&hasRestored != 0 || ev.Input == protocols.Start) && !s.followed(ev, k) {
		s.converge(c, ev, k)
	}
	return nil
}

// followed is converge at most of the events it is for, small enough to
// be inlined: server k, whose position convergence has handed over
// (convAt), applies entries, not at a Start nor with a Restored, up to an
// index that pushes no mark. It writes the position, as converge would,
// and reports true; anything else it leaves to converge.
func (s *suite) followed(ev *protocols.Event, k int) bool {
	applied := s.notes.applied
	if uint(k) >= uint(len(s.convAt)) || len(applied) == 0 || s.notes.kinds&hasRestored != 0 || ev.Input == protocols.Start {
		return false
	}
	top := applied[len(applied)-1].Index
	if s.convMarks.Above(top) {
		return false
	}
	p := s.convAt[k]
	*p = max(*p, top)
	return true
}

// converge keeps convergence's applied positions, as its caller that
// follows them (protocols.ConvergenceMonitor), at an event of server k
// (-1: numbered by no mark, not a live Raft server) that applied entries,
// restored a snapshot or started the server. Raft's notes that
// convergence reads (protocols.AppliedNote) are its Applied and Restored
// ones; an event with a Restored, rare, is shown to Check whole. Any other
// brings the applied positions the suite sorted out; its highest is the
// last: state-machine safety, which passed them before convergence is
// shown them, holds each Applied note of an event without a Restored to
// the index after the one before. The suite writes the server's position
// (byzantine or not, as ConvergenceMonitor.Position allows: convergence
// never reads a byzantine server's) and shows convergence (Mark, which
// leaves out byzantine servers' positions) only a position that pushes a
// mark (Marks().Above; Mark would change nothing otherwise): at most
// events that apply entries, a server applies what another applied first,
// and convergence is not called at all.
func (s *suite) converge(c protocols.Cluster, ev *protocols.Event, k int) {
	if s.notes.kinds&hasRestored != 0 {
		s.conv.Check(c, *ev) // it never fails
		return
	}
	p := s.convPosition(ev.Node, k)
	if ev.Input == protocols.Start {
		*p = 0
	}
	applied := s.notes.applied
	if len(applied) == 0 {
		return
	}
	top := applied[len(applied)-1].Index
	*p = max(*p, top)
	if s.convMarks.Above(top) {
		s.conv.Mark(c, ev.Node, ev.Time, top)
	}
}

// convPosition returns where convergence keeps the applied position of
// server id, numbered k (-1: not numbered here). The address stays, so
// the suite asks for it once per server number (a number is one name's,
// l.servers', for the whole run), and keeps the addresses of all the
// numbers below len(convAt).
func (s *suite) convPosition(id protocols.NodeID, k int) *int {
	if k < 0 {
		return s.conv.Position(id) // a byzantine server's, say
	}
	for j := len(s.convAt); j <= k; j++ {
		s.convAt = append(s.convAt, s.conv.Position(s.l.servers[j]))
	}
	return s.convAt[k]
}

// changes says what changed in the server that stepped since its previous
// event, as far as the monitors read it.
type changes uint8

const (
	fresh       changes = 1 << iota // an incarnation the suite has not seen: everything is new
	roleChanged                     // its role, or its term
	termChanged
	commitChanged
	logChanged // its log's version
)

// changes compares server n with its mark m, of the same incarnation. A
// violation ends the run, so the mark is always of n's previous event.
func (s *suite) changes(n *node, m *serverMark) changes {
	ch := changes(0)
	if m.role != n.role || m.term != n.term {
		ch |= roleChanged
	}
	if m.term != n.term {
		ch |= termChanged
	}
	if m.commit != n.commit {
		ch |= commitChanged
	}
	if m.version != n.log.version {
		ch |= logChanged
	}
	return ch
}

// check runs, in order, the monitors that can find something in an event
// of server n (nil for a fault, a client, a server that is down), numbered
// k, given what changed in n (ch) and the notes the event brings, sorted. Each is
// shown only the notes it reads: those that look for one kind of note (a
// BecameLeader, a Voted) in an event without one are given the event
// without notes, and the four that follow applied entries are given the
// Applied notes sorted out once, unless the event holds another note they
// read.
//
// A monitor is skipped when it would report nothing and leave its ghost as
// it is, or as good as it is: each condition below says why. The argument
// is the same for all the per-server ones: n's previous event left n as
// its mark says, and that monitor either ran there or was skipped by the
// same argument, back to an event at which it ran; a monitor's ghost of n
// is written only at n's own events, and what it keeps of all servers
// (leaders by term, the committed prefix) is only ever added to. So at an
// event that changes nothing the monitor reads, it would compare the same
// state with the same ghost, as it did before, and find it as it left it.
// TestMonitorSuiteAgreesWithTheList checks it on schedules that break
// every rule. Most events of a server not leading go to checkFollower, its
// shorter form for them, instead, and clients' events to checkClient.
func (s *suite) check(c protocols.Cluster, ev *protocols.Event, n *node, k int, ch changes) error {
	kinds := s.notes.kinds
	applied := s.notes.applied
	became := kinds&hasBecameLeader != 0
	leads := n != nil && n.role == leader
	var leaderNotes []protocols.Note // what electionSafety, leaderUnelected, leaderCompleteness and configSafety read
	if became {
		leaderNotes = ev.Notes
	}
	// The horizon moves only with a snapshot's note.
	if kinds&hasSnapshot != 0 {
		if err := s.h.Check(c, *ev); err != nil {
			return err
		}
	}
	// Election safety and leader-unelected read BecameLeader notes and a
	// leader's term. A leader still in the term it was last seen leading
	// has been recorded (the ghost of leaders by term is only added to)
	// and was judged elected (its last won election is written only at its
	// own BecameLeader notes).
	if became || leads && ch&(fresh|roleChanged) != 0 {
		if err := s.es.check(n, ev.Node, leaderNotes); err != nil {
			return err
		}
		if err := s.lu.check(n, leaderNotes); err != nil {
			return err
		}
	}
	if kinds&hasVoted != 0 {
		if err := s.vo.Check(c, *ev); err != nil {
			return err
		}
	}
	// Term-monotonic keeps each server's last term, which only its own
	// events write.
	if ch&(fresh|termChanged) != 0 {
		if err := s.tm.check(n, k, ev.Input); err != nil {
			return err
		}
	}
	// Leader-append-only forgets a server that stops leading, and compares
	// a leader's log with the log it last saw: a leader in the same term
	// with the same log version has the log it was last seen with.
	if ch&(fresh|roleChanged) != 0 || leads && ch&logChanged != 0 {
		if err := s.lao.check(n, k); err != nil {
			return err
		}
	}
	// Log matching looks at nothing but a log that changed (it keeps the
	// version it last saw), and prunes only then.
	if ch&(fresh|logChanged) != 0 {
		if err := s.lm.check(n, k); err != nil {
			return err
		}
	}
	// Leader completeness judges a new leader (BecameLeader) and a leader's
	// committed prefix. A leader whose commit index and log have not moved
	// since it was last seen in its term compares the same digest at the
	// same index (the ghost grew to its commit index then, and an index's
	// digest, once recorded, never changes). Its pruning depends on the
	// horizon and the ghost's top, which move between its checks, so it
	// prunes at every event of a live server, as the list does.
	if became || leads && ch != 0 {
		if err := s.lc.check(n, k, leaderNotes); err != nil {
			return err
		}
	} else if n != nil {
		s.lc.prune()
	}
	// Commit-current-term forgets a server that stops leading and judges a
	// leader's commit index when it moves.
	if ch&(fresh|roleChanged) != 0 || leads && ch&commitChanged != 0 {
		if err := s.cct.check(n, k); err != nil {
			return err
		}
	}
	// State-machine safety reads Applied and Restored notes, forgets a
	// server's applied index at its Start, and prunes when the horizon or
	// its ghost's top moves, as pruning at every event would.
	// A node that is not a live Raft server (a byzantine one) is numbered
	// here, by name. The monitors that follow applied entries after it
	// are shown the entries from the first that one of them acts on
	// (rest; see applyEntries), unless the event holds a Restored note.
	rest := applied
	if (kinds&hasRestored != 0 || len(applied) > 0 || ev.Input == protocols.Start) && k < 0 {
		k = s.l.number(ev.Node)
	}
	switch {
	case kinds&hasRestored != 0:
		if err := s.sms.checkApplied(ev, k, applied, true); err != nil {
			return err
		}
	case len(applied) > 0 || ev.Input == protocols.Start:
		from, err := s.applyEntries(ev, k, applied)
		if err != nil {
			return err
		}
		rest = applied[from:]
	default:
		s.sms.prune()
	}
	// Acked-write-lost reads Applied and Completed notes only.
	if kinds&hasCompleted != 0 {
		if err := s.awl.Check(c, *ev); err != nil {
			return err
		}
	} else if len(rest) > 0 {
		if err := s.awl.checkApplied(ev.Node, rest); err != nil {
			return err
		}
	}
	// Config safety judges a new leader's configuration (BecameLeader),
	// forgets a server that stops leading, and follows a leader's committed
	// configuration and its latest change, which move only with its commit
	// index and its log (the committed configuration's index only grows).
	// It judges nothing but a live Raft server.
	if n != nil && (became || ch&(fresh|roleChanged) != 0 || leads && ch&(commitChanged|logChanged) != 0) {
		if err := s.cs.check(n, k, leaderNotes); err != nil {
			return err
		}
	}
	// Exactly-once reads Applied notes only; stale reads those and the
	// clients' notes.
	if len(rest) > 0 {
		if err := s.once.CheckApplied(c, ev.Node, rest); err != nil {
			return err
		}
	}
	if kinds&hasClientNote != 0 {
		return s.stale.Check(c, *ev)
	}
	if len(rest) > 0 {
		return s.stale.CheckApplied(c, ev.Node, rest)
	}
	return nil
}

// applyEntries is state-machine safety's checkApplied for an event of
// server k without Restored notes, given its Applied notes, that also
// asks, as it keys each entry, whether acked-write-lost, exactly-once or
// stale reads would act on it (ackedWriteLost.repeats,
// kv.Followers.Repeats). It returns where the first entry one of them
// would act on is (len(applied): none is). Those three need be shown only
// the entries from there on: at every entry before it each would find
// nothing and change nothing, and nothing else writes what they read
// (state-machine safety, which runs before them, keeps its own ghost), so
// each, shown the rest, ends as it would shown all, and reports what it
// would. Most events that apply entries repeat, on a server other than
// the first to apply them, requests executed before: they are shown
// nothing. Most of those entries the ghost knows (learn), which spares
// two of the three questions.
func (s *suite) applyEntries(ev *protocols.Event, k int, applied []kv.AppliedRequest) (int, error) {
	if s.fresh[1] > s.fresh[0] {
		s.learn()
	}
	last := s.sms.start(ev, k) // one server applies them all
	top := s.sms.top()
	stamp := s.stamp() // nothing below prunes acked-write-lost or exactly-once
	from := len(applied)
	for i := range applied {
		a := &applied[i]
		if err := s.sms.apply(ev.Node, k, last, a); err != nil {
			return 0, err
		}
		if from < len(applied) {
			continue
		}
		// Would acked-write-lost, exactly-once and stale reads each pass
		// over a (ackedWriteLost.repeats, kv.Followers.Repeats)? For an
		// entry the ghost knows (known), two of the three questions are
		// answered: both hold its request as executed, exactly-once at
		// this very index (a is the ghost's request there, or state-machine
		// safety would have failed), so only whether another write was
		// acknowledged here, and whether stale reads takes it as the next
		// entry, remain.
		if g := s.sms.entryAt(a.Index); g != nil && g.known == stamp {
			if w, acked := s.awl.ackedAt(a.Index); acked && w != a.Key || !s.follow.RepeatsExecuted(a) {
				from = i
			}
		} else if !s.awl.repeats(a.Applied, a.Key) || !s.follow.Repeats(a) {
			from = i
		}
	}
	s.fresh = [2]int{top, s.sms.top()}
	s.sms.prune()
	return from, nil
}

// stamp is what an entry of state-machine safety's ghost holds in known
// when it is known: a request neither acked-write-lost nor exactly-once
// has forgotten since it was found in both stays in both (neither
// overwrites a request it holds), so the stamp changes whenever either
// forgets requests. It is never 0, an entry's known until it is stamped.
func (s *suite) stamp() uint32 { return 1 + s.awl.pruned + s.follow.Forgot() }

// learn stamps the ghost entries the last applyEntries made whose
// requests its event left known, now that every monitor has seen that
// event: the entry at x is known (its known is the stamp) when its
// request is one that acked-write-lost holds as executed and that
// exactly-once holds as executed at x. The next servers to apply them
// find them known: learn looks each up in both monitors once per entry
// of the log, instead of twice at every server that applies it.
func (s *suite) learn() {
	stamp := s.stamp()
	for x := s.fresh[0] + 1; x <= s.fresh[1]; x++ {
		g := s.sms.entryAt(x)
		if g == nil || g.note.Req.Client == "" {
			continue
		}
		k := kv.RequestKey{Client: g.client, Seq: g.note.Req.Seq}
		if _, ok := s.awl.executed.Get(k); !ok {
			continue
		}
		if at, ok := s.follow.ExecutedAt(k); ok && at == x {
			g.known = stamp
		}
	}
	s.fresh = [2]int{}
}

// checkFollower is check for most events of a server that is not leading,
// nor has just stopped leading (its role and term are as last seen), and
// that bring no note but Applied ones: most events the suite does not
// skip. Of the monitors check would run, only these can find something
// there, in the same order: log matching (when the log changed),
// leader-completeness's pruning, and the four that follow applied
// entries (state-machine safety prunes when there are none).
func (s *suite) checkFollower(c protocols.Cluster, ev *protocols.Event, n *node, k int, ch changes) error {
	if ch&logChanged != 0 {
		if err := s.lm.check(n, k); err != nil {
			return err
		}
	}
	s.lc.prune()
	applied := s.notes.applied
	if len(applied) == 0 {
		s.sms.prune()
		return nil
	}
	from, err := s.applyEntries(ev, k, applied)
	if err != nil || from == len(applied) {
		return err
	}
	rest := applied[from:]
	if err := s.awl.checkApplied(ev.Node, rest); err != nil {
		return err
	}
	if err := s.once.CheckApplied(c, ev.Node, rest); err != nil {
		return err
	}
	return s.stale.CheckApplied(c, ev.Node, rest)
}

// checkClient is check for an event of no live Raft server (a client's,
// nearly always) that brings client notes (Invoked, Completed, Abandoned)
// and no other note a monitor reads, and is not a Start: of the monitors
// check would run, only these can find something there, in the same
// order: state-machine safety prunes (there are no applied entries),
// acked-write-lost reads the Completed notes, stale reads all three. The
// others read a server (there is none: nothing changed), or notes it
// does not bring.
func (s *suite) checkClient(c protocols.Cluster, ev *protocols.Event) error {
	s.sms.prune()
	if s.notes.kinds&hasCompleted != 0 {
		if err := s.awl.Check(c, *ev); err != nil {
			return err
		}
	}
	return s.stale.Check(c, *ev)
}

// eventNotes is an event's notes as the suite sorted them: the kinds of
// note some monitor reads that it holds, and its Applied notes, in order,
// to be keyed by state-machine safety.
type eventNotes struct {
	kinds   noteKinds
	applied []kv.AppliedRequest // reused from event to event
}

// none reports whether the event holds no note that a monitor reads (a
// probe's, say): for the monitors it is an event without notes.
func (e *eventNotes) none() bool { return e.kinds == 0 && len(e.applied) == 0 }

type noteKinds uint8

const (
	hasBecameLeader noteKinds = 1 << iota
	hasVoted
	hasSnapshot // a SnapshotTaken or a Restored
	hasRestored
	hasCompleted
	hasClientNote // an Invoked, a Completed or an Abandoned
)

// clear makes e the sorting of an event without notes.
func (e *eventNotes) clear() { e.kinds, e.applied = 0, e.applied[:0] }

func (e *eventNotes) sort(notes []protocols.Note) {
	e.clear()
	for i, note := range notes {
		switch note.(type) {
		case Applied:
			e.applied = append(e.applied, kv.AppliedRequest{Applied: appliedIn(&notes[i])})
		case BecameLeader:
			e.kinds |= hasBecameLeader
		case Voted:
			e.kinds |= hasVoted
		case SnapshotTaken:
			e.kinds |= hasSnapshot
		case Restored:
			e.kinds |= hasSnapshot | hasRestored
		case kv.Completed:
			e.kinds |= hasCompleted | hasClientNote
		case kv.Invoked, kv.Abandoned:
			e.kinds |= hasClientNote
		}
	}
}

// appliedIn returns the Applied that *note holds, in place: an Applied is
// larger than a word, so the interface's data word points to it, a value
// that nothing writes again (a type assertion would copy it). The monitors
// read it there instead of the suite copying each one.
func appliedIn(note *protocols.Note) *Applied {
	return protocols.NoteValue[Applied](note)
}
