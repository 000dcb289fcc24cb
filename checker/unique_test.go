package checker

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestCountBlocksCountsWhatDecideMakes draws ops of every kind, outcome
// and observation and requires countBlocks, which sizes decide's blocks
// exactly, to count what decide's loop appends: a block for each observed
// put and each unobserved determinate write; nothing for reads, appends in
// a chain or unobserved indeterminate writes (dropped).
func TestCountBlocksCountsWhatDecideMakes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 20).Draw(t, "ops")
		ops := make([]kop, n)
		observed := make([]bool, n+1)
		for p := range ops {
			ops[p] = kop{
				kind:  rapid.SampledFrom([]kopKind{kopGet, kopPut, kopAppend}).Draw(t, "kind"),
				indet: rapid.Bool().Draw(t, "indeterminate"),
			}
			observed[p] = ops[p].isWrite() && rapid.Bool().Draw(t, "observed")
		}
		want := 0
		for p := range ops {
			o := &ops[p]
			switch {
			case !o.isWrite():
			case o.kind == kopPut && observed[p]:
				want++
			case observed[p]:
			case o.indet:
			default:
				want++
			}
		}
		require.Equal(t, want, countBlocks(ops, observed))
	})
}
