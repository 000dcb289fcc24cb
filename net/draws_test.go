package net

import (
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

// The network's direct draws are rand.Rand's: over one seed, any mix of
// them gives the numbers rand.New over the same seed gives, so that runs
// are the same as when the network drew through rand.Rand. The bounds
// include powers of two (a masked path), one, and bounds near 2^63 (where
// rejection is likely).
func TestDrawsAreRandsDraws(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s1, s2 := rapid.Uint64().Draw(t, "s1"), rapid.Uint64().Draw(t, "s2")
		d := newDraws(rand.NewPCG(s1, s2))
		r := rand.New(rand.NewPCG(s1, s2))
		bound := rapid.OneOf(
			rapid.Int64Range(1, 1<<20),
			rapid.Map(rapid.IntRange(0, 62), func(k int) int64 { return 1 << k }),
			rapid.Int64Range(1<<62, 1<<63-1),
		)
		for i := range rapid.IntRange(1, 50).Draw(t, "draws") {
			switch rapid.IntRange(0, 2).Draw(t, "kind") {
			case 0:
				if got, want := d.float64(), r.Float64(); got != want {
					t.Fatalf("draw %d: float64 %v, rand.Rand %v", i, got, want)
				}
			case 1:
				n := bound.Draw(t, "n")
				if got, want := d.int64n(n), r.Int64N(n); got != want {
					t.Fatalf("draw %d: int64n(%d) %d, rand.Rand %d", i, n, got, want)
				}
			case 2:
				if got, want := d.r.ExpFloat64(), r.ExpFloat64(); got != want {
					t.Fatalf("draw %d: ExpFloat64 %v, rand.Rand %v", i, got, want)
				}
			}
		}
	})
}
