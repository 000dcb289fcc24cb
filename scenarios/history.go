package scenarios

import (
	"cmp"
	"fmt"
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
	open      map[opID]int // index into ops of each operation not yet completed
	abandoned map[int]bool // operations whose client crashed before learning their outcome
}

type opID struct {
	client protocols.NodeID
	seq    uint64
}

func newHistory() *history { return &history{open: map[opID]int{}, abandoned: map[int]bool{}} }

func (h *history) observe(w *sim.World, ev *sim.Info) {
	if ev.Input == protocols.Start {
		// A restarted client is a new incarnation: what its old one was
		// waiting for stays indeterminate, and nobody waits for it any more.
		for id, i := range h.open {
			if id.client == ev.Node {
				h.abandoned[i] = true
				delete(h.open, id)
			}
		}
	}
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case kv.Invoked:
			if len(h.ops) == MaxHistory {
				w.Fail("memory-budget", fmt.Sprintf("the client history holds %d operations (the budget is %d): clients complete operations far faster than any real network allows", len(h.ops), MaxHistory))
				return
			}
			h.open[opID{n.Client, n.Seq}] = len(h.ops)
			h.ops = append(h.ops, checker.Op{
				Client: string(n.Client), Kind: checker.OpKind(n.Op.Kind.String()), Key: n.Op.Key, Value: n.Op.Value,
				Call: int64(ev.Time), Outcome: checker.OutcomeIndeterminate,
			})
		case kv.Abandoned:
			id := opID{n.Client, n.Seq}
			if i, ok := h.open[id]; ok {
				h.abandoned[i] = true
				delete(h.open, id)
			}
		case kv.Completed:
			id := opID{n.Client, n.Seq}
			i, ok := h.open[id]
			if !ok {
				continue
			}
			delete(h.open, id)
			op := &h.ops[i]
			op.Return, op.Outcome = int64(ev.Time), checker.OutcomeOK
			if n.Op.Kind == kv.Get {
				op.Output = n.Output
			}
		}
	}
}

// counts returns how many operations completed and how many never did.
func (h *history) counts() (ok, indeterminate int) {
	for _, op := range h.ops {
		if op.Outcome == checker.OutcomeOK {
			ok++
		}
	}
	return ok, len(h.ops) - ok
}

// latencies returns the p50 and p99 latency of completed operations.
func (h *history) latencies() (p50, p99 clock.Duration) {
	var ls []clock.Duration
	for _, op := range h.ops {
		if op.Outcome == checker.OutcomeOK {
			ls = append(ls, clock.Duration(op.Return-op.Call))
		}
	}
	if len(ls) == 0 {
		return 0, 0
	}
	slices.Sort(ls)
	at := func(q float64) clock.Duration { return ls[min(len(ls)-1, int(q*float64(len(ls))))] }
	return at(0.50), at(0.99)
}

// stuck returns the operation that waited longest beyond bound for an
// answer once the healing phase began at healed, judged at end: after every
// fault is off, each operation must complete within bound of the later of
// its call and the start of healing.
func (h *history) stuck(healed, end clock.Time, bound clock.Duration) (checker.Op, clock.Duration, bool) {
	var worst checker.Op
	var worstWait clock.Duration
	found := false
	for i, op := range h.ops {
		if h.abandoned[i] {
			continue
		}
		start := max(clock.Time(op.Call), healed)
		done := end
		if op.Outcome == checker.OutcomeOK {
			done = clock.Time(op.Return)
		}
		if done < start {
			continue
		}
		if wait := done.Sub(start); wait > bound && (!found || wait > worstWait) {
			worst, worstWait, found = op, wait, true
		}
	}
	return worst, worstWait, found
}

// sorted returns the operations ordered by call time, for output.
func (h *history) sorted() []checker.Op {
	ops := slices.Clone(h.ops)
	slices.SortStableFunc(ops, func(a, b checker.Op) int { return cmp.Compare(a.Call, b.Call) })
	return ops
}
