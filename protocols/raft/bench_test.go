package raft

import (
	"container/heap"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// loop is a minimal event loop for benchmarks and soak tests: the
// canonical Raft benchmark's world (docs/architecture.md) without the simulator, which
// this package may not import. Links have latency uniform in 1–10ms and
// lose 10% of messages; every 10s the current leader is isolated for 2s;
// every monitor checks every event. It measures the protocol and its
// monitors, not the simulator.
type loop struct {
	now      clock.Time
	seq      uint64
	queue    eventQueue
	nodes    map[protocols.NodeID]protocols.Node
	servers  []protocols.NodeID
	timers   map[timerKey]uint64 // the live generation of each armed timer
	rng      *rand.Rand
	monitors []protocols.Monitor
	isolated protocols.NodeID
	fx       protocols.Effects
	events   int
	failure  error

	deepCopy bool   // send a deep copy of every message, as the simulator's test mode does
	trace    uint64 // a running FNV-1a hash of every event and its effects, when tracing
	tracing  bool

	// stores, when set, keeps every server's durable records as the
	// simulator does (a replacement drops the earlier ones), so memory
	// measurements count them; nothing reads them back (the loop has no
	// crashes).
	stores map[protocols.NodeID][]protocols.Record
}

type timerKey struct {
	node protocols.NodeID
	name string
}

type event struct {
	at       clock.Time
	seq      uint64
	to, from protocols.NodeID
	msg      protocols.Message // nil for a timer
	timer    string
	gen      uint64
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func newLoop(seed uint64, servers, clients int, opts Options) *loop {
	w := &loop{
		nodes:   map[protocols.NodeID]protocols.Node{},
		servers: protocols.Servers(servers),
		timers:  map[timerKey]uint64{},
		rng:     rand.New(rand.NewPCG(seed, 1)),
	}
	w.monitors = Monitors()
	f := New(opts)
	for i, id := range w.servers {
		w.nodes[id] = f(protocols.Config{ID: id, Peers: protocols.Without(w.servers, id), Rand: rand.New(rand.NewPCG(seed, uint64(100+i)))})
	}
	cf := kv.NewClient(kv.ClientOptions{})
	for i, id := range protocols.Clients(clients) {
		w.nodes[id] = cf(protocols.Config{ID: id, Peers: w.servers, Rand: rand.New(rand.NewPCG(seed, uint64(200+i)))})
	}
	for _, id := range append(append([]protocols.NodeID{}, w.servers...), protocols.Clients(clients)...) {
		w.step(id, protocols.Input{Kind: protocols.Start})
	}
	return w
}

func (w *loop) Now() clock.Time                         { return w.now }
func (w *loop) Servers() []protocols.NodeID             { return w.servers }
func (w *loop) Byzantine(protocols.NodeID) bool         { return false }
func (w *loop) Node(id protocols.NodeID) protocols.Node { return w.nodes[id] }

func (w *loop) push(e event) {
	w.seq++
	e.seq = w.seq
	heap.Push(&w.queue, e)
}

func (w *loop) step(id protocols.NodeID, in protocols.Input) {
	in.Now = w.now
	w.fx.Reset()
	w.nodes[id].Step(in, &w.fx)
	if w.tracing {
		w.hash(string(id), in.Kind.String(), in.Timer)
		if in.Msg != nil {
			w.hash(in.Msg.String())
		}
		for _, r := range w.fx.Records {
			w.hash(r.(interface{ String() string }).String())
		}
		for _, s := range w.fx.Sends {
			w.hash(string(s.To), s.Msg.String())
		}
		for _, n := range w.fx.Notes {
			if p, ok := n.(protocols.Probe); ok {
				w.hash(string(p))
				continue
			}
			w.hash(n.(interface{ String() string }).String())
		}
	}
	if w.stores != nil {
		if w.fx.Replace {
			w.stores[id] = nil
		}
		w.stores[id] = append(w.stores[id], w.fx.Records...)
	}
	for _, s := range w.fx.Sends {
		if w.cut(id, s.To) || w.rng.IntN(10) == 0 {
			continue
		}
		msg := s.Msg
		if ae, ok := msg.(*AppendEntries); ok && w.deepCopy {
			c := *ae
			c.Entries = append([]Entry(nil), ae.Entries...)
			msg = &c
		}
		lat := clock.Duration(1+w.rng.IntN(10)) * clock.Millisecond
		w.push(event{at: w.now.Add(lat), to: s.To, from: id, msg: msg})
	}
	for _, t := range w.fx.Timers {
		k := timerKey{id, t.Name}
		w.timers[k]++
		if !t.Cancel {
			w.push(event{at: w.now.Add(t.After), to: id, timer: t.Name, gen: w.timers[k]})
		}
	}
	w.events++
	ev := protocols.Event{Seq: uint64(w.events), Time: w.now, Node: id, Input: in.Kind, Notes: w.fx.Notes}
	for _, m := range w.monitors {
		if err := m.Check(w, ev); err != nil && w.failure == nil {
			w.failure = err
		}
	}
}

func (w *loop) hash(parts ...string) {
	const prime = 1099511628211
	if w.trace == 0 {
		w.trace = 14695981039346656037
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			w.trace ^= uint64(p[i])
			w.trace *= prime
		}
		w.trace ^= 0xff
		w.trace *= prime
	}
}

func (w *loop) cut(a, b protocols.NodeID) bool {
	return w.isolated != "" && (a == w.isolated || b == w.isolated)
}

// run advances the loop to until, isolating the leader for 2s every 10s.
func (w *loop) run(until clock.Time) {
	nextChaos := clock.Time(10 * clock.Second)
	for len(w.queue) > 0 && w.failure == nil {
		if w.queue[0].at >= nextChaos {
			w.now = nextChaos
			if w.isolated == "" {
				w.isolated = w.leader()
				nextChaos = nextChaos.Add(2 * clock.Second)
			} else {
				w.isolated = ""
				nextChaos = nextChaos.Add(8 * clock.Second)
			}
			continue
		}
		e := heap.Pop(&w.queue).(event)
		if e.at > until {
			return
		}
		w.now = e.at
		if e.msg == nil {
			if w.timers[timerKey{e.to, e.timer}] != e.gen {
				continue // cancelled or re-armed since
			}
			delete(w.timers, timerKey{e.to, e.timer})
			w.step(e.to, protocols.Input{Kind: protocols.Timer, Timer: e.timer})
			continue
		}
		w.step(e.to, protocols.Input{Kind: protocols.Receive, From: e.from, Msg: e.msg})
	}
}

func (w *loop) leader() protocols.NodeID {
	var best protocols.NodeID
	var term uint64
	for _, id := range w.servers {
		if n := w.nodes[id].(*node); n.role == leader && n.term >= term {
			best, term = id, n.term
		}
	}
	return best
}

func (w *loop) opsDone() int {
	done := 0
	for id, n := range w.nodes {
		if id[0] == 'c' {
			done += n.Status().Commit
		}
	}
	return done
}

// BenchmarkRaftLoop runs the canonical loop for 60 simulated seconds per
// iteration and reports simulated seconds and completed client operations
// per wall second.
func BenchmarkRaftLoop(b *testing.B) {
	b.ReportAllocs()
	var ops, events int
	for i := 0; b.Loop(); i++ {
		w := newLoop(uint64(i), 5, 3, Options{})
		w.run(clock.Time(60 * clock.Second))
		if w.failure != nil {
			b.Fatal(w.failure)
		}
		ops += w.opsDone()
		events += w.events
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*60/sec, "simsec/s")
	b.ReportMetric(float64(ops)/sec, "ops/s")
	b.ReportMetric(float64(events)/sec, "events/s")
}

// BenchmarkRaftLoopFeatures is BenchmarkRaftLoop with PreVote,
// CheckQuorum, lease reads and snapshots every 100 entries.
func BenchmarkRaftLoopFeatures(b *testing.B) {
	b.ReportAllocs()
	var ops, events int
	for i := 0; b.Loop(); i++ {
		w := newLoop(uint64(i), 5, 3, everyFeature())
		w.run(clock.Time(60 * clock.Second))
		if w.failure != nil {
			b.Fatal(w.failure)
		}
		ops += w.opsDone()
		events += w.events
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*60/sec, "simsec/s")
	b.ReportMetric(float64(ops)/sec, "ops/s")
	b.ReportMetric(float64(events)/sec, "events/s")
}

func everyFeature() Options {
	return Options{PreVote: true, CheckQuorum: true, Read: ReadLease, SnapshotMin: 100}
}

// BenchmarkRaftHourMemory runs the canonical loop for an hour of simulated
// time, every monitor on, and reports the live heap (after a collection)
// at 10 and at 60 simulated minutes, with snapshots (every 100 entries) and
// without. With snapshots the heap is flat: logs, stores and the monitors'
// ghosts stay bounded. Without, every log and store grows with every entry.
// Run it with -benchtime 1x: one iteration is an hour.
func BenchmarkRaftHourMemory(b *testing.B) {
	for _, c := range []struct {
		name string
		opts Options
	}{{"snapshots", everyFeature()}, {"no-snapshots", Options{}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				w := newLoop(1, 5, 3, c.opts)
				w.stores = map[protocols.NodeID][]protocols.Record{}
				var at10, at60 float64
				for m := 10; m <= 60; m += 10 {
					w.run(clock.Time(clock.Duration(m) * clock.Minute))
					if w.failure != nil {
						b.Fatal(w.failure)
					}
					mb := liveHeapMB()
					b.Logf("%s: %2d simulated minutes: %6.1f MB live heap, %d ops", c.name, m, mb, w.opsDone())
					if m == 10 {
						at10 = mb
					}
					at60 = mb
				}
				b.ReportMetric(at10, "MB@10min")
				b.ReportMetric(at60, "MB@60min")
			}
		})
	}
}

func liveHeapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// A minute of the canonical loop on correct Raft: no violation, and the
// clients get work done despite the leader being isolated every 10s.
func TestCanonicalLoopIsSafeAndLive(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of simulated chaos")
	}
	for seed := uint64(1); seed <= 3; seed++ {
		w := newLoop(seed, 5, 3, Options{})
		w.run(clock.Time(60 * clock.Second))
		if w.failure != nil {
			t.Fatalf("seed %d: %v", seed, w.failure)
		}
		if ops := w.opsDone(); ops < 1000 {
			t.Errorf("seed %d: only %d operations completed in 60s", seed, ops)
		}
		t.Logf("seed %d: %d events, %d ops, leader %s", seed, w.events, w.opsDone(), w.leader())
	}
}

// Determinism rules 5 and 6 for this package: the same seed gives the same
// trace, and deep-copying every message changes nothing (no node keeps a
// pointer into a message, or changes one it sent).
func TestSameSeedSameTraceEvenWithCopiedMessages(t *testing.T) {
	run := func(seed uint64, deepCopy bool) (uint64, int) {
		w := newLoop(seed, 5, 3, Options{})
		w.tracing, w.deepCopy = true, deepCopy
		w.run(clock.Time(12 * clock.Second))
		if w.failure != nil {
			t.Fatal(w.failure)
		}
		return w.trace, w.events
	}
	for seed := uint64(1); seed <= 2; seed++ {
		h1, e1 := run(seed, false)
		h2, e2 := run(seed, false)
		h3, e3 := run(seed, true)
		if h1 != h2 || e1 != e2 {
			t.Errorf("seed %d: two runs differ: %x/%d vs %x/%d", seed, h1, e1, h2, e2)
		}
		if h1 != h3 || e1 != e3 {
			t.Errorf("seed %d: deep-copying messages changed the run: %x/%d vs %x/%d", seed, h1, e1, h3, e3)
		}
	}
	if h1, _ := run(1, false); h1 == func() uint64 { h, _ := run(2, false); return h }() {
		t.Error("different seeds gave the same trace")
	}
}
