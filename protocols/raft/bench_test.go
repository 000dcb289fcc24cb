package raft

import (
	"container/heap"
	"math/rand/v2"
	"testing"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// loop is a minimal event loop for benchmarks and soak tests: the
// canonical Raft benchmark's world (DESIGN.md) without the simulator, which
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
	for _, s := range w.fx.Sends {
		if w.cut(id, s.To) || w.rng.IntN(10) == 0 {
			continue
		}
		lat := clock.Duration(1+w.rng.IntN(10)) * clock.Millisecond
		w.push(event{at: w.now.Add(lat), to: s.To, from: id, msg: s.Msg})
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
