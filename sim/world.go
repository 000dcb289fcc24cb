package sim

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// World is one run: nodes, network, clock, queue and trace. It is not safe
// for concurrent use; run many worlds in parallel instead.
type World struct {
	cfg       Config
	now       clock.Time
	events    uint64 // events processed so far
	inserted  uint64 // events ever queued: the tie-breaking sequence
	q         queue
	nodes     []*node
	index     map[protocols.NodeID]int
	net       *net.Network
	faults    *rand.Rand
	monitors  []protocols.Monitor
	checker   protocols.EventChecker // monitors' only one, when it is an EventChecker
	event     protocols.Event        // the event the monitors are shown (check)
	observers []Observer
	failure   *Failure
	trace     tracer
	fx        protocols.Effects
	notes     []protocols.Note
	info      Info // reused for every event: observers must not keep it, nor write it
	delivered bool // info holds a delivery's fields, and no others (process)
	stats     Stats
	linkHeld  [][]event    // per directed link: messages waiting on a clog or hold, in arrival order
	flushAt   []clock.Time // per directed link: when a release of its held messages is queued
	keys      *protocols.Keyring
	instant   uint64                   // events processed at the current virtual time, for the stall check
	eventsOK  uint64                   // fewer events than this break no event budget now (checkBudgets)
	parked    int                      // events held on links and at paused nodes, outside the queue
	byzantine int                      // how many nodes have been made byzantine
	names     protocols.NameCache[int] // nodes' indexes by where their names lie, for lookup
}

type node struct {
	id      protocols.NodeID
	idx     int32 // position in World.nodes
	server  bool
	make    protocols.Factory
	cfg     protocols.Config // ID, Peers and the random stream shared by all incarnations
	n       protocols.Node   // nil while down
	inc     uint32           // incarnation: bumped by every crash
	started bool             // has run at least once
	pending bool             // a start event is queued for it
	paused  bool
	byz     protocols.Wrapper // set once the node is made byzantine: wraps every incarnation
	held    []event           // inputs that arrived while paused, in arrival order; drained on resume
	store   []protocols.Record
	synced  int
	timers  []timer        // a node has a handful of named timers: a slice beats a map
	timerAt map[string]int // indexes timers by name once there are many (timer)
	clock   clock.Clock
	svc     ServiceModel // service.go: time per step, queue bound
	// busyUntil is when the node's current step is done: inputs arriving
	// before then wait in held (service.go).
	busyUntil clock.Time
}

// A timer that is set again before it fires, as an election timer is on
// every message from the leader, does not queue a new entry each time: it
// draws the sequence number a new entry would have had (seq), and the
// entry already queued for it (the carrier), which pops no later, queues
// the timer again at (due, seq) when it pops. The queue pops the timer at
// the same (time, sequence) as if every setting had been queued, so the
// order of events, and the trace, are the same; the queue is smaller and
// pops fewer stale entries.
type timer struct {
	name  string
	gen   uint32
	armed bool
	due   clock.Time
	seq   uint64 // the queue sequence number of the current setting

	carrier bool       // an entry for this timer is queued (this incarnation)
	cat     clock.Time // that entry's time and sequence number
	cseq    uint64
}

// timer returns the node's timer called name, adding it if new. Most
// nodes have a handful of timers, found fastest by a scan; a node that
// names a timer per transaction or per request accumulates hundreds, so
// past timerScan of them a map finds them (it is only looked up, never
// ranged over, so its order cannot leak into the run).
func (n *node) timer(name string) (*timer, int32) {
	if n.timerAt != nil {
		if i, ok := n.timerAt[name]; ok {
			return &n.timers[i], int32(i)
		}
	} else {
		for i := range n.timers {
			if n.timers[i].name == name {
				return &n.timers[i], int32(i)
			}
		}
	}
	n.timers = append(n.timers, timer{name: name})
	switch {
	case n.timerAt != nil:
		n.timerAt[name] = len(n.timers) - 1
	case len(n.timers) > timerScan:
		n.timerAt = make(map[string]int, 2*len(n.timers))
		for i, t := range n.timers {
			n.timerAt[t.name] = i
		}
	}
	return &n.timers[len(n.timers)-1], int32(len(n.timers) - 1)
}

// timerScan is how many timers a node may have before they are indexed.
const timerScan = 16

// New builds a world from cfg and queues the start of every node and the
// fault schedule. Nothing runs until Step.
func New(cfg Config) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = DefaultMaxEvents
	}
	if cfg.MaxInstant == 0 {
		cfg.MaxInstant = DefaultMaxInstant
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.MaxRecords == 0 {
		cfg.MaxRecords = DefaultMaxRecords
	}
	if cfg.MaxHashedBytes == 0 {
		cfg.MaxHashedBytes = DefaultMaxHashedBytes
	}
	all := slices.Concat(cfg.Servers, cfg.Clients)
	w := &World{
		cfg:      cfg,
		index:    make(map[protocols.NodeID]int, len(all)),
		net:      net.New(all, cfg.Link, StreamSource(cfg.Seed, "net")),
		faults:   Stream(cfg.Seed, "faults"),
		monitors: cfg.Monitors,
		trace:    tracer{w: cfg.Trace, lines: cfg.Trace != nil},
		keys:     protocols.NewKeyring(cfg.Seed),
	}
	if len(w.monitors) == 1 {
		w.checker, _ = w.monitors[0].(protocols.EventChecker)
	}
	for i, id := range all {
		server := i < len(cfg.Servers)
		n := &node{id: id, idx: int32(i), server: server, make: cfg.Client}
		peers := protocols.Without(cfg.Servers, id)
		if server {
			n.make = cfg.Server
		} else {
			peers = slices.Clone(cfg.Servers)
		}
		n.cfg = protocols.Config{ID: id, Peers: peers, Rand: Stream(cfg.Seed, "node/"+string(id)), Keys: w.keys.For(id)}
		w.index[id] = i
		w.nodes = append(w.nodes, n)
	}
	// Faults at time zero go first, so that a scenario's initial network
	// settings and partitions are in place before any node starts.
	faults := slices.Clone(cfg.Faults)
	slices.SortStableFunc(faults, func(a, b Fault) int { return cmp.Compare(a.At, b.At) })
	for i := range faults {
		w.push(event{at: faults[i].At, kind: evFault, fault: &faults[i]})
	}
	for i, n := range w.nodes {
		n.pending = true
		w.push(event{kind: evStart, node: int32(i)})
	}
	w.trace.names(w.nodes)
	w.linkHeld = make([][]event, len(all)*len(all))
	w.flushAt = make([]clock.Time, len(all)*len(all))
	return w, nil
}

func (w *World) push(e event) {
	w.inserted++
	e.seq = w.inserted
	w.q.push(e)
}

// Now returns the current global virtual time.
func (w *World) Now() clock.Time { return w.now }

// Events returns the number of events processed so far.
func (w *World) Events() uint64 { return w.events }

// Hash returns the running trace hash (version HashVersion): a function of
// every event so far and of exactly what its trace line shows, whether or
// not lines are rendered.
func (w *World) Hash() uint64 { return w.trace.h.Sum64() }

// HashedBytes returns how many bytes the events so far folded into the
// trace hash (Config.MaxHashedBytes).
func (w *World) HashedBytes() uint64 { return w.trace.h.Folded() }

// RenderLines makes every event from now on render its trace line into
// Info.Line, for observers that show or compare lines (the terminal UI,
// reports, the determinism check). A world with a Config.Trace writer
// renders them from the start. Rendering changes nothing about the run or
// its hash; it only costs time, which is why it is asked for.
func (w *World) RenderLines() { w.trace.lines = true }

// Failure returns what stopped the run, or nil.
func (w *World) Failure() *Failure { return w.failure }

// Seed returns the run's seed.
func (w *World) Seed() uint64 { return w.cfg.Seed }

// Servers implements protocols.Cluster.
func (w *World) Servers() []protocols.NodeID { return w.cfg.Servers }

// Clients returns the client nodes.
func (w *World) Clients() []protocols.NodeID { return w.cfg.Clients }

// Node implements protocols.Cluster: the node's current value, nil while down.
func (w *World) Node(id protocols.NodeID) protocols.Node {
	if i := w.lookup(id); i >= 0 {
		return w.nodes[i].n
	}
	return nil
}

// Byzantine implements protocols.Cluster: whether a node has been made
// byzantine.
func (w *World) Byzantine(id protocols.NodeID) bool {
	if w.byzantine == 0 {
		return false // most worlds have none: monitors ask at every applied entry
	}
	if i := w.lookup(id); i >= 0 {
		return w.nodes[i].byz != nil
	}
	return false
}

// lookup returns a node's index, or -1. The world looks up the target of
// every message sent, and monitors look up nodes many times per event, so
// the names found are remembered by where their text lies (the names the
// protocols pass back are nearly always the strings the world handed them),
// then a scan of the few nodes of a world comes before the map.
func (w *World) lookup(id protocols.NodeID) int {
	if i, ok := w.names.Get(string(id)); ok {
		return i
	}
	i := w.search(id)
	if i >= 0 {
		w.names.Put(string(id), i)
	}
	return i
}

func (w *World) search(id protocols.NodeID) int {
	if len(w.nodes) <= 16 {
		// The names protocols pass back are almost always the very strings
		// the world handed them (Config.ID, Peers), which SameString finds
		// by where they point.
		for i, n := range w.nodes {
			if protocols.SameString(n.id, id) {
				return i
			}
		}
		return -1
	}
	if i, ok := w.index[id]; ok {
		return i
	}
	return -1
}

// Stats counts messages over a run.
// Every copy put on the wire is eventually delivered, dropped, or still on
// the wire when the run ends.
type Stats struct {
	Sent      uint64 // copies put on the wire: a duplicated message counts twice
	Delivered uint64 // copies a node received
	Dropped   uint64 // copies lost, cut off, dropped by rule or addressed to a down node
	Signed    uint64 // signatures made (protocols.Keys)
	Verified  uint64 // signatures checked
	Shed      uint64 // of Dropped: copies that found the receiver's queue full (service.go)
	Expired   uint64 // of Dropped: copies the receiver would have started on past their deadline
	// PeakInFlight is the most events ever waiting at once (Config.MaxInFlight).
	PeakInFlight int
	// PeakInstant is the most events ever processed at one virtual instant
	// (Config.MaxInstant).
	PeakInstant uint64
}

// Stats returns the message and signature counts so far.
func (w *World) Stats() Stats {
	st := w.stats
	st.Signed, st.Verified = w.keys.Signed, w.keys.Verified
	return st
}

// byzantineConfig is a node's Config for its byzantine wrapper: the
// strategy draws from a stream of its own, so that its draws never shift
// the honest node's.
func (w *World) byzantineConfig(n *node) protocols.Config {
	cfg := n.cfg
	cfg.Rand = Stream(w.cfg.Seed, "byzantine/"+string(n.id))
	return cfg
}

// Network exposes the network's state, for display.
func (w *World) Network() *net.Network { return w.net }

// Pending reports whether any event is still queued.
func (w *World) Pending() bool { return w.q.Len() > 0 }

// Observer is called after every event, with the event's trace line (when
// lines are rendered) and notes; both are only valid during the call.
type Observer func(w *World, ev *Info)

// Info describes a processed event to observers.
type Info struct {
	Seq  uint64
	Time clock.Time
	Node protocols.NodeID // "" for faults
	// Index is Node's position among the servers then the clients (as
	// Servers and Clients list them), -1 for faults: observers that count
	// per node index by it rather than look the name up.
	Index int
	Input protocols.InputKind
	Fault *Fault             // for fault events
	Acted []protocols.NodeID // for a fault naming "leader" or "all": the nodes it resolved to
	Drop  net.Reason
	// Line is the event's trace line, without its newline; nil unless the
	// world renders lines (World.RenderLines, or a Config.Trace writer).
	Line  []byte
	Notes []protocols.Note
	Sends []protocols.Send // what the node sent in this step

	// What the node consumed, for observers that tell events in words
	// (the UI's narration, reports): the sender, message and send time of
	// a delivery or drop, a timer's name, an admin command, and whether a
	// start is a restart (and from how many synced records).
	From    protocols.NodeID
	Msg     protocols.Message
	Sent    clock.Time
	Timer   string
	Command []string
	Restart bool
	Records int
}

// Observe registers an observer.
func (w *World) Observe(o Observer) { w.observers = append(w.observers, o) }

// Step processes the next event, skipping stale timers and messages that
// wait on a clogged link or a paused node. It returns false when nothing is
// left to do or the run has failed.
func (w *World) Step() bool { return w.step(clock.Never) }

// StepBefore processes the next event if it happens no later than limit.
func (w *World) StepBefore(limit clock.Time) bool { return w.step(limit) }

// RunUntil processes every event up to and including time t, then sets the
// clock to t. It returns false if the run failed.
func (w *World) RunUntil(t clock.Time) bool {
	for w.steps(t, 4096) == 4096 {
	}
	if w.failure != nil {
		return false
	}
	w.now = max(w.now, t)
	return true
}

// RunFor runs for d of virtual time from now.
func (w *World) RunFor(d clock.Duration) bool { return w.RunUntil(w.now.Add(d)) }

// RunToEvent processes events until n have been processed in all, the queue
// is empty or the run fails. Rebuilding a world from its Config and running
// it to event n is how the terminal UI steps back in time.
func (w *World) RunToEvent(n uint64) bool {
	for w.events < n && w.step(clock.Never) {
	}
	return w.events == n
}

func (w *World) step(limit clock.Time) bool {
	return w.steps(limit, 1) == 1 && w.failure == nil
}

// StepsBefore processes up to max events that happen no later than limit
// and returns how many it processed: fewer than max when nothing is left
// to do before limit or the run has failed. It is max calls of StepBefore
// in one, for loops that run many events between looks at the world.
func (w *World) StepsBefore(limit clock.Time, max int) int { return w.steps(limit, max) }

// steps processes up to max events no later than limit, under one recover
// (setting one up per event was a measurable share of a run), and returns
// how many it processed.
func (w *World) steps(limit clock.Time, max int) (done int) {
	if w.failure != nil {
		return 0
	}
	defer func() {
		if r := recover(); r != nil {
			w.fail("panic", w.steppingNode(), fmt.Sprintf("%v in %s", r, panicSite()))
		}
	}()
	for done < max && w.q.Len() > 0 {
		ev := w.q.popBefore(limit)
		if ev == nil {
			return done
		}
		if w.process(ev) {
			done++
			if w.failure != nil {
				return done
			}
		}
	}
	return done
}

// stepping is the node whose Step is running, for panic reports.
func (w *World) steppingNode() protocols.NodeID {
	return w.trace.node
}

// process handles one queued event and reports whether it was an event of
// the run (traced, counted, checked) rather than a stale or deferred entry.
func (w *World) process(ev *event) bool {
	switch ev.kind {
	case evFlush:
		w.now = ev.at
		w.flushLink(int(ev.from)*len(w.nodes) + int(ev.node))
		return false
	case evDrain:
		n := w.nodes[ev.node]
		if ev.inc != n.inc || n.paused || len(n.held) == 0 {
			return false
		}
		if n.busyUntil > ev.at {
			// Still busy with the input before: the next waits until it is done.
			w.push(event{at: n.busyUntil, kind: evDrain, node: ev.node, inc: n.inc})
			return false
		}
		next := n.held[0]
		n.held = n.held[1:]
		w.parked--
		if len(n.held) > 0 {
			w.push(event{at: ev.at, kind: evDrain, node: ev.node, inc: n.inc})
		}
		next.at = ev.at
		*ev = next
	}
	switch ev.kind {
	case evTimer:
		n := w.nodes[ev.node]
		t := &n.timers[ev.timer]
		carrier := !ev.arrived && t.carrier && ev.at == t.cat && ev.seq == t.cseq
		if carrier {
			t.carrier = false
		}
		if n.n == nil || ev.inc != n.inc || !t.armed {
			return false
		}
		if ev.seq != t.seq || t.gen != ev.gen {
			if carrier { // set again since this entry was queued: queue its current setting
				w.queueTimer(n, ev.timer)
			}
			return false
		}
		if w.holds(n, ev) {
			return false
		}
		t.armed = false
	case evStart:
		n := w.nodes[ev.node]
		if ev.inc != n.inc || n.n != nil {
			return false
		}
		n.pending = false
	case evAdmin:
		n := w.nodes[ev.node]
		if n.n == nil || ev.inc != n.inc || w.holds(n, ev) {
			return false // lost with a crash, or held by a paused node
		}
	case evDeliver:
		n := w.nodes[ev.node]
		if ev.fate == net.Delivered && n.n != nil && !ev.arrived {
			reason, until := w.net.Arrive(int(ev.from), int(ev.node), ev.at)
			if until > ev.at {
				w.holdOnLink(ev, until)
				return false
			}
			ev.fate = reason
		}
		if ev.fate == net.Delivered && n.n == nil {
			ev.fate = net.Down
		}
		if ev.fate == net.Delivered {
			ev.fate = w.admit(n, ev) // shed at a full queue, or expired (service.go)
		}
		if ev.fate == net.Delivered && w.holds(n, ev) {
			return false
		}
	}
	if ev.at != w.now || w.events == 0 {
		w.instant = 0
	}
	w.now = ev.at
	w.events++
	w.instant++
	w.stats.PeakInstant = max(w.stats.PeakInstant, w.instant)
	w.notes = nil // the stepping node's notes, when one steps (stepNode)
	w.trace.begin(w.events, w.now)
	info := &w.info
	if ev.kind == evDeliver && w.delivered {
		// The last event was a delivery too: of the fields it set, this
		// one sets all again but these, and it set no others.
		info.Seq, info.Time = w.events, w.now
		info.Input, info.Drop, info.Sends = 0, 0, nil
	} else {
		*info = Info{Seq: w.events, Time: w.now, Index: -1}
	}
	w.delivered = ev.kind == evDeliver
	switch ev.kind {
	case evFault:
		info.Fault = ev.fault
		w.trace.fault(ev.fault)
		if err := w.applyFault(ev.fault); err != nil {
			w.trace.note(err.Error())
		}
	case evStart:
		n := w.nodes[ev.node]
		info.Node, info.Input = n.id, protocols.Start
		info.Index = int(ev.node)
		info.Restart, info.Records = n.started, n.synced
		w.trace.start(n, n.synced, n.started)
		w.start(n)
	case evAdmin:
		n := w.nodes[ev.node]
		info.Node, info.Input, info.Command = n.id, protocols.Admin, ev.fault.Words
		info.Index = int(ev.node)
		w.trace.admin(n, ev.fault.Words)
		w.stepNode(n, protocols.Input{Kind: protocols.Admin, Now: n.clock.Now(w.now), Command: ev.fault.Words})
	case evTimer:
		n := w.nodes[ev.node]
		name := n.timers[ev.timer].name
		info.Node, info.Input, info.Timer = n.id, protocols.Timer, name
		info.Index = int(ev.node)
		w.trace.timer(n, name)
		w.stepNode(n, protocols.Input{Kind: protocols.Timer, Now: n.clock.Now(w.now), Timer: name})
	case evDeliver:
		n := w.nodes[ev.node]
		from := w.nodes[ev.from].id
		info.Node, info.From, info.Msg, info.Sent = n.id, from, ev.msg, ev.sent
		info.Index = int(ev.node)
		if ev.fate != net.Delivered {
			info.Drop = ev.fate
			w.stats.Dropped++
			w.trace.drop(n, w.nodes[ev.from], ev.msg, ev.fate)
			switch ev.fate {
			case net.Shed:
				w.stats.Shed++
				w.reject(n, ev)
			case net.Expired:
				w.stats.Expired++
			}
			break
		}
		info.Input = protocols.Receive
		w.stats.Delivered++
		w.trace.recv(n, w.nodes[ev.from], ev.msg)
		w.stepNode(n, protocols.Input{Kind: protocols.Receive, Now: n.clock.Now(w.now), From: from, Msg: ev.msg})
	}
	info.Notes = w.notes
	if info.Node != "" && info.Input != 0 {
		info.Sends = w.fx.Sends
	}
	info.Line = w.trace.end()
	if w.failure != nil {
		return true
	}
	w.check(info)
	for _, o := range w.observers {
		o(w, info)
	}
	if w.failure == nil {
		w.checkBudgets()
	}
	return true
}

// check runs the monitors on the event just processed, and fails the run
// at the first violation. A world with one monitor that takes the event
// by address (an EventChecker) hands it the world's own copy.
func (w *World) check(info *Info) {
	ev := &w.event // every field written, none zeroed first
	ev.Seq, ev.Time, ev.Node, ev.Input, ev.Notes = w.events, w.now, info.Node, info.Input, w.notes
	ev.Self = nil
	if info.Index >= 0 {
		ev.Self = w.nodes[info.Index].n
	}
	if w.checker != nil {
		if err := w.checker.CheckEvent(w, ev); err != nil {
			w.violated(info.Node, err)
		}
		return
	}
	for _, m := range w.monitors {
		if err := m.Check(w, *ev); err != nil {
			w.violated(info.Node, err)
			return
		}
	}
}

// violated fails the run with a monitor's error, as the violation it names.
func (w *World) violated(id protocols.NodeID, err error) {
	kind := "violation"
	if v := (*protocols.Violation)(nil); errors.As(err, &v) {
		kind = v.Kind
		err = fmt.Errorf("%s", v.Detail)
	}
	w.fail(kind, id, err.Error())
}

// checkBudgets fails a run that is running away: one that has used its
// event budget, whose virtual time has stopped advancing, or that holds
// more waiting events than it may. Each counts events, never wall time or
// bytes of the Go heap, so the same seed fails the same way, at the same
// event, on every machine.
func (w *World) checkBudgets() {
	inFlight := w.q.Len() + w.parked
	w.stats.PeakInFlight = max(w.stats.PeakInFlight, inFlight)
	if w.events < w.eventsOK && w.instant < w.cfg.MaxInstant &&
		w.trace.h.Folded() < w.cfg.MaxHashedBytes && inFlight < w.cfg.MaxInFlight {
		return // the switch below would find nothing: the run is within every budget
	}
	w.eventsOK = w.eventBudget()
	switch {
	case w.events >= w.cfg.MaxEvents:
		w.fail("event-budget", "", fmt.Sprintf("%d events processed by %s without finishing: a livelock, or a scenario that needs a larger budget (--max-events)", w.events, w.now))
	case w.cfg.EventRate > 0 && w.events > w.cfg.EventSlack+w.cfg.EventRate*uint64(w.now.Millis())/1000:
		w.fail("event-budget", "", fmt.Sprintf("%d events by %s: more than %d plus %d a simulated second; the nodes are running away (a livelock, a storm of messages, clients looping over a network with almost no latency), or the scenario needs a larger budget (--max-events)",
			w.events, w.now, w.cfg.EventSlack, w.cfg.EventRate))
	case w.instant >= w.cfg.MaxInstant:
		w.fail("time-stall", "", fmt.Sprintf("%d events at virtual time %s without time advancing: the nodes keep reacting to each other at one instant (zero network latency, or a timer of zero length)", w.instant, w.now))
	case w.trace.h.Folded() >= w.cfg.MaxHashedBytes:
		w.fail("memory-budget", "", fmt.Sprintf("the run's events and the messages they carried came to %d bytes by %s (the budget is %d): its messages grow without bound, as a leader resending its whole log would", w.trace.h.Folded(), w.now, w.cfg.MaxHashedBytes))
	case inFlight >= w.cfg.MaxInFlight:
		w.fail("memory-budget", "", fmt.Sprintf("%d messages and timers waiting at once by %s (the budget is %d): the nodes send faster than the network delivers, as with a timer far below the link latency", inFlight, w.now, w.cfg.MaxInFlight))
	}
}

// eventBudget returns how many events the run may have had by now, plus
// one: the lower of MaxEvents and what EventRate allows by now. What the
// rate allows only grows with time, so a count below what it allowed at
// an earlier event is below what it allows now: checkBudgets works it out
// again only when the count reaches it.
func (w *World) eventBudget() uint64 {
	if w.cfg.EventRate == 0 {
		return w.cfg.MaxEvents
	}
	return min(w.cfg.MaxEvents, w.cfg.EventSlack+w.cfg.EventRate*uint64(w.now.Millis())/1000+1)
}

// Fail stops the run with a failure of the given kind, as a monitor's
// violation would. It is for observers that keep budgets of their own (the
// scenarios runner bounds the client history this way); the first failure
// of a run is the one reported.
func (w *World) Fail(kind, detail string) { w.fail(kind, w.trace.node, detail) }

func (w *World) fail(kind string, id protocols.NodeID, detail string) {
	if w.failure == nil {
		w.failure = &Failure{Kind: kind, Seq: w.events, Time: w.now, Node: id, Detail: detail}
	}
}

// start builds a node from its synced records and gives it its Start input.
func (w *World) start(n *node) {
	cfg := n.cfg
	cfg.Store = slices.Clone(n.store[:n.synced])
	if w.cfg.DeepCopy {
		for i, r := range cfg.Store {
			cfg.Store[i] = deepCopy(r)
		}
	}
	n.n = n.make(cfg)
	if n.byz != nil {
		n.n = n.byz(n.n, w.byzantineConfig(n))
	}
	n.started = true
	w.stepNode(n, protocols.Input{Kind: protocols.Start, Now: n.clock.Now(w.now)})
}

// stepNode runs one input through a node and applies its effects in order:
// persist and sync, send, timers, notes.
func (w *World) stepNode(n *node, in protocols.Input) {
	w.trace.node = n.id
	w.fx.Reset()
	in.Backlog = len(n.held)
	n.n.Step(in, &w.fx)
	fx := &w.fx
	from := n.idx
	// The step's output leaves when its service time is paid (service.go).
	done := w.now
	cost := n.svc.Time + fx.Work
	if cost > 0 {
		done = w.now.Add(cost)
		n.busyUntil = done
	}

	if fx.Replace {
		// A new store, synced and swapped in at once: the old one's records
		// (synced or not) are gone.
		clear(n.store)
		n.store = n.store[:0]
	}
	for _, r := range fx.Records {
		if w.cfg.DeepCopy {
			r = deepCopy(r)
		}
		n.store = append(n.store, r)
	}
	if fx.Replace || (len(fx.Records) > 0 && !fx.NoSync) {
		n.synced = len(n.store) // an fsync makes every earlier write durable too
	}
	if len(n.store) >= w.cfg.MaxRecords {
		w.fail("memory-budget", n.id, fmt.Sprintf("%d durable records kept by one node (the budget is %d): its log grows without bound", len(n.store), w.cfg.MaxRecords))
	}

	for i := range fx.Sends {
		s := &fx.Sends[i]
		to := w.lookup(s.To)
		if to < 0 {
			w.fail("bad-effect", n.id, fmt.Sprintf("send to unknown node %q: %s", s.To, s.Msg))
			return
		}
		kind := "" // read only by targeted rules: asking a message its kind is a dynamic call
		if w.net.HasRules() {
			kind = s.Msg.Kind()
		}
		plan := w.net.Send(int(from), to, kind)
		w.stats.Sent += uint64(plan.Copies)
		for c := 0; c < plan.Copies; c++ {
			msg := s.Msg
			if w.cfg.DeepCopy {
				msg = deepCopy(msg).(protocols.Message)
			}
			w.push(event{at: done.Add(plan.Delay[c]), kind: evDeliver, node: int32(to), from: from, fate: plan.Fate, sent: done, msg: msg})
		}
	}

	for k := range fx.Timers {
		t := &fx.Timers[k]
		cur, i := n.timer(t.Name)
		cur.gen++
		cur.armed = !t.Cancel
		if cur.armed {
			cur.due = done.Add(n.clock.GlobalSpan(t.After))
			w.inserted++
			cur.seq = w.inserted
			if !cur.carrier || cur.cat > cur.due {
				w.queueTimer(n, i)
			}
		}
	}

	w.notes = fx.Notes // one step an event: its notes are the event's, until the next Reset
	w.trace.effects(fx, cost, n.byz != nil)
	w.trace.node = ""
}

// queueTimer queues the current setting of node n's timer at index, at
// (due, seq), as its carrier.
func (w *World) queueTimer(n *node, index int32) {
	t := &n.timers[index]
	t.carrier, t.cat, t.cseq = true, t.due, t.seq
	w.q.push(event{at: t.due, seq: t.seq, kind: evTimer, node: n.idx, inc: n.inc, gen: t.gen, timer: index})
}

// holds queues an input for a node that is paused, busy with an earlier
// step (service.go), or still working through its queue, so that inputs
// run in arrival order. It reports whether it took the input.
func (w *World) holds(n *node, ev *event) bool {
	if ev.arrived || (!n.paused && len(n.held) == 0 && ev.at >= n.busyUntil) {
		return false
	}
	ev.arrived = true
	n.held = append(n.held, *ev)
	w.parked++
	if !n.paused && len(n.held) == 1 {
		// Held only because the node is busy: it takes this input when done.
		w.push(event{at: n.busyUntil, kind: evDrain, node: n.idx, inc: n.inc})
	}
	return true
}

// holdOnLink parks a message on its clogged or held link until the link is
// released; a clog that ends by itself releases at its end.
func (w *World) holdOnLink(ev *event, until clock.Time) {
	l := int(ev.from)*len(w.nodes) + int(ev.node)
	w.linkHeld[l] = append(w.linkHeld[l], *ev)
	w.parked++
	if until != clock.Never && w.flushAt[l] != until {
		w.flushAt[l] = until
		w.push(event{at: until, kind: evFlush, from: ev.from, node: ev.node})
	}
}

// flushLink puts a link's held messages back on the wire, in the order they
// arrived, once the link is no longer clogged. They arrive now, and meet
// whatever the link is like now (cut, clogged again).
func (w *World) flushLink(l int) {
	held := w.linkHeld[l]
	if len(held) == 0 {
		return
	}
	from, to := l/len(w.nodes), l%len(w.nodes)
	if _, until := w.net.Arrive(from, to, w.now); until > w.now {
		if until != clock.Never && w.flushAt[l] != until {
			w.flushAt[l] = until
			w.push(event{at: until, kind: evFlush, from: int32(from), node: int32(to)})
		}
		return
	}
	w.linkHeld[l] = nil
	w.parked -= len(held)
	for _, ev := range held {
		ev.at = w.now
		w.push(ev)
	}
}

// flushAll releases every held link, in link order: after a heal, a release
// or a recover.
func (w *World) flushAll() {
	for l := range w.linkHeld {
		w.flushLink(l)
	}
}
