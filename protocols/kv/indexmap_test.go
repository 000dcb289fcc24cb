package kv

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// An IndexMap holds and forgets exactly what a map would, used as Raft's
// acked-write-lost uses it: keys around a floor that mostly rises and now
// and then falls back, values replaced, everything below the floor
// forgotten from time to time. (TestRequestPositionsActsAsAMap drives it
// with sequence numbers, far-off and old ones included.)
func TestIndexMapActsAsAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var m IndexMap[RequestKey]
	model := map[uint64]RequestKey{}
	floor := 0
	for step := range 100_000 {
		idx := uint64(max(floor+r.IntN(400)-100, 0))
		if r.IntN(3) == 0 {
			k := RequestKey{Client: int32(r.IntN(4)), Seq: uint64(step)}
			model[idx] = k
			m.Set(idx, k)
		}
		want, wantOK := model[idx]
		got, gotOK := m.Get(idx)
		require.Equal(t, wantOK, gotOK, "step %d index %d", step, idx)
		require.Equal(t, want, got, "step %d index %d", step, idx)
		if step%1000 == 999 {
			if r.IntN(5) == 0 {
				floor = r.IntN(floor + 1)
			} else {
				floor += r.IntN(300)
			}
			for idx := range model {
				if idx <= uint64(floor) {
					delete(model, idx)
				}
			}
			m.ForgetBelow(uint64(floor) + 1)
		}
		require.Equal(t, len(model), m.Len(), "step %d", step)
	}
}

// An IndexMap set key by key, mostly the next one, emptied and refilled,
// holds what a map would: a slot it grows into past its end holds nothing
// from before, even where an earlier use of the slice left something.
func TestIndexMapGrowsAsAMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var m IndexMap[int]
		model := map[uint64]int{}
		next := rapid.Uint64Range(0, 100).Draw(t, "first")
		for step := range rapid.IntRange(1, 300).Draw(t, "steps") {
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0: // forget below a key, or everything
				k := rapid.Uint64Range(0, next+2).Draw(t, "below")
				m.ForgetBelow(k)
				for x := range model {
					if x < k {
						delete(model, x)
					}
				}
			case 1: // any key near the end
				k := next - min(next, 5) + rapid.Uint64Range(0, 10).Draw(t, "key")
				model[k] = step
				m.Set(k, step)
			default: // the next key
				model[next] = step
				m.Set(next, step)
				next++
			}
			require.Equal(t, len(model), m.Len(), "step %d", step)
			for k := next - min(next, 12); k < next+12; k++ {
				want, wantOK := model[k]
				got, gotOK := m.Get(k)
				if got != want || gotOK != wantOK {
					t.Fatalf("step %d: key %d reads %d %v, want %d %v", step, k, got, gotOK, want, wantOK)
				}
			}
		}
	})
}
