package sim

import "github.com/dsimlab/dsim/clock"

// peekAt returns the time of the earliest event, for the queue's tests.
func (q *queue) peekAt() clock.Time {
	slot, _ := q.head()
	return q.slab[slot].at
}

// pop removes the earliest event, whenever it happens, for the queue's
// tests and benchmarks.
func (q *queue) pop() *event { return q.popBefore(clock.Never) }
