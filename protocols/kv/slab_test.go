package kv

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
)

// TestSlabBoxesAsConversionDoes holds what Slab.Note and Slab.Message hand
// out to what converting the value would give: the same dynamic type, a
// value equal to the one boxed, equal interfaces (for a comparable type),
// the message's methods,
// and every box still holding its own value after many more boxes and
// collections (a slot written twice, or a chunk the collector freed under
// a box, would show here).
func TestSlabBoxesAsConversionDoes(t *testing.T) {
	var notes Slab[Applied]
	var msgs Slab[Reply]
	var small Slab[Outcome]
	var want []Applied
	var boxes []protocols.Note
	var sent []protocols.Message
	var replies []Reply
	for i := range 500 {
		a := Applied{Index: i, Term: uint64(i / 7), Req: Request{Client: protocols.NodeID("c" + strconv.Itoa(i%3)), Seq: uint64(i), Op: PutOp("k", strconv.Itoa(i))}, Outcome: Outcome(i % 3)}
		want, boxes = append(want, a), append(boxes, notes.Note(a))
		r := Reply{Seq: uint64(i), Status: OK, Value: strconv.Itoa(i)}
		replies, sent = append(replies, r), append(sent, msgs.Message(r))
		if i%100 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	for i, b := range boxes {
		got, ok := b.(Applied)
		require.True(t, ok, "box %d holds %T", i, b)
		assert.Equal(t, want[i], got)
		assert.True(t, b == protocols.Note(want[i]), "box %d differs from the converted value", i)
		assert.Equal(t, want[i].String(), b.(interface{ String() string }).String())
		if i > 0 {
			assert.False(t, b == boxes[i-1], "boxes %d and %d compare equal", i-1, i)
		}
	}
	for i, m := range sent {
		assert.Equal(t, "Reply", m.Kind())
		assert.Equal(t, replies[i].String(), m.String())
		got, ok := m.(Reply)
		require.True(t, ok)
		assert.Equal(t, replies[i], got)
		switch m.(type) {
		case Request:
			t.Fatalf("message %d switches as a Request", i)
		case Reply:
		default:
			t.Fatalf("message %d switches as %T", i, m)
		}
	}
	// A value of a word is boxed as the conversion boxes it.
	o := small.Note(Duplicate)
	assert.Equal(t, protocols.Note(Duplicate), o)
}

// TestSlabPutNeverRewritesASlot: every slot Put hands out keeps its value
// and is distinct from every other.
func TestSlabPutNeverRewritesASlot(t *testing.T) {
	var s Slab[Request]
	var ps []*Request
	for i := range 300 {
		p := s.Put(Request{Seq: uint64(i)})
		for _, q := range ps {
			require.NotSame(t, p, q)
		}
		ps = append(ps, p)
	}
	for i, p := range ps {
		assert.Equal(t, uint64(i), p.Seq)
	}
}
