package prototest

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// Envelope is a message in flight.
type Envelope struct {
	From, To protocols.NodeID
	Msg      protocols.Message
}

func (e Envelope) String() string { return fmt.Sprintf("%s->%s %s", e.From, e.To, e.Msg) }

// Filter selects in-flight messages; empty fields match anything.
type Filter struct {
	From, To protocols.NodeID
	Kind     string
}

// Matches reports whether e passes the filter.
func (f Filter) Matches(e Envelope) bool {
	return (f.From == "" || f.From == e.From) && (f.To == "" || f.To == e.To) && (f.Kind == "" || f.Kind == e.Msg.Kind())
}

// Harness holds a set of nodes and the messages between them.
type Harness struct {
	Seed     uint64
	now      clock.Time
	slots    map[protocols.NodeID]*slot
	order    []protocols.NodeID // every node, in the order added
	servers  []protocols.NodeID
	inflight []Envelope
	monitors []protocols.Monitor
	seq      uint64
	out      strings.Builder
	fx       protocols.Effects
	failure  error
	keys     *protocols.Keyring
}

type slot struct {
	cfg    protocols.Config
	make   protocols.Factory
	byz    protocols.Wrapper // set once the node is made byzantine
	node   protocols.Node    // nil while down
	store  []protocols.Record
	synced int
	timers map[string]clock.Time // armed timers and when they are due
}

// New returns an empty harness whose node streams derive from seed.
func New(seed uint64) *Harness {
	return &Harness{Seed: seed, slots: map[protocols.NodeID]*slot{}, keys: protocols.NewKeyring(seed)}
}

// AddServers registers server nodes built by f; each gets the others as peers.
func (h *Harness) AddServers(f protocols.Factory, ids ...protocols.NodeID) {
	for _, id := range ids {
		h.servers = append(h.servers, id)
	}
	protocols.SortIDs(h.servers)
	for _, id := range ids {
		h.add(id, f)
	}
	for _, id := range h.servers {
		h.slots[id].cfg.Peers = protocols.Without(h.servers, id)
	}
}

// AddClients registers client nodes built by f; their peers are the servers.
func (h *Harness) AddClients(f protocols.Factory, ids ...protocols.NodeID) {
	for _, id := range ids {
		h.add(id, f)
		h.slots[id].cfg.Peers = slices.Clone(h.servers)
	}
}

func (h *Harness) add(id protocols.NodeID, f protocols.Factory) {
	if _, dup := h.slots[id]; dup {
		panic(fmt.Sprintf("prototest: node %s added twice", id))
	}
	fh := fnv.New64a()
	fh.Write([]byte(id))
	h.slots[id] = &slot{
		cfg:    protocols.Config{ID: id, Rand: rand.New(rand.NewPCG(h.Seed, fh.Sum64())), Keys: h.keys.For(id)},
		make:   f,
		timers: map[string]clock.Time{},
	}
	h.order = append(h.order, id)
}

// AddMonitor makes m check the cluster after every step.
func (h *Harness) AddMonitor(m protocols.Monitor) { h.monitors = append(h.monitors, m) }

// Now implements protocols.Cluster.
func (h *Harness) Now() clock.Time { return h.now }

// Servers implements protocols.Cluster.
func (h *Harness) Servers() []protocols.NodeID { return h.servers }

// Node implements protocols.Cluster: the live node, or nil while down.
func (h *Harness) Node(id protocols.NodeID) protocols.Node {
	if s := h.slots[id]; s != nil {
		return s.node
	}
	return nil
}

// Byzantine implements protocols.Cluster.
func (h *Harness) Byzantine(id protocols.NodeID) bool {
	s := h.slots[id]
	return s != nil && s.byz != nil
}

// MakeByzantine turns a node byzantine with wrap, now if it is up and in
// every later incarnation.
func (h *Harness) MakeByzantine(id protocols.NodeID, wrap protocols.Wrapper) {
	s := h.mustSlot(id)
	s.byz = wrap
	if s.node != nil {
		s.node = wrap(s.node, h.byzantineConfig(s))
	}
}

// byzantineConfig is a node's Config with the strategy's own random stream.
func (h *Harness) byzantineConfig(s *slot) protocols.Config {
	cfg := s.cfg
	fh := fnv.New64a()
	fh.Write([]byte("byzantine/" + s.cfg.ID))
	cfg.Rand = rand.New(rand.NewPCG(h.Seed, fh.Sum64()))
	return cfg
}

// Observe reports notes as if node id had emitted them in a step of its
// own, and runs the monitors on them: a script's hand-driven client (one
// that Inject sends for) reports its operations this way.
func (h *Harness) Observe(id protocols.NodeID, notes ...protocols.Note) {
	for _, n := range notes {
		h.printf("%s note %v\n", id, n)
	}
	h.seq++
	h.check(protocols.Event{Seq: h.seq, Time: h.now, Node: id, Notes: slices.Clone(notes)})
}

// Keys returns the run's keyring, to count signatures.
func (h *Harness) Keys() *protocols.Keyring { return h.keys }

// Failure returns the first monitor violation seen, if any.
func (h *Harness) Failure() error { return h.failure }

// Output returns and clears what the harness printed since the last call.
func (h *Harness) Output() string {
	s := h.out.String()
	h.out.Reset()
	return s
}

func (h *Harness) printf(format string, args ...any) { fmt.Fprintf(&h.out, format, args...) }

func (h *Harness) mustSlot(id protocols.NodeID) *slot {
	s := h.slots[id]
	if s == nil {
		panic(fmt.Sprintf("prototest: unknown node %s", id))
	}
	return s
}

// Advance moves time forward by d without firing anything.
func (h *Harness) Advance(d clock.Duration) { h.now = h.now.Add(d) }

// Start starts the given nodes (all, in the order added, when none given).
func (h *Harness) Start(ids ...protocols.NodeID) {
	if len(ids) == 0 {
		ids = h.order
	}
	for _, id := range ids {
		s := h.mustSlot(id)
		if s.node != nil {
			panic(fmt.Sprintf("prototest: %s is already up", id))
		}
		cfg := s.cfg
		cfg.Store = slices.Clone(s.store[:s.synced])
		s.store = s.store[:s.synced]
		s.node = s.make(cfg)
		if s.byz != nil {
			s.node = s.byz(s.node, h.byzantineConfig(s))
		}
		h.step(id, protocols.Input{Kind: protocols.Start, Now: h.now})
	}
}

// Crash stops a node: its volatile state and unsynced records are lost,
// its timers disarmed, and messages addressed to it are dropped on delivery.
func (h *Harness) Crash(id protocols.NodeID) {
	s := h.mustSlot(id)
	s.node = nil
	lost := len(s.store) - s.synced
	s.store = s.store[:s.synced]
	clear(s.timers)
	h.printf("%s crashed (%d unsynced records lost)\n", id, lost)
}

// Restart builds a new incarnation of a crashed node from its synced records.
func (h *Harness) Restart(id protocols.NodeID) {
	if h.mustSlot(id).node != nil {
		panic(fmt.Sprintf("prototest: restart of %s, which is up", id))
	}
	h.Start(id)
}

// Fire fires a node's armed timer. Firing a timer that is not armed prints
// a note and does nothing, as the simulator would.
func (h *Harness) Fire(id protocols.NodeID, timer string) {
	s := h.mustSlot(id)
	due, armed := s.timers[timer]
	if s.node == nil || !armed {
		h.printf("%s: timer %s is not armed\n", id, timer)
		return
	}
	delete(s.timers, timer)
	if due > h.now {
		h.now = due
	}
	h.step(id, protocols.Input{Kind: protocols.Timer, Now: h.now, Timer: timer})
}

// Admin delivers an operator's command to a live node, as a scenario's
// "at 2s admin n1 add-server n4" does.
func (h *Harness) Admin(id protocols.NodeID, words ...string) {
	if h.mustSlot(id).node == nil {
		h.printf("%s: down, admin %s not delivered\n", id, strings.Join(words, " "))
		return
	}
	h.step(id, protocols.Input{Kind: protocols.Admin, Now: h.now, Command: slices.Clone(words)})
}

// Inflight returns the messages sent and not yet delivered or dropped.
func (h *Harness) Inflight() []Envelope { return slices.Clone(h.inflight) }

// Deliver delivers, in send order, up to max in-flight messages matching f
// (all of them when max <= 0) that were in flight when it was called, and
// returns how many it delivered.
func (h *Harness) Deliver(f Filter, max int) int {
	picked := h.take(f, max)
	for _, e := range picked {
		h.deliver(e)
	}
	return len(picked)
}

// Drop discards up to max in-flight messages matching f (all when max <= 0).
func (h *Harness) Drop(f Filter, max int) int {
	picked := h.take(f, max)
	for _, e := range picked {
		h.printf("dropped %s\n", e)
	}
	return len(picked)
}

// Duplicate delivers a copy of up to max matching messages, leaving the
// originals in flight.
func (h *Harness) Duplicate(f Filter, max int) int {
	n := 0
	for _, e := range slices.Clone(h.inflight) {
		if f.Matches(e) && (max <= 0 || n < max) {
			n++
			h.printf("duplicate ")
			h.deliver(e)
		}
	}
	return n
}

// Stabilize delivers messages until none are in flight or limit deliveries
// were made, and returns the number delivered. Timers do not fire.
func (h *Harness) Stabilize(limit int) int {
	n := 0
	for len(h.inflight) > 0 && n < limit {
		e := h.inflight[0]
		h.inflight = h.inflight[1:]
		h.deliver(e)
		n++
	}
	return n
}

func (h *Harness) take(f Filter, max int) []Envelope {
	var picked, kept []Envelope
	for _, e := range h.inflight {
		if f.Matches(e) && (max <= 0 || len(picked) < max) {
			picked = append(picked, e)
		} else {
			kept = append(kept, e)
		}
	}
	h.inflight = kept
	return picked
}

func (h *Harness) deliver(e Envelope) {
	if h.mustSlot(e.To).node == nil {
		h.printf("dropped %s (%s is down)\n", e, e.To)
		return
	}
	h.step(e.To, protocols.Input{Kind: protocols.Receive, Now: h.now, From: e.From, Msg: e.Msg})
}

// Inject delivers a message that no node sent, as if from "from"; scripts use
// it for client requests and for Byzantine senders.
func (h *Harness) Inject(from, to protocols.NodeID, m protocols.Message) {
	h.deliver(Envelope{From: from, To: to, Msg: m})
}

func (h *Harness) step(id protocols.NodeID, in protocols.Input) {
	s := h.slots[id]
	h.fx.Reset()
	switch in.Kind {
	case protocols.Receive:
		h.printf("%s->%s %s\n", in.From, id, in.Msg)
	case protocols.Timer:
		h.printf("%s timer %s\n", id, in.Timer)
	case protocols.Start:
		h.printf("%s start (%d records)\n", id, s.synced)
	case protocols.Admin:
		h.printf("%s admin %s\n", id, strings.Join(in.Command, " "))
	}
	s.node.Step(in, &h.fx)
	fx := &h.fx
	if fx.Replace {
		h.printf("  replace store: drop %d records\n", len(s.store))
		s.store = s.store[:0:0]
	}
	for _, r := range fx.Records {
		h.printf("  persist %v\n", r)
	}
	s.store = append(s.store, fx.Records...)
	switch {
	case fx.Replace:
		s.synced = len(s.store)
	case len(fx.Records) > 0 && fx.NoSync:
		h.printf("  (not synced)\n")
	case len(fx.Records) > 0:
		s.synced = len(s.store) // an fsync makes every earlier write durable too
	}
	for _, m := range fx.Sends {
		h.printf("  send %s->%s %s\n", id, m.To, m.Msg)
		h.inflight = append(h.inflight, Envelope{From: id, To: m.To, Msg: m.Msg})
	}
	for _, t := range fx.Timers {
		if t.Cancel {
			delete(s.timers, t.Name)
			h.printf("  cancel timer %s\n", t.Name)
			continue
		}
		s.timers[t.Name] = h.now.Add(t.After)
		h.printf("  set timer %s %s\n", t.Name, clock.FormatDuration(t.After))
	}
	for _, n := range fx.Notes {
		h.printf("  note %v\n", n)
	}
	h.seq++
	h.check(protocols.Event{Seq: h.seq, Time: h.now, Node: id, Input: in.Kind, Notes: slices.Clone(fx.Notes)})
}

// check runs the monitors after one event.
func (h *Harness) check(ev protocols.Event) {
	for _, m := range h.monitors {
		if err := m.Check(h, ev); err != nil {
			h.printf("VIOLATION %v\n", err)
			if h.failure == nil {
				h.failure = err
			}
		}
	}
}

// Store returns a node's durable records and how many of them are synced.
func (h *Harness) Store(id protocols.NodeID) ([]protocols.Record, int) {
	s := h.mustSlot(id)
	return slices.Clone(s.store), s.synced
}

// Timers returns a node's armed timers, sorted by name.
func (h *Harness) Timers(id protocols.NodeID) []string {
	s := h.mustSlot(id)
	names := make([]string, 0, len(s.timers))
	for name := range s.timers {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
