package scenarios

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/sim"
)

// history records the KV operations of a run from the clients' notes, in
// global virtual time: the input of the linearizability and liveness checks.
type history struct {
	ops       []checker.Op
	clients   []clientOps  // each client's operations not yet completed
	abandoned map[int]bool // operations whose client crashed before learning their outcome
	// latencies and perSecond are the completed operations' latencies and
	// counts by the second they returned in, gathered as each completes,
	// which spares the result a pass over the history for each figure.
	latencies []clock.Duration
	perSecond []int
	// seen is, by node index (sim.Info.Index), 1 + the position in clients
	// of the client found last in that node's notes: a client notes its
	// own operations, so one look at the slot finds it (0: none yet).
	seen []int32
}

// clientOps are one client's open operations: one for a closed-loop
// client, a few for an open-loop one, so a list beats a map.
type clientOps struct {
	id   protocols.NodeID
	open []openOp
}

// openOp is an operation not yet completed: its sequence number and its
// index into ops.
type openOp struct {
	seq uint64
	at  int
}

// opID names an operation: its client and sequence number.
type opID struct {
	client protocols.NodeID
	seq    uint64
}

func newHistory() *history { return &history{abandoned: map[int]bool{}} }

// client returns the open operations of the client called id, noted at
// node index at, adding it if it has invoked nothing before.
func (h *history) client(id protocols.NodeID, at int) *clientOps {
	if c := h.find(id, at); c != nil {
		return c
	}
	h.clients = append(h.clients, clientOps{id: id})
	h.remember(at, len(h.clients)-1)
	return &h.clients[len(h.clients)-1]
}

// find returns the open operations of the client called id, noted at node
// index at, or nil if it has invoked nothing. The client found last at
// that index is looked at first, by name, so a wrong guess costs only the
// scan that follows.
func (h *history) find(id protocols.NodeID, at int) *clientOps {
	if at >= 0 && at < len(h.seen) && h.seen[at] > 0 {
		if c := &h.clients[h.seen[at]-1]; protocols.SameString(c.id, id) {
			return c
		}
	}
	for i := range h.clients {
		if protocols.SameString(h.clients[i].id, id) {
			h.remember(at, i)
			return &h.clients[i]
		}
	}
	return nil
}

// remember notes that the client at position i of clients was found at
// node index at.
func (h *history) remember(at, i int) {
	if at < 0 {
		return
	}
	if at >= len(h.seen) {
		h.seen = append(h.seen, make([]int32, at+1-len(h.seen))...)
	}
	h.seen[at] = int32(i) + 1
}

// take removes the open operation seq and returns its index into ops.
func (c *clientOps) take(seq uint64) (int, bool) {
	for i, o := range c.open {
		if o.seq == seq {
			// In place, without slices.Delete's calls to move and
			// clear: the taken one is nearly always the last (a
			// closed-loop client has one open), and openOp holds no
			// pointers to clear.
			if last := len(c.open) - 1; i < last {
				copy(c.open[i:], c.open[i+1:])
			}
			c.open = c.open[:len(c.open)-1]
			return o.at, true
		}
	}
	return 0, false
}

// restarted forgets the open operations of a client that restarts: it is
// a new incarnation, so what its old one was waiting for stays
// indeterminate, and nobody waits for it any more.
func (h *history) restarted(id protocols.NodeID, at int) {
	if c := h.find(id, at); c != nil {
		for _, o := range c.open {
			h.abandoned[o.at] = true
		}
		c.open = c.open[:0]
	}
}

// invoked records an operation a client invoked at event ev. It fails the
// run and returns false when the history is full.
func (h *history) invoked(w *sim.World, ev *sim.Info, n *kv.Invoked) bool {
	if len(h.ops) == MaxHistory {
		w.Fail("memory-budget", fmt.Sprintf("the client history holds %d operations (the budget is %d): clients complete operations far faster than any real network allows", len(h.ops), MaxHistory))
		return false
	}
	c := h.client(n.Client, ev.Index)
	c.open = append(c.open, openOp{seq: n.Seq, at: len(h.ops)})
	if len(h.ops) == cap(h.ops) {
		// Double it: append grows a long slice by a quarter at a time,
		// copying the whole history again every few hundred operations.
		h.ops = slices.Grow(h.ops, max(len(h.ops), 64))
	}
	h.ops = append(h.ops, checker.Op{
		Client: string(n.Client), Kind: checker.OpKind(n.Op.Kind.String()), Key: n.Op.Key, Value: n.Op.Value,
		Call: int64(ev.Time), Outcome: checker.OutcomeIndeterminate,
	})
	return true
}

// abandon marks an open operation its client gave up on.
func (h *history) abandon(ev *sim.Info, n *kv.Abandoned) {
	if c := h.find(n.Client, ev.Index); c != nil {
		if i, ok := c.take(n.Seq); ok {
			h.abandoned[i] = true
		}
	}
}

// completed records the outcome of an open operation at event ev.
func (h *history) completed(ev *sim.Info, n *kv.Completed) {
	c := h.find(n.Client, ev.Index)
	if c == nil {
		return
	}
	i, ok := c.take(n.Seq)
	if !ok {
		return
	}
	op := &h.ops[i]
	op.Return, op.Outcome = int64(ev.Time), checker.OutcomeOK
	if n.Op.Kind == kv.Get {
		op.Output = n.Output
	}
	h.latencies = append(h.latencies, clock.Duration(op.Return-op.Call))
	sec := int(op.Return / int64(clock.Second))
	if sec >= len(h.perSecond) {
		h.perSecond = append(h.perSecond, make([]int, sec+1-len(h.perSecond))...)
	}
	h.perSecond[sec]++
}

// counts returns how many operations completed and how many never did.
func (h *history) counts() (ok, indeterminate int) {
	return len(h.latencies), len(h.ops) - len(h.latencies)
}

// percentiles returns the p50 and p99 latency of completed operations.
// It reorders h.latencies.
func (h *history) percentiles() (p50, p99 clock.Duration) {
	ls := h.latencies
	if len(ls) == 0 {
		return 0, 0
	}
	at := func(q float64) int { return min(len(ls)-1, int(q*float64(len(ls)))) }
	i50, i99 := at(0.50), at(0.99)
	nth(ls, i99)
	if i50 < i99 {
		nth(ls[:i99], i50) // what is before the 99th percentile holds the 50th
	}
	return ls[i50], ls[i99]
}

// latencyStats are the max and mean latency of completed operations.
func (h *history) latencyStats() (maxL, mean clock.Duration) {
	var sum clock.Duration
	for _, l := range h.latencies {
		maxL = max(maxL, l)
		sum += l
	}
	if len(h.latencies) == 0 {
		return 0, 0
	}
	return maxL, sum / clock.Duration(len(h.latencies))
}

// throughput is the operations completed in each second of virtual time,
// from the first second to the end of the run (later ones in the last).
func (h *history) throughput(end clock.Time) []float64 {
	n := int(math.Ceil(float64(end) / float64(clock.Second)))
	if n <= 0 {
		return nil
	}
	out := make([]float64, n)
	for sec, done := range h.perSecond {
		out[min(sec, n-1)] += float64(done)
	}
	return out
}

// nth puts at ls[n] what sorting ls would put there, with nothing larger
// before it and nothing smaller after: in linear time on average, where
// sorting a run's latencies for two percentiles took O(n log n). A part
// the partitions shrink too slowly is sorted, which bounds the time.
func nth(ls []clock.Duration, n int) {
	lo, hi := 0, len(ls) // ls[n] belongs in ls[lo:hi]
	for rounds := 0; hi-lo > 16; rounds++ {
		if rounds == 64 {
			break
		}
		a, b, c := ls[lo], ls[lo+(hi-lo)/2], ls[hi-1]
		p := max(min(a, b), min(max(a, b), c)) // the median of the three
		// Three ways: ls[lo:lt] < p, ls[lt:gt] == p, ls[gt:hi] > p.
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := ls[i]; {
			case v < p:
				ls[lt], ls[i] = v, ls[lt]
				lt++
				i++
			case v > p:
				gt--
				ls[gt], ls[i] = v, ls[gt]
			default:
				i++
			}
		}
		switch {
		case n < lt:
			hi = lt
		case n >= gt:
			lo = gt
		default:
			return
		}
	}
	slices.Sort(ls[lo:hi])
}

// stuck returns the operation that waited longest beyond bound for an
// answer once the healing phase began at healed, judged at end: after every
// fault is off, each operation must complete within bound of the later of
// its call and the start of healing.
func (h *history) stuck(healed, end clock.Time, bound clock.Duration) (checker.Op, clock.Duration, bool) {
	worst, worstWait := -1, clock.Duration(0)
	for i := range h.ops {
		if len(h.abandoned) > 0 && h.abandoned[i] {
			continue
		}
		op := &h.ops[i] // read in place: a copy of each op cost more than the rest of the loop
		start := max(clock.Time(op.Call), healed)
		done := end
		if op.Outcome == checker.OutcomeOK {
			done = clock.Time(op.Return)
		}
		if done < start {
			continue
		}
		if wait := done.Sub(start); wait > bound && (worst < 0 || wait > worstWait) {
			worst, worstWait = i, wait
		}
	}
	if worst < 0 {
		return checker.Op{}, 0, false
	}
	return h.ops[worst], worstWait, true
}

// sorted returns a copy of the operations ordered by call time, for
// output.
func (h *history) sorted() []checker.Op {
	ops, copied := h.inCallOrder()
	if !copied {
		ops = slices.Clone(ops)
	}
	return ops
}

// inCallOrder returns the operations ordered by call time, to be read
// only: h.ops itself when it is in that order, as it is when each is
// recorded as its invocation is processed (the world processes events in
// time order); a stably sorted copy (copied) for a history that is not.
func (h *history) inCallOrder() (ops []checker.Op, copied bool) {
	for i := 1; i < len(h.ops); i++ {
		if h.ops[i].Call < h.ops[i-1].Call {
			ops := slices.Clone(h.ops)
			slices.SortStableFunc(ops, func(a, b checker.Op) int { return cmp.Compare(a.Call, b.Call) })
			return ops, true
		}
	}
	return h.ops, false
}
