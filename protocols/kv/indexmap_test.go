package kv

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
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
