package sim

import (
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

type eventKind uint8

const (
	evStart eventKind = iota + 1
	evDeliver
	evTimer
	evFault
	evDrain // run the next input a resumed node held while paused
	evFlush // release a clogged link's messages when its clog ends
	evAdmin // an operator's command to a node (fault carries it)
)

// event is one entry of the queue. Deliveries and timers carry the target
// node's incarnation so that those outliving a crash are discarded.
type event struct {
	at      clock.Time
	seq     uint64 // insertion order: breaks ties at equal times
	kind    eventKind
	fate    net.Reason // deliveries: Lost or Targeted when decided at send
	node    int32
	from    int32
	inc     uint32 // the target's incarnation when scheduled
	arrived bool   // held by a paused node: the network has already delivered it
	gen     uint32 // timers: the timer's generation when set
	sent    clock.Time
	msg     protocols.Message
	timer   int32 // timers: the timer's index among its node's (node.timers)
	fault   *Fault
}

// queue is a binary min-heap of events ordered by (at, seq). The heap holds
// small pointer-free entries that index a slab of events, so sifting moves 24
// bytes and triggers no GC write barriers; it is written out rather than
// built on container/heap to avoid boxing every entry in an interface.
// Sifting carries the moving entry in a local and writes it once, where it
// stops, instead of swapping it down (or up) a level at a time. (A
// four-ary heap, half as deep, did more instructions: its extra comparisons
// cost more than the moves it saved.)
type queue struct {
	h      []qent
	slab   []event
	free   []int32
	popped int32 // the slot of the event popped last, plus one: in use until the next pop
}

type qent struct {
	at   clock.Time
	seq  uint64
	slot int32
}

// before reports whether a comes before b: earlier, or as early and pushed
// first.
func (a *qent) before(b *qent) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (q *queue) Len() int { return len(q.h) }

func (q *queue) push(e event) {
	var slot int32
	if n := len(q.free); n > 0 {
		slot, q.free = q.free[n-1], q.free[:n-1]
		q.slab[slot] = e
	} else {
		slot = int32(len(q.slab))
		q.slab = append(q.slab, e)
	}
	x := qent{at: e.at, seq: e.seq, slot: slot}
	q.h = append(q.h, x)
	h := q.h
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !x.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
}

// peekAt returns the time of the earliest event.
func (q *queue) peekAt() clock.Time { return q.h[0].at }

// at returns the i-th queued event, in heap order, for inspection.
func (q *queue) at(i int) *event { return &q.slab[q.h[i].slot] }

// pop removes the earliest event and returns it where it lies in the slab,
// so that the world handles it without copying it out. Its slot stays
// taken until the next pop, which clears it (letting the message be
// collected) and frees it. Events pushed meanwhile may grow the slab: the
// popped event is then read and changed in the old array, which nothing
// else reads.
func (q *queue) pop() *event {
	if q.popped > 0 {
		slot := q.popped - 1
		q.slab[slot] = event{}
		q.free = append(q.free, slot)
	}
	h := q.h
	top := h[0]
	last := len(h) - 1
	x := h[last]
	h = h[:last]
	q.h = h
	i, n := 0, last
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].before(&h[c]) {
			c = r
		}
		if !h[c].before(&x) {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = x
	}
	q.popped = top.slot + 1
	return &q.slab[top.slot]
}
