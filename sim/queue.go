package sim

import (
	"math/bits"

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
	next    int32 // the queue's: the next event in its bucket, or the next free slot, as its slot plus one
	fault   *Fault
}

// queue holds the world's events and pops them in order of (at, seq). It
// is a calendar queue: time is cut into buckets of 2^bucketShift ns, the
// window of nearBuckets buckets from the bucket of the earliest event
// (cur) is a ring of lists, each sorted by (at, seq) and linked through
// the events themselves (event.next), with a bitmap of the buckets that
// hold any; events past the window wait in a binary heap (far) and move
// into the ring as the window reaches them. A run's events are mostly
// deliveries a few milliseconds ahead and timers under a second ahead,
// about one a simulated millisecond, so a push lands in a bucket holding
// none or one, and a pop finds the next bucket in the bitmap's first word
// or two, where the binary heap this replaced sifted through three or
// four levels of about 23 events.
//
// The events lie in a slab, reused through a free list linked through
// the free slots (event.next again), so that the world handles an event
// where it lies; far's entries are small and pointer-free, so sifting
// them moves 24 bytes and triggers no GC write barriers.
//
// A crowded bucket (hundreds of events in a millisecond, pushed out of
// order, as with hundreds of nodes) would make its sorted list a long
// walk for every push: past crowd steps, an event waits in a second heap
// (over) instead, and the earliest event is the earlier of the ring's and
// over's (head).
//
// Invariant: every event in the ring lies in a bucket in [cur,
// cur+nearBuckets), every event in far in a bucket past the window, and
// cur only grows. An event pushed earlier than cur's bucket (one injected
// at the current time, after a look that popped nothing moved cur on)
// goes into cur's: it is the earliest anyway, and sorts first there.
type queue struct {
	slab   []event
	free   int32 // the first free slot, plus one; a free slot's next is the next free one
	popped int32 // the slot of the event popped last, plus one: in use until the next pop

	n    int                // events queued, in the ring and in far
	ring int                // of them in the ring
	cur  int64              // the window's first bucket
	near [nearBuckets]int32 // bucket b's list at b & nearMask: the slot of its first event, plus one
	last [nearBuckets]int32 // and of its last
	full [nearWords]uint64  // bit b & nearMask: bucket b holds events
	far  []qent             // min-heap by (at, seq) of the events past the window
	over []qent             // min-heap of events of a crowded bucket that would sort far from its end (insert)
}

const (
	bucketShift = 20 // a bucket spans 2^20 ns, about a millisecond
	nearBits    = 10
	nearBuckets = 1 << nearBits // the window: about a second
	nearMask    = nearBuckets - 1
	nearWords   = nearBuckets / 64
)

type qent struct {
	at   clock.Time
	seq  uint64
	slot int32
}

// earlier reports whether (at, seq) comes before (bt, bseq): the queue's
// order, by time and then by push order.
func earlier(at clock.Time, seq uint64, bt clock.Time, bseq uint64) bool {
	return at < bt || (at == bt && seq < bseq)
}

func (a *qent) before(b *qent) bool     { return earlier(a.at, a.seq, b.at, b.seq) }
func (e *event) precedes(o *event) bool { return earlier(e.at, e.seq, o.at, o.seq) }

func bucketOf(at clock.Time) int64 { return int64(at) >> bucketShift }

func (q *queue) Len() int { return q.n }

func (q *queue) push(e event) {
	var slot int32
	if q.free > 0 {
		slot = q.free - 1
		q.free = q.slab[slot].next
		q.slab[slot] = e
	} else {
		slot = int32(len(q.slab))
		q.slab = append(q.slab, e)
	}
	q.n++
	b := max(bucketOf(e.at), q.cur)
	if b >= q.cur+nearBuckets {
		heapPush(&q.far, qent{at: e.at, seq: e.seq, slot: slot})
		return
	}
	q.insert(b, slot)
}

// insert links the event in slot into bucket b of the window, in order.
// Most events go last (pushed later, and as late or later: with a fixed
// latency, every message sent at one instant arrives at one instant), so
// the bucket's last event is tried first; a walk from the front finds the
// place of the rest.
func (q *queue) insert(b int64, slot int32) {
	i := int(b & nearMask)
	e := &q.slab[slot]
	e.next = 0
	q.ring++
	switch last := q.last[i]; {
	case last == 0:
		q.near[i], q.last[i] = slot+1, slot+1
		q.full[i>>6] |= 1 << (i & 63)
		return
	case !e.precedes(&q.slab[last-1]):
		q.slab[last-1].next, q.last[i] = slot+1, slot+1
		return
	}
	link := &q.near[i] // e precedes the last event: the walk stops at it or before
	for n := 0; ; n++ {
		o := &q.slab[*link-1]
		if e.precedes(o) {
			break
		}
		if n == crowd {
			q.crowded(slot)
			return
		}
		link = &o.next
	}
	e.next, *link = *link, slot+1
}

// crowded queues the event in slot in over, a heap, instead of in its
// bucket: the bucket is crowded (many events in a millisecond, pushed out
// of order, as with hundreds of nodes), and a walk of its whole list for
// every push would make a burst quadratic (BenchmarkQueueCrowded).
func (q *queue) crowded(slot int32) {
	q.ring--
	e := &q.slab[slot]
	heapPush(&q.over, qent{at: e.at, seq: e.seq, slot: slot})
}

// crowd is how far insert walks a bucket's list before it queues an
// event in over instead.
const crowd = 16

// settle moves the window to the bucket of the earliest event, bringing
// in the far events it now reaches, and returns that bucket's place in
// the ring. The queue must not be empty.
func (q *queue) settle() int {
	if q.ring == 0 {
		q.cur = bucketOf(q.far[0].at) // nothing near: the window jumps
		q.pull()
	}
	start := int(q.cur & nearMask)
	i := q.next(start)
	if i != start {
		q.cur += int64((i - start) & nearMask)
		if len(q.far) > 0 && bucketOf(q.far[0].at) < q.cur+nearBuckets {
			q.pull()
		}
	}
	return i
}

// next returns the first place in the ring at or after start, going
// round, whose bucket holds events. The ring must not be empty.
func (q *queue) next(start int) int {
	w := start >> 6
	m := q.full[w] & (^uint64(0) << (start & 63))
	for m == 0 {
		w = (w + 1) & (nearWords - 1)
		m = q.full[w]
	}
	return w<<6 | bits.TrailingZeros64(m)
}

// pull moves the far events the window now reaches into the ring. They
// lie past every event already there, which lie before the window's old
// end.
func (q *queue) pull() {
	end := q.cur + nearBuckets
	for len(q.far) > 0 && bucketOf(q.far[0].at) < end {
		x := heapPop(&q.far)
		q.insert(bucketOf(x.at), x.slot)
	}
}

// head returns the slot of the earliest event and the ring place of its
// bucket, or -1 if it waits in over. The queue must not be empty.
func (q *queue) head() (int32, int) {
	slot, i := int32(-1), -1
	if q.ring > 0 || len(q.far) > 0 {
		i = q.settle()
		slot = q.near[i] - 1
	}
	if len(q.over) > 0 && (slot < 0 || q.slab[q.over[0].slot].precedes(&q.slab[slot])) {
		return q.over[0].slot, -1
	}
	return slot, i
}

// each calls f for every queued event, in no particular order, for
// inspection.
func (q *queue) each(f func(*event)) {
	for _, s := range q.near {
		for ; s != 0; s = q.slab[s-1].next {
			f(&q.slab[s-1])
		}
	}
	for _, x := range q.far {
		f(&q.slab[x.slot])
	}
	for _, x := range q.over {
		f(&q.slab[x.slot])
	}
}

// popBefore removes the earliest event if it happens no later than limit
// (nil otherwise: the world's loop, in one look at the queue) and returns
// it where it lies in the slab, so that the world handles it without
// copying it out. Its slot stays taken until the next call, which clears
// it (letting the message be collected) and frees it. Events pushed
// meanwhile may grow the slab: the popped event is then read and changed
// in the old array, which nothing else reads.
func (q *queue) popBefore(limit clock.Time) *event {
	if q.popped > 0 {
		slot := q.popped - 1
		e := &q.slab[slot]
		e.msg, e.fault, e.next = nil, nil, q.free // the message can be collected; a push writes the rest
		q.free, q.popped = q.popped, 0
	}
	var slot int32
	i := -1
	if len(q.over) == 0 { // nearly always: head's first half, without a call
		i = q.settle()
		slot = q.near[i] - 1
	} else {
		slot, i = q.head()
	}
	if q.slab[slot].at > limit {
		return nil
	}
	if i < 0 {
		heapPop(&q.over)
	} else {
		if q.near[i] = q.slab[slot].next; q.near[i] == 0 {
			q.last[i] = 0
			q.full[i>>6] &^= 1 << (i & 63)
		}
		q.ring--
	}
	q.n--
	q.popped = slot + 1
	return &q.slab[slot]
}

// heapPush and heapPop keep a binary min-heap (far, over). Sifting carries
// the moving entry in a local and writes it once, where it stops.
func heapPush(hp *[]qent, x qent) {
	*hp = append(*hp, x)
	h := *hp
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

func heapPop(hp *[]qent) qent {
	h := *hp
	top := h[0]
	last := len(h) - 1
	x := h[last]
	h = h[:last]
	*hp = h
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
	return top
}
