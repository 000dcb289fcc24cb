package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios"
	"github.com/dsimlab/dsim/sim"
)

// A session is one scenario being explored: the base scenario, the seed,
// the faults injected by hand so far, and the world those determine.
//
// The world shown is ALWAYS scenarios.Start(base + injected faults, seed) run
// to event N. That is what makes stepping back and branching exact: stepping
// back rebuilds the world and runs it to N-1; injecting a fault appends it
// to the schedule at a time strictly after every event shown, so events up
// to N are unchanged, and the schedule is exactly what `s` saves. Nothing
// here knows about Bubble Tea: the UI model calls these methods from Update.
type session struct {
	base     *scenarios.Scenario // as loaded; its own faults stay first in the schedule
	seed     uint64
	bug      string     // a --bug override, "" to keep the scenario's
	injected []injected // in the order they were injected
	// injections counts the faults ever injected, so the UI can tell
	// whether the schedule changed since it was last saved.
	injections int

	run    *scenarios.Run
	result *scenarios.Result // the verdict, once the run has ended

	// recent holds the last events of the current world, oldest first.
	// During a rebuild only the events that can still be on screen are kept.
	recent     []eventRec
	keepFrom   uint64 // record events with Seq >= keepFrom
	nodes      []protocols.NodeID
	nodeIndex  map[protocols.NodeID]int
	started    []bool      // by node index: has started at least once
	lastFault  *sim.Fault  // the fault applied by the last fault event, copied
	lastFaultN uint64      // that event's number
	lastFaultT string      // what its trace line says after "fault ": "isolate leader (the leader is n2)"
	before     []signature // the signatures just before the last event next stepped
	// cutGroups are the groups of the last `partition g1 | g2` fault, until
	// a heal: the nodes panel names sides in this order (first group A).
	cutGroups [][]protocols.NodeID

	disp    protocols.Display   // the protocol's display hints: narration, moments, glossary
	narr    *scenarios.Narrator // tells the events of the current world
	moments []protocols.Moment  // the teaching moments of the last event
	nviol   int                 // violations recorded so far (the run keeps going past them)
	violAt  uint64              // the event that recorded the last new violation
	// discarded are the faults the last injection dropped from the old
	// future: injected by hand after the current event, before stepping
	// back (a branch). The UI says so.
	discarded []sim.Fault
}

// injected is a fault added by a key press, and the event that applied it.
// Stepping back below that event keeps the fault (the future replays as it
// was); injecting another fault earlier than it discards it (a branch).
type injected struct {
	fault   sim.Fault
	applied uint64
}

// keepEvents is how many recent events a session keeps for the timeline:
// more than any screen shows.
const keepEvents = 256

// newSession starts a session at event 0. Its errors are about the
// scenario (unknown bug, invalid options) and are the user's to fix.
func newSession(s *scenarios.Scenario, seed uint64, bug string) (*session, error) {
	ss := &session{base: s, seed: seed, bug: bug}
	if p := lookupProtocol(s.Protocol); p != nil {
		ss.disp = p.Display
	}
	if err := ss.rebuild(0); err != nil {
		return nil, err
	}
	return ss, nil
}

// schedule returns the scenario the current world is built from: the base
// scenario with every injected fault appended, the session's seed and bug.
// The copy shares nothing mutable with the base.
func (s *session) schedule() *scenarios.Scenario {
	sc := *s.base
	sc.Faults = slices.Clone(s.base.Faults)
	for _, in := range s.injected {
		sc.Faults = append(sc.Faults, in.fault)
	}
	sc.Seed = s.seed
	if s.bug != "" {
		sc.Bug = s.bug
	}
	return &sc
}

// rebuild builds a fresh world from the schedule and runs it to event n
// (or as far as it goes).
func (s *session) rebuild(n uint64) error {
	// The run keeps going past violations, so that n shows the harm a
	// broken rule does; the UI stops at each new one.
	r, err := scenarios.Start(s.schedule(), scenarios.RunOptions{Seed: s.seed, Bug: s.bug, KeepGoing: true})
	if err != nil {
		return err
	}
	s.run, s.result = r, nil
	s.recent = s.recent[:0]
	s.lastFault, s.lastFaultN, s.lastFaultT = nil, 0, ""
	s.cutGroups = nil
	s.moments, s.nviol, s.violAt = nil, 0, 0
	s.nodes = slices.Concat(r.World.Servers(), r.World.Clients())
	s.started = make([]bool, len(s.nodes))
	s.nodeIndex = make(map[protocols.NodeID]int, len(s.nodes))
	for i, id := range s.nodes {
		s.nodeIndex[id] = i
	}
	s.narr = scenarios.NewNarrator(r.Protocol, r.World, s.schedule().Faults)
	s.narr.ByHand = s.injectedAt
	s.keepFrom = 0
	if n > keepEvents {
		s.keepFrom = n - keepEvents + 1
	}
	// The timeline and the header show trace lines, and stepping back
	// rebuilds the run: render every line, so a fault long before the
	// kept events still shows as its line does ("crash leader (the leader
	// is n2)").
	r.World.RenderLines()
	r.World.Observe(s.observe)
	r.RunToEvent(n)
	s.keepFrom = 0
	s.settle()
	return nil
}

// observe records each event of the world for the timeline.
func (s *session) observe(w *sim.World, ev *sim.Info) {
	if ev.Fault != nil {
		f := *ev.Fault
		s.lastFault, s.lastFaultN = &f, ev.Seq
		s.lastFaultT = string(ev.Line)
		if _, after, ok := strings.Cut(s.lastFaultT, " fault "); ok {
			s.lastFaultT = after
		}
		switch f.Kind {
		case sim.Partition:
			s.cutGroups = slices.Clone(f.Groups)
		case sim.Heal, sim.Recover:
			s.cutGroups = nil
		}
	}
	if ev.Input == protocols.Start {
		if i, ok := s.nodeIndex[ev.Node]; ok {
			s.started[i] = true
		}
	}
	s.moments = s.narr.Moments(ev)
	var newViol *sim.Failure
	if v := s.run.Violations(); len(v) > s.nviol {
		s.nviol, s.violAt = len(v), ev.Seq
		newViol = &v[len(v)-1]
	}
	if ev.Seq < s.keepFrom {
		if ev.Seq+1 == s.keepFrom {
			s.narr.Snapshot(w) // narration needs each node's status before its next event
		}
		return
	}
	rec := newEventRec(ev, s.nodeIndex)
	for i, id := range s.nodes {
		if w.Node(id) != nil {
			rec.up |= 1 << uint(i)
		}
	}
	rec.tape = s.narr.Record(w, ev, s.moments)
	if newViol != nil {
		rec.tape.Violation = newViol.Kind
	}
	if len(s.recent) >= 2*keepEvents {
		s.recent = append(s.recent[:0], s.recent[len(s.recent)-keepEvents:]...)
	}
	s.recent = append(s.recent, rec)
}

// settle judges the run once the world has failed (a panic, the event
// budget): that shows at once, with the run's verdict, rather than on the
// next key press. Monitor violations do not fail the world here: the run
// keeps going past them (see violation).
func (s *session) settle() {
	if s.result == nil && s.run.World.Failure() != nil {
		s.result = s.run.Finish()
	}
}

// violations are the rules broken so far, first of each kind, in order;
// a world failure (a panic) comes last.
func (s *session) violations() []sim.Failure {
	v := s.run.Violations()
	if f := s.world().Failure(); f != nil {
		v = append(v[:len(v):len(v)], *f)
	}
	return v
}

// atViolation reports whether the current event broke a rule for the first
// time: stepping, N and autoplay stop there.
func (s *session) atViolation() bool {
	return s.nviol > 0 && s.violAt == s.event() || s.world().Failure() != nil && s.world().Failure().Seq == s.event()
}

// world is the current world.
func (s *session) world() *sim.World { return s.run.World }

// event is the number of events processed so far: the N of "event N".
func (s *session) event() uint64 { return s.run.World.Events() }

// over reports whether the run has ended and been judged.
func (s *session) over() bool { return s.result != nil }

// step processes one event. At the end of the run it judges the run
// instead, once, and reports false.
func (s *session) step() bool {
	if s.result != nil {
		return false
	}
	if !s.run.Step() {
		s.result = s.run.Finish()
		return false
	}
	s.settle()
	return true
}

// back steps back one event by rebuilding the world.
func (s *session) back() error {
	n := s.event()
	if n == 0 {
		return nil
	}
	return s.rebuild(n - 1)
}

// goTo moves to event n: forward by stepping, backward by rebuilding. It
// stops early at the end of the run.
func (s *session) goTo(n uint64) error {
	if n < s.event() {
		return s.rebuild(n)
	}
	for s.event() < n && s.step() {
	}
	return nil
}

// signature is what makes an event "interesting" when it changes: a node
// going up or down or pausing, or a server's role, term or commit point.
// Clients' counters change on every reply and are not interesting.
type signature struct {
	started    bool
	up, paused bool
	role       string
	term       uint64
	commit     int
}

func (s *session) signatures() []signature {
	w := s.world()
	sigs := make([]signature, len(s.nodes))
	for i, id := range s.nodes {
		st := w.State(id)
		sig := signature{started: s.started[i], up: st.Up, paused: st.Paused}
		if n := w.Node(id); n != nil && st.Server {
			ns := n.Status()
			sig.role, sig.term, sig.commit = ns.Role, ns.Term, ns.Commit
		}
		sigs[i] = sig
	}
	return sigs
}

// next steps to the next interesting event: a role or term change, a
// commit, a node going down or up, a fault, a violation, or the end of the
// run. It returns how many events it stepped.
func (s *session) next() int {
	from := s.event()
	before := s.signatures()
	defer func() { s.before = before }()
	for s.step() {
		if s.result != nil || s.lastFaultN == s.event() || len(s.moments) > 0 || s.atViolation() {
			break
		}
		after := s.signatures()
		if changed(before, after) {
			break
		}
		before = after
	}
	// Counted from the event numbers: the event that fails the run is
	// processed although step reports no progress.
	return int(s.event() - from)
}

// nextFault steps to the next fault event, a violation or the end of the
// run, whichever comes first, and returns how many events it stepped.
func (s *session) nextFault() int {
	from := s.event()
	for s.step() {
		if s.result != nil || s.lastFaultN == s.event() || s.atViolation() {
			break
		}
	}
	return int(s.event() - from)
}

// goToTime moves to the first event at or after virtual time t (event 1
// for t = 0), or as far as the run goes. Backward it rebuilds the world,
// from the recent events when they show where t falls, else from event 0.
func (s *session) goToTime(t clock.Time) error {
	if s.event() == 0 || s.world().Now() < t {
		s.stepToTime(t)
		return nil
	}
	for i, rec := range s.recent {
		if rec.at >= t && (rec.seq == 1 || i > 0 && s.recent[i-1].at < t) {
			return s.goTo(rec.seq)
		}
	}
	if err := s.rebuild(0); err != nil {
		return err
	}
	s.stepToTime(t)
	return nil
}

func (s *session) stepToTime(t clock.Time) {
	for (s.event() == 0 || s.world().Now() < t) && s.step() {
	}
}

// stepUntilUp steps until node id is up, for at most limit events, and
// reports whether it is. A restart is a fault event, and the node's start
// is an event of its own right after it.
func (s *session) stepUntilUp(id protocols.NodeID, limit int) bool {
	for range limit {
		if s.world().State(id).Up || !s.step() {
			break
		}
	}
	return s.world().State(id).Up
}

// changed reports an interesting difference between two signatures: a
// node going down, up or paused, a server's role or term, or the highest
// commit point in the cluster (an entry newly committed, not a follower
// catching up). A node's first start is not one: every node starts at 0.
func changed(before, after []signature) bool {
	for i := range before {
		a, b := before[i], after[i]
		a.commit, b.commit = 0, 0
		if a.started && a != b {
			return true
		}
	}
	cb, _ := maxCommit(before)
	ca, _ := maxCommit(after)
	return cb != ca
}

// maxCommit is the highest commit point of any server, and the first
// server that has it.
func maxCommit(sigs []signature) (int, int) {
	best, at := 0, -1
	for i, s := range sigs {
		if s.role != "" && s.commit > best {
			best, at = s.commit, i
		}
	}
	return best, at
}

// injectTime is when a fault injected at virtual time now takes effect: the
// whole microsecond after now+1µs. Strictly after every event already
// shown, so those stay exactly as they were, and a whole microsecond, so
// the saved scenario file writes it in a short exact form.
func injectTime(now clock.Time) clock.Time {
	const us = clock.Time(clock.Microsecond)
	t := now + us
	return (t + us - 1) / us * us
}

// errRunOver and friends explain why a fault cannot be injected now.
var (
	errRunOver = errors.New("the run is over: step back (b) to branch from an earlier event")
)

// inject adds a fault at the next injection time, discards any injected
// faults that lie in the future of the current event (this is a branch),
// rebuilds the world and runs it until the fault has been applied.
func (s *session) inject(f sim.Fault) error {
	if s.result != nil {
		return errRunOver
	}
	now := s.world().Now()
	t := injectTime(now)
	end := clock.Time(s.base.Duration)
	if s.run.Healing() || t > end {
		return fmt.Errorf("faults can be injected only in the chaos phase, before %s; the healing phase turns every fault off", end)
	}
	f.At = t
	n := s.event()
	keep := slices.Clone(s.injected)
	kept := keep[:0]
	s.discarded = s.discarded[:0]
	for _, in := range keep {
		if in.applied <= n {
			kept = append(kept, in)
		} else {
			s.discarded = append(s.discarded, in.fault)
		}
	}
	prev := s.injected
	s.injected = append(kept, injected{fault: f})
	if err := s.rebuild(n); err != nil {
		s.injected = prev
		if err2 := s.rebuild(n); err2 != nil {
			return errors.Join(err, err2)
		}
		return err
	}
	want := f.String()
	for {
		if s.lastFault != nil && s.lastFault.At == t && s.lastFault.String() == want && s.lastFaultN > n {
			break
		}
		if !s.step() {
			break
		}
	}
	s.injected[len(s.injected)-1].applied = s.event()
	s.injections++
	return nil
}

// save writes the schedule as a scenario file in dir under a new name
// (never overwriting one) and returns its path. `dsim run PATH` replays the
// run exactly: the file holds the base scenario, every injected fault and
// the seed. Its title and text say it is a branch, and of what.
func (s *session) save(dir string) (string, error) {
	sc := s.schedule()
	sc.Title, sc.Text = s.branchTitle(), s.branchText()
	name := s.base.Name
	if strings.HasSuffix(name, ".scn") {
		name = strings.TrimSuffix(filepath.Base(name), ".scn")
	}
	name = strings.NewReplacer("/", "-", string(filepath.Separator), "-", " ", "-").Replace(name)
	var b strings.Builder
	fmt.Fprintf(&b, "# Saved by dsim tui at event %d (%s) of %s, seed %d", s.event(), showTime(s.world().Now()), s.base.Name, s.seed)
	if s.bug != "" {
		fmt.Fprintf(&b, ", bug %s", s.bug)
	}
	switch n := len(s.injected); n {
	case 0:
		b.WriteString(".\n# No fault was injected by hand.\n")
	case 1:
		b.WriteString(".\n# The fault injected by hand is the last one of the schedule.\n")
	default:
		fmt.Fprintf(&b, ".\n# The %d faults injected by hand are at the end of the schedule.\n", n)
	}
	b.WriteString(scenarios.Format(sc))
	for k := 1; k < 10000; k++ {
		path := filepath.Join(dir, fmt.Sprintf("dsim-%s-seed%d-%d.scn", name, s.seed, k))
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if _, err := f.WriteString(b.String()); err != nil {
			f.Close()
			return "", err
		}
		return path, f.Close()
	}
	return "", fmt.Errorf("no free file name for %s in %s", name, dir)
}

// branchTitle is the title of a saved branch: what it branches from, then
// the original title.
func (s *session) branchTitle() string {
	what := "Copy"
	if len(s.injected) > 0 {
		what = "Branch"
	}
	t := fmt.Sprintf("%s of %s (seed %d)", what, s.base.Name, s.seed)
	if s.base.Title != "" {
		t += ": " + s.base.Title
	}
	return t
}

// branchText is the teaching text of a saved branch: a paragraph listing
// the faults injected by hand, then the original text, which describes
// the run without them.
func (s *session) branchText() []string {
	var b strings.Builder
	fmt.Fprintf(&b, "Saved by dsim tui at event %d of %s, seed %d.", s.event(), s.base.Name, s.seed)
	if len(s.injected) == 0 {
		b.WriteString(" No fault was injected by hand.")
	} else {
		fs := make([]string, len(s.injected))
		for i, in := range s.injected {
			fs[i] = fmt.Sprintf("at %s %s", clock.FormatDuration(in.fault.At.Since0()), in.fault)
		}
		fmt.Fprintf(&b, " Injected by hand: %s.", strings.Join(fs, "; "))
	}
	text := wrap(b.String(), 70)
	switch {
	case len(s.base.Text) == 0:
	case len(s.injected) > 0:
		text = append(text, "", "The original text follows; it describes the run without these faults.", "")
		text = append(text, s.base.Text...)
	default:
		text = append(append(text, ""), s.base.Text...)
	}
	return text
}

// eventRec is one processed event, as the timeline shows it.
type eventRec struct {
	seq   uint64
	at    clock.Time
	line  string // the trace line, exactly
	kind  recKind
	node  int // the node the event happened at; -1 for faults
	from  int // the sender, for deliveries and drops; -1 otherwise
	fault []int
	all   bool   // a fault that touches every node (heal, recover, partition shapes)
	up    uint64 // bit i: node i was up after the event

	// tape is the event told for people: its narration, moments, the
	// message it consumed and those it sent (for the space-time diagram).
	tape scenarios.TapeEvent
}

type recKind uint8

const (
	recStart recKind = iota
	recRestart
	recTimer
	recRecv
	recDrop
	recFault
)

// newEventRec reads an event from its Info and its trace line, whose
// format is stable (sim/trace.go): "SEQ TIME NODE recv FROM MSG ...".
func newEventRec(ev *sim.Info, index map[protocols.NodeID]int) eventRec {
	rec := eventRec{seq: ev.Seq, at: ev.Time, line: string(ev.Line), node: -1, from: -1}
	idx := func(id protocols.NodeID) int {
		if i, ok := index[id]; ok {
			return i
		}
		return -1
	}
	fields := strings.Fields(rec.line)
	if ev.Fault != nil {
		rec.kind = recFault
		f := ev.Fault
		ids := slices.Clone(f.Nodes)
		if len(ev.Acted) > 0 {
			ids = slices.Clone(ev.Acted) // "crash leader" marks the leader it hit
		}
		for _, g := range f.Groups {
			ids = append(ids, g...)
		}
		for _, id := range []protocols.NodeID{f.Link.From, f.Link.To, f.Rule.From, f.Rule.To} {
			if id != "" {
				ids = append(ids, id)
			}
		}
		for _, id := range ids {
			if i := idx(id); i >= 0 && !slices.Contains(rec.fault, i) {
				rec.fault = append(rec.fault, i)
			}
		}
		rec.all = len(rec.fault) == 0
		return rec
	}
	rec.node = idx(ev.Node)
	switch ev.Input {
	case protocols.Start:
		rec.kind = recStart
		if len(fields) > 3 && fields[3] == "restart" {
			rec.kind = recRestart
		}
	case protocols.Timer:
		rec.kind = recTimer
	default:
		rec.kind = recRecv
		if ev.Drop != 0 {
			rec.kind = recDrop
		}
		if len(fields) > 4 {
			rec.from = idx(protocols.NodeID(fields[4]))
		}
	}
	return rec
}
