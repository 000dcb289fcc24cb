package protocols_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// TestSlabBoxesAsConversionDoes holds what Slab.Note and Slab.Message hand
// out, and NoteOf and MessageOf of a slot filled in after Next (every
// other value here), to what converting the value would give: the same dynamic type, a
// value equal to the one boxed, equal interfaces (for a comparable type),
// the message's methods,
// and every box still holding its own value after many more boxes and
// collections (a slot written twice, or a chunk the collector freed under
// a box, would show here).
func TestSlabBoxesAsConversionDoes(t *testing.T) {
	var notes protocols.Slab[kv.Applied]
	var msgs protocols.Slab[kv.Reply]
	var small protocols.Slab[kv.Outcome]
	var want []kv.Applied
	var boxes []protocols.Note
	var sent []protocols.Message
	var replies []kv.Reply
	for i := range 500 {
		a := kv.Applied{Index: i, Term: uint64(i / 7), Req: kv.Request{Client: protocols.NodeID("c" + strconv.Itoa(i%3)), Seq: uint64(i), Op: kv.PutOp("k", strconv.Itoa(i))}, Outcome: kv.Outcome(i % 3)}
		r := kv.Reply{Seq: uint64(i), Status: kv.OK, Value: strconv.Itoa(i)}
		if i%2 == 0 {
			want, boxes = append(want, a), append(boxes, notes.Note(a))
			replies, sent = append(replies, r), append(sent, msgs.Message(r))
		} else {
			pa, pr := notes.Next(), msgs.Next()
			require.Equal(t, kv.Applied{}, *pa, "a fresh slot is zero")
			require.Equal(t, kv.Reply{}, *pr, "a fresh slot is zero")
			*pa, pr.Seq, pr.Status, pr.Value = a, r.Seq, r.Status, r.Value
			want, boxes = append(want, a), append(boxes, notes.NoteOf(pa))
			replies, sent = append(replies, r), append(sent, msgs.MessageOf(pr))
		}
		if i%100 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	for i, b := range boxes {
		got, ok := b.(kv.Applied)
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
		got, ok := m.(kv.Reply)
		require.True(t, ok)
		assert.Equal(t, replies[i], got)
		switch m.(type) {
		case kv.Request:
			t.Fatalf("message %d switches as a kv.Request", i)
		case kv.Reply:
		default:
			t.Fatalf("message %d switches as %T", i, m)
		}
	}
	// A value of a word is boxed as the conversion boxes it.
	o := small.Note(kv.Duplicate)
	assert.Equal(t, protocols.Note(kv.Duplicate), o)
	p := small.Next()
	*p = kv.Stale
	assert.Equal(t, protocols.Note(kv.Stale), small.NoteOf(p))
}

// TestSlabPutNeverRewritesASlot: every slot Put or Next hands out keeps
// its value and is distinct from every other.
func TestSlabPutNeverRewritesASlot(t *testing.T) {
	var s protocols.Slab[kv.Request]
	var ps []*kv.Request
	for i := range 300 {
		var p *kv.Request
		if i%3 == 0 {
			p = s.Next()
			require.Equal(t, kv.Request{}, *p, "a fresh slot is zero")
			p.Seq = uint64(i)
		} else {
			p = s.Put(kv.Request{Seq: uint64(i)})
		}
		for _, q := range ps {
			require.NotSame(t, p, q)
		}
		ps = append(ps, p)
	}
	for i, p := range ps {
		assert.Equal(t, uint64(i), p.Seq)
	}
}

// TestNoteValueReadsWhatTheNoteHolds: NoteValue points at the value a note
// holds, boxed by a plain conversion or by a Slab, and refuses a value of a
// word, which the interface holds itself.
func TestNoteValueReadsWhatTheNoteHolds(t *testing.T) {
	var s protocols.Slab[kv.Applied]
	for i := range 50 {
		a := kv.Applied{Index: i, Term: 3, Req: kv.Request{Client: "c1", Seq: uint64(i), Op: kv.PutOp("k", strconv.Itoa(i))}}
		for _, note := range []protocols.Note{a, s.Note(a)} {
			got := protocols.NoteValue[kv.Applied](&note)
			require.Equal(t, a, *got)
			require.Equal(t, note.(kv.Applied), *got)
		}
	}
	small := protocols.Note(kv.Duplicate)
	assert.Panics(t, func() { protocols.NoteValue[kv.Outcome](&small) })
}
