package kv

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// RequestPositions answers as the map it stands for, through additions of
// dense, repeated, old and far-off sequence numbers and through forgetting.
func TestRequestPositionsActsAsAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var p RequestPositions
	model := map[RequestKey]int{}
	top := make([]uint64, 3)
	next := make([]uint64, 3)
	for step := range 200_000 {
		c := int32(r.IntN(3))
		var seq uint64
		switch x := r.IntN(100); {
		case x < 80:
			next[c]++
			seq = next[c]
		case x < 90:
			seq = next[c] - min(next[c], uint64(r.IntN(3000))) // an old request again
		case x < 95:
			seq = next[c] + uint64(r.IntN(3*farAhead)) // far ahead
		default:
			seq = uint64(r.IntN(50))
		}
		k := RequestKey{Client: c, Seq: seq}
		want, wantOK := model[k]
		got, gotOK := p.Get(k)
		require.Equal(t, wantOK, gotOK, "step %d %v", step, k)
		require.Equal(t, want, got, "step %d %v", step, k)
		if !wantOK {
			model[k] = step
			p.Add(k, step)
			top[c] = max(top[c], seq)
		}
		if step%5000 == 4999 {
			for k := range model {
				if k.Seq+1024 < top[k.Client] {
					delete(model, k)
				}
			}
			p.Forget(1024, top)
		}
		require.Equal(t, len(model), p.Len(), "step %d", step)
	}
}
