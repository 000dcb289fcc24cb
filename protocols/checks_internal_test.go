package protocols

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
)

// The queue of marks holds what a slice appended at the back and cut at
// the front would, and a queue that stays short keeps its array: here it
// holds at most 37 marks, each dropped by naming the time of the mark
// that is to be first.
func TestAppliedMarksQueue(t *testing.T) {
	var q AppliedMarks
	var model []appliedMark
	for i := range 10_000 {
		m := appliedMark{at: clock.Time(i), index: i}
		q.push(m)
		model = append(model, m)
		if keep := 1 + i%37; len(model) > keep {
			model = model[len(model)-keep:]
			q.dropUntil(model[0].at)
		}
		require.Equal(t, model, q.all(), "step %d", i)
	}
	require.LessOrEqual(t, cap(q.buf), 128)
}

// Above answers as reading the last of all() does: whether an index is
// past the last mark's, or there is no mark; and dropUntil drops the
// marks before the last at or before its time, as a loop over the marks
// would. The marks are pushed as mark pushes them (each past the last,
// several at a time), and dropped as it drops them.
func TestAppliedMarksAboveReadsTheLastMark(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q AppliedMarks
		var model []appliedMark
		for step := range rapid.IntRange(0, 100).Draw(t, "steps") {
			now := clock.Time(step / 3)
			idx := rapid.IntRange(-1, 40).Draw(t, "index")
			want := len(model) == 0 || idx > model[len(model)-1].index
			if got := q.Above(idx); got != want {
				t.Fatalf("step %d: Above(%d) = %v, the marks %v say %v", step, idx, got, model, want)
			}
			if want && rapid.Bool().Draw(t, "push") {
				q.push(appliedMark{at: now, index: idx})
				model = append(model, appliedMark{at: now, index: idx})
			}
			if rapid.Bool().Draw(t, "drop") {
				until := now - clock.Time(rapid.IntRange(0, 5).Draw(t, "lag"))
				q.dropUntil(until)
				for len(model) > 1 && model[1].at <= until {
					model = model[1:]
				}
			}
			require.Equal(t, model, q.all(), "step %d", step)
		}
	})
}

// SameString answers as == does, whether or not the two names share their
// bytes.
func TestSameString(t *testing.T) {
	n1 := NodeID("n1")
	copied := NodeID(strings.Clone(string(n1)))
	names := []NodeID{"", n1, copied, "n2", "m1", "n10", "c1", NodeID(strings.Clone("n2"))}
	for _, a := range names {
		for _, b := range names {
			require.Equal(t, a == b, SameString(a, b), "%q %q", a, b)
		}
	}
}

// A server's applied position is found again by its name, whether the
// name comes as the string first seen or as the same text elsewhere, and
// a name that shares no text with another gets its own.
func TestConvergenceSlotIsByName(t *testing.T) {
	var c convergence
	names := []NodeID{"n1", "n2", "c1", "n10"}
	for i, id := range names {
		*c.slot(id) = i + 1
	}
	for round := range 3 {
		for i, id := range names {
			if round > 0 {
				id = NodeID(strings.Clone(string(id)))
			}
			require.Equal(t, i+1, *c.slot(id), "round %d, %s", round, id)
		}
	}
	require.Equal(t, names, c.ids)
}

type appliedAt int

func (a appliedAt) AppliedIndex() int { return int(a) }

type otherNote struct{}

// byzantineCluster is a cluster of three servers, all up, seen at now, of
// which those in byz are byzantine.
type byzantineCluster struct {
	now clock.Time
	byz []NodeID
}

func (c byzantineCluster) Now() clock.Time          { return c.now }
func (byzantineCluster) Servers() []NodeID          { return []NodeID{"n1", "n2", "n3"} }
func (byzantineCluster) Node(NodeID) Node           { return upNode{} }
func (c byzantineCluster) Byzantine(id NodeID) bool { return slices.Contains(c.byz, id) }

// upNode is a server that is up, and nothing else.
type upNode struct{}

func (upNode) Step(Input, *Effects) {}
func (upNode) Status() Status       { return Status{} }

// A caller that follows the applied positions itself (ConvergenceMonitor:
// it writes each server's position, byzantine or not, and shows Mark only
// a top above the marks) leaves convergence as Check, reading each note,
// does: the same positions of the servers not byzantine, and the same
// verdict and text of the end-of-run check at any end, whatever the order
// of the positions within an event, Starts, faults, servers made
// byzantine as the run goes, and events shown to Check whole in between
// (raft's suite shows it those with a Restored note).
func TestConvergenceFollowedIsCheck(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lag := clock.Duration(rapid.IntRange(1, 50).Draw(t, "lag"))
		a, b := &convergence{lag: lag}, &convergence{lag: lag}
		var byz []NodeID
		now := clock.Time(0)
		for i := range rapid.IntRange(0, 60).Draw(t, "events") {
			now += clock.Time(rapid.IntRange(0, 20).Draw(t, "dt"))
			ev := Event{Seq: uint64(i + 1), Time: now, Input: Receive}
			ev.Node = rapid.SampledFrom([]NodeID{"", "n1", "n2", "n3"}).Draw(t, "node")
			if ev.Node != "" && rapid.IntRange(0, 9).Draw(t, "start") == 0 {
				ev.Input = Start
			}
			if id := rapid.SampledFrom([]NodeID{"", "", "", "", "n1", "n2", "n3"}).Draw(t, "made byzantine"); id != "" && !slices.Contains(byz, id) {
				byz = append(byz, id) // it stays so
			}
			top := -1
			for range rapid.IntRange(0, 4).Draw(t, "notes") {
				if rapid.Bool().Draw(t, "applied") {
					idx := rapid.IntRange(0, 40).Draw(t, "index")
					ev.Notes = append(ev.Notes, appliedAt(idx))
					top = max(top, idx)
				} else {
					ev.Notes = append(ev.Notes, otherNote{})
				}
			}
			cl := byzantineCluster{now, byz}
			require.NoError(t, a.Check(cl, ev))
			switch {
			case rapid.IntRange(0, 4).Draw(t, "whole") == 0:
				require.NoError(t, b.Check(cl, ev))
			case ev.Node != "":
				followApplied(b, cl, ev.Node, ev.Time, ev.Input, top)
			}
			for _, id := range cl.Servers() {
				if !cl.Byzantine(id) {
					require.Equal(t, *a.slot(id), *b.slot(id), "event %d, %s", i, id)
				}
			}
			for back := clock.Time(0); back <= now; back++ {
				end := byzantineCluster{now + back, byz}
				require.Equal(t, fmt.Sprint(a.check(end)), fmt.Sprint(b.check(end)), "event %d, end %v", i, now+back)
			}
		}
	})
}

// followApplied is what a caller that follows the applied positions does
// at an event of server id, on input in, whose AppliedNote notes' highest
// AppliedIndex is top (-1: none).
func followApplied(m ConvergenceMonitor, cl Cluster, id NodeID, at clock.Time, in InputKind, top int) {
	p := m.Position(id)
	if in == Start {
		*p = 0
	}
	if top < 0 {
		return
	}
	*p = max(*p, top)
	if m.Marks().Above(top) {
		m.Mark(cl, id, at, top)
	}
}
