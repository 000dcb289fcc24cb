package protocols

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
