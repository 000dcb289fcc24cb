package scenarios

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/sim"
)

// TestHistoryFollowsTheClients drives the runner's observer with random client
// events (invocations, completions, abandonments, restarts, and notes for
// operations it never saw) and checks it against a plain model: a map of
// open operations by client and sequence number.
func TestHistoryFollowsTheClients(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		clients := []protocols.NodeID{"c1", "c2", "c3"}
		h := newHistory()
		observe := (&Run{history: h, metrics: &metrics{disp: &protocols.Display{}, recv: make([]uint64, 1), first: -1}}).observer()
		type key struct {
			client protocols.NodeID
			seq    uint64
		}
		open := map[key]int{}
		abandoned := map[int]bool{}
		var want []checker.Op
		next := map[protocols.NodeID]uint64{}
		steps := rapid.IntRange(1, 60).Draw(rt, "steps")
		for step := 1; step <= steps; step++ {
			// A copy of the name, as a restarted client's notes may carry.
			ci := rapid.IntRange(0, 2).Draw(rt, "client")
			c := protocols.NodeID(fmt.Sprint(clients[ci]))
			// The client's node index, as its own notes come; or another
			// (-1 for none), as they would from a node noting for it.
			at := 5 + ci
			if rapid.IntRange(0, 3).Draw(rt, "elsewhere") == 0 {
				at = rapid.IntRange(-1, 8).Draw(rt, "index")
			}
			ev := &sim.Info{Seq: uint64(step), Time: clock.Time(step), Node: c, Index: at, Input: protocols.Timer}
			op := kv.Op{Kind: kv.Put, Key: "k", Value: fmt.Sprint(step)}
			switch rapid.IntRange(0, 3).Draw(rt, "what") {
			case 0:
				next[c]++
				ev.Notes = []protocols.Note{kv.Invoked{Client: c, Seq: next[c], Op: op}}
				open[key{c, next[c]}] = len(want)
				want = append(want, checker.Op{Client: string(c), Kind: checker.OpKind(op.Kind.String()), Key: op.Key, Value: op.Value, Call: int64(step), Outcome: checker.OutcomeIndeterminate})
			case 1:
				seq := rapid.Uint64Range(1, next[c]+1).Draw(rt, "seq")
				ev.Notes = []protocols.Note{kv.Completed{Client: c, Seq: seq, Op: op}}
				if i, ok := open[key{c, seq}]; ok {
					delete(open, key{c, seq})
					want[i].Return, want[i].Outcome = int64(step), checker.OutcomeOK
				}
			case 2:
				seq := rapid.Uint64Range(1, next[c]+1).Draw(rt, "seq")
				ev.Notes = []protocols.Note{kv.Abandoned{Client: c, Seq: seq, Op: op}}
				if i, ok := open[key{c, seq}]; ok {
					delete(open, key{c, seq})
					abandoned[i] = true
				}
			case 3:
				ev.Input = protocols.Start
				for k, i := range open {
					if k.client == c {
						abandoned[i] = true
						delete(open, k)
					}
				}
			}
			observe(nil, ev)
		}
		require.Equal(rt, want, h.ops)
		require.Equal(rt, abandoned, h.abandoned)
	})
}

// TestNthAsSorted checks nth against a sort: for latencies with many
// repeats or none, few or many, the value at every percentile asked for
// is the sorted one, and nothing before it is larger or after it smaller.
func TestNthAsSorted(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		spread := rapid.SampledFrom([]int{3, 50, 1 << 30}).Draw(rt, "spread")
		ls := rapid.SliceOfN(rapid.Custom(func(rt *rapid.T) clock.Duration {
			return clock.Duration(rapid.IntRange(0, spread).Draw(rt, "latency"))
		}), 1, 400).Draw(rt, "latencies")
		n := rapid.IntRange(0, len(ls)-1).Draw(rt, "n")
		sorted := slices.Clone(ls)
		slices.Sort(sorted)
		nth(ls, n)
		require.Equal(rt, sorted[n], ls[n])
		for i, l := range ls {
			require.True(rt, i >= n || l <= ls[n], "%v before the nth, %v", l, ls[n])
			require.True(rt, i <= n || l >= ls[n], "%v after the nth, %v", l, ls[n])
		}
		slices.Sort(ls)
		require.Equal(rt, sorted, ls, "nth only reorders")
	})
}

// TestResultFiguresAsFromTheHistory drives the runner's observer with
// operations that complete (some within a second, some across seconds,
// some past the run's end) or never do, and checks the figures a result
// reports, gathered as operations complete, against the same figures
// worked out from the history afterwards: the counts, p50 and p99 (as
// of the sorted latencies), max, mean and throughput by second.
func TestResultFiguresAsFromTheHistory(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		h := newHistory()
		observe := (&Run{history: h, metrics: &metrics{disp: &protocols.Display{}, recv: make([]uint64, 1), first: -1}}).observer()
		spread := rapid.SampledFrom([]int{3, 50, int(3 * clock.Second)}).Draw(rt, "spread")
		type call struct {
			seq uint64
			at  clock.Time
		}
		var open []call
		now := clock.Time(0)
		for seq := range uint64(rapid.IntRange(0, 300).Draw(rt, "ops")) {
			now += clock.Time(rapid.IntRange(0, spread).Draw(rt, "gap"))
			op := kv.Op{Kind: kv.Put, Key: "k", Value: fmt.Sprint(seq)}
			observe(nil, &sim.Info{Time: now, Node: "c1", Input: protocols.Timer, Notes: []protocols.Note{kv.Invoked{Client: "c1", Seq: seq + 1, Op: op}}})
			open = append(open, call{seq + 1, now})
			for len(open) > 0 && rapid.IntRange(0, 4).Draw(rt, "complete") > 0 {
				j := rapid.IntRange(0, len(open)-1).Draw(rt, "which")
				now += clock.Time(rapid.IntRange(0, spread).Draw(rt, "latency"))
				observe(nil, &sim.Info{Time: now, Node: "c1", Input: protocols.Receive, Notes: []protocols.Note{kv.Completed{Client: "c1", Seq: open[j].seq, Op: op}}})
				open = slices.Delete(open, j, j+1)
			}
		}
		end := clock.Time(rapid.IntRange(0, int(now)+spread).Draw(rt, "end"))

		var ls []clock.Duration
		var sum clock.Duration
		perSecond := []float64(nil)
		if n := int(math.Ceil(float64(end) / float64(clock.Second))); n > 0 {
			perSecond = make([]float64, n)
		}
		for _, op := range h.ops {
			if op.Outcome == checker.OutcomeOK {
				ls = append(ls, clock.Duration(op.Return-op.Call))
				sum += ls[len(ls)-1]
				if len(perSecond) > 0 {
					perSecond[min(int(op.Return/int64(clock.Second)), len(perSecond)-1)]++
				}
			}
		}
		ok, indeterminate := h.counts()
		require.Equal(rt, len(ls), ok)
		require.Equal(rt, len(h.ops)-len(ls), indeterminate)
		require.Equal(rt, perSecond, h.throughput(end))
		var p50, p99, maxL, mean clock.Duration
		if len(ls) > 0 {
			slices.Sort(ls)
			at := func(q float64) clock.Duration { return ls[min(len(ls)-1, int(q*float64(len(ls))))] }
			p50, p99, maxL, mean = at(0.50), at(0.99), ls[len(ls)-1], sum/clock.Duration(len(ls))
		}
		gotMax, gotMean := h.latencyStats()
		require.Equal(rt, maxL, gotMax)
		require.Equal(rt, mean, gotMean)
		got50, got99 := h.percentiles()
		require.Equal(rt, p50, got50)
		require.Equal(rt, p99, got99)
	})
}

// TestInCallOrderAsStableSort checks the history's call order, for
// histories in order and out of it, with ties: inCallOrder and sorted
// give the stable sort by call; inCallOrder copies exactly when the
// history is out of order, sorted always copies, and neither changes the
// history.
func TestInCallOrderAsStableSort(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		h := newHistory()
		for i := range rapid.IntRange(0, 40).Draw(rt, "ops") {
			h.ops = append(h.ops, checker.Op{Client: fmt.Sprint(i), Call: int64(rapid.IntRange(0, 8).Draw(rt, "call"))})
		}
		if rapid.Bool().Draw(rt, "in order") {
			slices.SortStableFunc(h.ops, func(a, b checker.Op) int { return int(a.Call - b.Call) })
		}
		before := slices.Clone(h.ops)
		want := slices.Clone(h.ops)
		slices.SortStableFunc(want, func(a, b checker.Op) int { return int(a.Call - b.Call) })
		inOrder := slices.Equal(want, before)

		ops, copied := h.inCallOrder()
		require.Equal(rt, want, ops)
		require.Equal(rt, !inOrder, copied)
		require.Equal(rt, !inOrder || len(ops) == 0, len(ops) == 0 || &ops[0] != &h.ops[0], "copied exactly when out of order")
		sorted := h.sorted()
		require.Equal(rt, want, sorted)
		require.True(rt, len(sorted) == 0 || &sorted[0] != &h.ops[0], "sorted is a copy")
		require.Equal(rt, before, h.ops, "the history is unchanged")
	})
}

// take removes an open operation in place as slices.Delete would, keeping
// the others in their order, wherever among them the taken one is (an
// open-loop client has several open; a closed-loop one, one).
func TestTakeAsDelete(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		seqs := rapid.SliceOfNDistinct(rapid.Uint64Range(0, 20), 0, 8, rapid.ID).Draw(rt, "open")
		var c clientOps
		for i, s := range seqs {
			c.open = append(c.open, openOp{seq: s, at: 100 + i})
		}
		want := slices.Clone(c.open)
		seq := rapid.Uint64Range(0, 20).Draw(rt, "seq")
		at, ok := c.take(seq)
		i := slices.IndexFunc(want, func(o openOp) bool { return o.seq == seq })
		require.Equal(rt, i >= 0, ok)
		if ok {
			require.Equal(rt, want[i].at, at)
			want = slices.Delete(want, i, i+1)
		}
		require.Equal(rt, want, c.open)
	})
}

// TestStuckAsFirstLongestWait checks stuck against the plain rule: of the
// operations not abandoned, the first that waited longest beyond bound
// (from the later of its call and the healing, to its return or the end),
// for histories with abandoned operations or none, ties and no waits.
func TestStuckAsFirstLongestWait(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		h := newHistory()
		for i := range rapid.IntRange(0, 30).Draw(rt, "ops") {
			op := checker.Op{Client: fmt.Sprint(i), Call: int64(rapid.IntRange(0, 20).Draw(rt, "call")), Outcome: checker.OutcomeIndeterminate}
			if rapid.Bool().Draw(rt, "ok") {
				op.Return, op.Outcome = op.Call+int64(rapid.IntRange(0, 20).Draw(rt, "latency")), checker.OutcomeOK
			}
			h.ops = append(h.ops, op)
			if rapid.IntRange(0, 4).Draw(rt, "abandoned") == 0 {
				h.abandoned[i] = true
			}
		}
		healed := clock.Time(rapid.IntRange(0, 20).Draw(rt, "healed"))
		end := healed + clock.Time(rapid.IntRange(0, 20).Draw(rt, "end"))
		bound := clock.Duration(rapid.IntRange(0, 10).Draw(rt, "bound"))

		want, wantWait, wantFound := checker.Op{}, clock.Duration(0), false
		for i, op := range h.ops {
			done := end
			if op.Outcome == checker.OutcomeOK {
				done = clock.Time(op.Return)
			}
			wait := done.Sub(max(clock.Time(op.Call), healed))
			if h.abandoned[i] || wait < 0 || wait <= bound || (wantFound && wait <= wantWait) {
				continue
			}
			want, wantWait, wantFound = op, wait, true
		}
		got, gotWait, found := h.stuck(healed, end, bound)
		require.Equal(rt, wantFound, found)
		require.Equal(rt, want, got)
		require.Equal(rt, wantWait, gotWait)
	})
}
