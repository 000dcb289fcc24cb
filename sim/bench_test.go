package sim

import (
	"container/heap"
	"math/rand/v2"
	"testing"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// baseItem and baseHeap are the simplest possible event queue: the physical
// limit of "pop the earliest event, push the next one".
type baseItem struct {
	at  int64
	seq uint64
}

type baseHeap []baseItem

func (h baseHeap) Len() int { return len(h) }
func (h baseHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}
func (h baseHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *baseHeap) Push(x any)   { *h = append(*h, x.(baseItem)) }
func (h *baseHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// BenchmarkHeapBaseline pops an event and pushes its successor, with as many
// events pending as the ping-pong benchmark keeps in flight.
func BenchmarkHeapBaseline(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	h := &baseHeap{}
	var seq uint64
	for range pingPongBalls {
		seq++
		heap.Push(h, baseItem{at: r.Int64N(10_000), seq: seq})
	}
	b.ResetTimer()
	for range b.N {
		it := heap.Pop(h).(baseItem)
		seq++
		heap.Push(h, baseItem{at: it.at + 1000 + r.Int64N(9000), seq: seq})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

const pingPongBalls = 8

// server is a minimal ping-pong node: it returns every ball to a random peer.
type server struct{ cfg protocols.Config }

type pingBall struct{ N int }

func (pingBall) Kind() string   { return "Ball" }
func (pingBall) String() string { return "Ball" }

func (s *server) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		if s.cfg.ID == "n1" {
			for i := range pingPongBalls {
				out.Send(s.cfg.Peers[i%len(s.cfg.Peers)], pingBall{i})
			}
		}
	case protocols.Receive:
		out.Send(s.cfg.Peers[s.cfg.Rand.IntN(len(s.cfg.Peers))], in.Msg)
	}
}

func (s *server) Status() protocols.Status { return protocols.Status{Role: "server"} }

// BenchmarkKernelPingPong bounces balls among five nodes through the whole
// kernel: the network model (latency draws), node steps, effects, queue and
// trace hash. Compare its events/s with BenchmarkHeapBaseline.
func BenchmarkKernelPingPong(b *testing.B) {
	w, err := New(Config{
		Seed:      1,
		Servers:   protocols.Servers(5),
		Server:    func(cfg protocols.Config) protocols.Node { return &server{cfg: cfg} },
		Link:      net.LinkConfig{Latency: net.UniformLatency(clock.Millisecond, 10*clock.Millisecond)},
		MaxEvents: 1 << 62,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if !w.Step() {
			b.Fatal("ran dry: ", w.Failure())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(w.Now())/1e9/b.Elapsed().Seconds(), "simsec/s")
}

// BenchmarkQueue pops an event and pushes its successor with as many
// events pending as raft/canonical keeps on average (23): mostly
// deliveries 1-10ms out and a few timers 50-300ms out.
func BenchmarkQueue(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	var q queue
	var seq uint64
	later := func(now clock.Time) clock.Time {
		if r.IntN(10) == 0 {
			return now + clock.Time(50+r.IntN(250))*clock.Time(clock.Millisecond)
		}
		return now + clock.Time(1+r.IntN(10))*clock.Time(clock.Millisecond)
	}
	for range 23 {
		seq++
		q.push(event{at: later(0), seq: seq})
	}
	b.ResetTimer()
	for range b.N {
		ev := q.pop()
		seq++
		q.push(event{at: later(ev.at), seq: seq})
	}
}

// BenchmarkQueueOneInstant queues a burst of 10,000 events at one instant,
// as a broadcast over links of fixed latency delivers them, and pops them
// all: each push lands last in one bucket, so a push costs the same
// whatever the burst's size (a list walked from its front would make the
// burst quadratic).
func BenchmarkQueueOneInstant(b *testing.B) {
	const burst = 10_000
	var q queue
	var seq uint64
	for range b.N {
		at := clock.Time(seq) * clock.Time(clock.Millisecond)
		for range burst {
			seq++
			q.push(event{at: at, seq: seq})
		}
		for range burst {
			q.pop()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burst), "ns/event")
}

// BenchmarkQueueCrowded queues 10,000 events spread at random over five
// milliseconds, as hundreds of nodes broadcasting over links of uniform
// latency do, and pops them all: a bucket then holds hundreds of events
// pushed out of order, and those that would sort far from its end wait
// in a heap (queue.over) instead of a walk along its list.
func BenchmarkQueueCrowded(b *testing.B) {
	const burst = 10_000
	r := rand.New(rand.NewPCG(1, 1))
	var q queue
	var seq uint64
	for range b.N {
		base := clock.Time(seq) * clock.Time(clock.Millisecond)
		for range burst {
			seq++
			q.push(event{at: base + clock.Time(r.IntN(5_000))*clock.Time(clock.Microsecond), seq: seq})
		}
		for range burst {
			q.pop()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burst), "ns/event")
}
