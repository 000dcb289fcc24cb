package scenarios

import (
	"fmt"
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
			c := protocols.NodeID(fmt.Sprint(clients[rapid.IntRange(0, 2).Draw(rt, "client")]))
			ev := &sim.Info{Seq: uint64(step), Time: clock.Time(step), Node: c, Input: protocols.Receive}
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

// TestLatenciesAsSorted checks the p50 and p99 latencies of completed
// operations against those of the sorted latencies.
func TestLatenciesAsSorted(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		h := newHistory()
		var ls []clock.Duration
		for range rapid.IntRange(0, 300).Draw(rt, "ops") {
			call := int64(rapid.IntRange(0, 1000).Draw(rt, "call"))
			op := checker.Op{Call: call, Outcome: checker.OutcomeIndeterminate}
			if rapid.IntRange(0, 4).Draw(rt, "ok") > 0 {
				op.Return, op.Outcome = call+int64(rapid.IntRange(0, 40).Draw(rt, "latency")), checker.OutcomeOK
				ls = append(ls, clock.Duration(op.Return-op.Call))
			}
			h.ops = append(h.ops, op)
		}
		var p50, p99 clock.Duration
		if len(ls) > 0 {
			slices.Sort(ls)
			at := func(q float64) clock.Duration { return ls[min(len(ls)-1, int(q*float64(len(ls))))] }
			p50, p99 = at(0.50), at(0.99)
		}
		got50, got99 := h.latencies()
		require.Equal(rt, p50, got50)
		require.Equal(rt, p99, got99)
	})
}
