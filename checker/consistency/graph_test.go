package consistency

import (
	"testing"

	"github.com/dsimlab/dsim/checker"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// relation builds succ and pre from "a before b" pairs over n blocks.
func relation(n int, pairs ...[2]int) (pre, succ [][]int) {
	pre, succ = make([][]int, n), make([][]int, n)
	for _, p := range pairs {
		succ[p[0]] = append(succ[p[0]], p[1])
		pre[p[1]] = append(pre[p[1]], p[0])
	}
	return pre, succ
}

// The cycles saturate adds to the graph are real cycles of the relation,
// the shortest through the node searched from, and exclude blocks that
// only hang off a cycle: a cycle of blocks costs edges in proportion to
// its length, not to the square of the number of blocks.
func TestBlockCyclesAreShortCyclesOfTheRelation(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		pairs   [][2]int
		shorter int // the length of the shortest cycle
	}{
		{"two blocks each before the other", 2, [][2]int{{0, 1}, {1, 0}}, 2},
		{"a triangle with a tail on each side", 6, [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 1}, {3, 4}, {4, 5}}, 3},
		{"a long and a short way round", 6, [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 0}, {2, 0}}, 3},
		{"a dense prefix before a cycle", 8, [][2]int{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 4}}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pre, succ := relation(tt.n, tt.pairs...)
			var indeg []int
			for _, p := range pre {
				indeg = append(indeg, len(p))
			}
			topo := kahn(indeg, succ, nil)
			require.Less(t, len(topo), tt.n, "the relation has a cycle")
			cycles := blockCycles(topo, pre, succ, newMeter(Budget{}))
			require.NotEmpty(t, cycles)
			shortest := tt.n + 1
			for _, c := range cycles {
				for i, b := range c {
					next := c[(i+1)%len(c)]
					assert.Contains(t, succ[b], next, "cycle %v: %d is not before %d", c, b, next)
				}
				shortest = min(shortest, len(c))
			}
			assert.Equal(t, tt.shorter, shortest, "cycles %v", cycles)
		})
	}
}

// A cyclic graph whose lowest-numbered core nodes (64 and more) lie
// between cycles, on none, must still yield its cycle. Here 69 reads of
// an unwritten key by c2 sit, in program order, between a read of a value
// written later by c1 and c2's own put: the search used to give up after
// 64 of them and report no cycle, so the sequential check fell back to its
// exhaustive search and explained the history as "stuck" instead of by
// the two-operation cycle (c1 read A's value before writing it). (Found in
// review.)
func TestShortestCycleLooksPastSixtyFourNodesOffTheCycle(t *testing.T) {
	ok := checker.OutcomeOK
	get := func(c, k, v string, at int64) Op {
		return Op{Client: c, Kind: checker.OpGet, Key: k, Values: []string{v}, Call: at, Return: at, Outcome: ok}
	}
	put := func(c, k, v string, at int64) Op {
		return Op{Client: c, Kind: checker.OpPut, Key: k, Value: v, Call: at, Return: at, Outcome: ok}
	}
	h := []Op{get("c2", "C", "c1", 1)}
	for i := 2; i <= 70; i++ {
		h = append(h, get("c2", "D", "", int64(i)))
	}
	h = append(h, get("c1", "A", "a1", 1), put("c1", "A", "a1", 2), put("c1", "C", "c1", 3))
	h = append(h, get("c2", "B", "b1", 100), put("c2", "B", "b1", 101))
	r := CheckSequential(h, testBudget)
	require.Equal(t, checker.VerdictIllegal, r.Verdict, "%s", r)
	require.NotNil(t, r.Anomaly)
	assert.Equal(t, KindFutureRead, r.Anomaly.Kind, "the witness is the short cycle, not a search that got stuck: %s", r)
}
