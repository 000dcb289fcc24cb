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

// outstandingGets answers as the map it stands for, through gets set,
// replaced and deleted for a few clients with a few requests each.
func TestOutstandingGetsActsAsAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var o outstandingGets
	model := map[RequestKey]pendingGet{}
	for step := range 100_000 {
		k := RequestKey{Client: int32(r.IntN(4)), Seq: uint64(r.IntN(6))}
		switch x := r.IntN(3); x {
		case 0:
			g := pendingGet{seq: k.Seq, from: step}
			model[k] = g
			o.set(k, g)
		case 1:
			delete(model, k)
			o.delete(k)
		}
		want, wantOK := model[k]
		got, gotOK := o.get(k)
		require.Equal(t, wantOK, gotOK, "step %d %v", step, k)
		require.Equal(t, want, got, "step %d %v", step, k)
		held := 0
		for _, gs := range o {
			held += len(gs)
		}
		require.Equal(t, len(model), held, "step %d", step)
	}
}
