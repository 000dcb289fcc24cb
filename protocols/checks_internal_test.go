package protocols

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
)

// The queue of marks holds what a slice appended at the back and cut at
// the front would, and a queue that stays short keeps its array.
func TestAppliedMarksQueue(t *testing.T) {
	var q appliedMarks
	var model []appliedMark
	for i := range 10_000 {
		m := appliedMark{at: clock.Time(i), index: i}
		q.push(m)
		model = append(model, m)
		for len(model) > 1+i%37 {
			q.dropFront()
			model = model[1:]
		}
		require.Equal(t, model, q.all(), "step %d", i)
	}
	require.LessOrEqual(t, cap(q.buf), 128)
}

// newer answers as reading the last of all() does: whether an index is
// past the last mark's, or there is no mark. The marks are pushed as
// advance pushes them (each past the last) and dropped as it drops them
// (never the last).
func TestAppliedMarksNewerReadsTheLastMark(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q appliedMarks
		for step := range rapid.IntRange(0, 60).Draw(t, "steps") {
			idx := rapid.IntRange(-1, 30).Draw(t, "index")
			marks := q.all()
			want := len(marks) == 0 || idx > marks[len(marks)-1].index
			if got := q.newer(idx); got != want {
				t.Fatalf("step %d: newer(%d) = %v, the marks %v say %v", step, idx, got, marks, want)
			}
			switch {
			case want && rapid.Bool().Draw(t, "push"):
				q.push(appliedMark{at: clock.Time(step), index: idx})
			case len(marks) > 1 && rapid.Bool().Draw(t, "drop"):
				q.dropFront()
			}
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

// byzantineCluster is a cluster of three servers, n3 byzantine, seen at now.
type byzantineCluster struct{ now clock.Time }

func (c byzantineCluster) Now() clock.Time        { return c.now }
func (byzantineCluster) Servers() []NodeID        { return []NodeID{"n1", "n2", "n3"} }
func (byzantineCluster) Node(NodeID) Node         { return nil }
func (byzantineCluster) Byzantine(id NodeID) bool { return id == "n3" }

// CheckApplied, told an event's top applied position, leaves convergence
// as Check, reading each note, does: the same positions, and the same
// verdict and text of the end-of-run check at any end, whatever the order
// of the positions within an event, Starts, faults and byzantine nodes.
func TestConvergenceCheckAppliedIsCheck(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lag := clock.Duration(rapid.IntRange(1, 50).Draw(t, "lag"))
		a, b := &convergence{lag: lag}, &convergence{lag: lag}
		now := clock.Time(0)
		for i := range rapid.IntRange(0, 60).Draw(t, "events") {
			now += clock.Time(rapid.IntRange(0, 20).Draw(t, "dt"))
			ev := Event{Seq: uint64(i + 1), Time: now, Input: Receive}
			ev.Node = rapid.SampledFrom([]NodeID{"", "n1", "n2", "n3"}).Draw(t, "node")
			if rapid.IntRange(0, 9).Draw(t, "start") == 0 {
				ev.Input = Start
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
			cl := byzantineCluster{now}
			require.NoError(t, a.Check(cl, ev))
			b.CheckApplied(cl, ev.Node, ev.Time, ev.Input, top)
			for _, id := range cl.Servers() {
				require.Equal(t, *a.slot(id), *b.slot(id), "event %d, %s", i, id)
			}
			for back := clock.Time(0); back <= now; back++ {
				end := byzantineCluster{now + back}
				require.Equal(t, fmt.Sprint(a.check(end)), fmt.Sprint(b.check(end)), "event %d, end %v", i, now+back)
			}
		}
	})
}
