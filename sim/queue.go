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

func (q *queue) less(i, j int) bool {
	a, b := &q.h[i], &q.h[j]
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
	q.h = append(q.h, qent{at: e.at, seq: e.seq, slot: slot})
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
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
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h = q.h[:last]
	i, n := 0, last
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	q.popped = top.slot + 1
	return &q.slab[top.slot]
}
