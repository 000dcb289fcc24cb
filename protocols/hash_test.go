package protocols

import (
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

func sum(fold func(h *Hash)) uint64 {
	var h Hash
	fold(&h)
	return h.Sum64()
}

// Values are folded with their extent: sequences that would concatenate to
// the same bytes hash apart, around every boundary of the word packing.
func TestHashFoldsValuesWithTheirExtent(t *testing.T) {
	var h Hash
	for i := range 3 {
		before := h.Sum64()
		h.Uint64(0)
		assert.NotEqual(t, before, h.Sum64(), "folding zero #%d: no state is a fixed point", i+1)
	}
	seen := map[uint64]string{}
	distinct := func(name string, fold func(h *Hash)) {
		t.Helper()
		s := sum(fold)
		if prev, ok := seen[s]; ok {
			t.Errorf("%s hashes as %s", name, prev)
		}
		seen[s] = name
	}
	distinct("nothing", func(*Hash) {})
	distinct(`""`, func(h *Hash) { h.String("") })
	distinct(`"", ""`, func(h *Hash) { h.String(""); h.String("") })
	distinct(`"ab", "c"`, func(h *Hash) { h.String("ab"); h.String("c") })
	distinct(`"a", "bc"`, func(h *Hash) { h.String("a"); h.String("bc") })
	distinct(`"abc"`, func(h *Hash) { h.String("abc") })
	for _, n := range []int{6, 7, 8, 9, 15, 16, 17} {
		s := "0123456789abcdefghij"[:n]
		distinct(strconv.Quote(s), func(h *Hash) { h.String(s) })
		distinct(strconv.Quote(s)+"+x", func(h *Hash) { h.String(s + "x") })
		distinct(strconv.Quote(s)+"+\\x00", func(h *Hash) { h.String(s + "\x00") })
	}
	// Numbers are words: their type is where they stand, as a string's
	// is, so "" is folded as 0 would be.
	seen = map[uint64]string{}
	distinct("0", func(h *Hash) { h.Uint64(0) })
	distinct("0, 0", func(h *Hash) { h.Uint64(0); h.Uint64(0) })
	distinct("1", func(h *Hash) { h.Uint64(1) })
	distinct("1<<63", func(h *Hash) { h.Uint64(1 << 63) })
	distinct("1, 2", func(h *Hash) { h.Int(1); h.Int(2) })
	distinct("2, 1", func(h *Hash) { h.Int(2); h.Int(1) })

	assert.Equal(t, sum(func(h *Hash) { h.Int(1) }), sum(func(h *Hash) { h.Bool(true) }), "a flag is a word")
	for _, s := range []string{"", "abc", "0123456789abcdefghij"} {
		assert.Equal(t, sum(func(h *Hash) { h.String(s) }), sum(func(h *Hash) { h.Bytes([]byte(s)) }), "bytes fold as the string")
	}
}

// String and Bytes fold a string's bytes as its definition says, byte by
// byte in order: a string under eight bytes as one word, its length in
// the low byte and its bytes above; a longer one as a header word, its
// bytes eight to a word, and the rest. (Short strings are read with two
// overlapping loads instead: shifting either by a byte too few or too
// many fails this.)
func TestStringFoldsItsBytesInOrder(t *testing.T) {
	reference := func(h *Hash, s string) {
		words := []uint64{uint64(len(s))}
		if len(s) >= 8 {
			words = []uint64{longHeader | uint64(len(s))<<8}
			for i := 0; i < len(s); i += 8 {
				var w uint64
				for j := i; j < min(i+8, len(s)); j++ {
					w |= uint64(s[j]) << (8 * (j - i))
				}
				words = append(words, w)
			}
		} else {
			for i := range len(s) {
				words[0] |= uint64(s[i]) << (8 * (i + 1))
			}
		}
		for _, w := range words {
			h.Uint64(w)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		before := rapid.Uint64().Draw(t, "before")
		bytes := rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 20), func(b []byte) string { return string(b) })
		s := rapid.OneOf(bytes, rapid.String()).Draw(t, "s")
		var want, str, byt Hash
		for _, h := range []*Hash{&want, &str, &byt} {
			h.Uint64(before)
		}
		reference(&want, s)
		str.String(s)
		byt.Bytes([]byte(s))
		same := func(h *Hash) bool { return h.Sum64() == want.Sum64() && h.Folded() == want.Folded() }
		if !same(&str) || !same(&byt) {
			t.Fatalf("%q: String folds %x (%d bytes), Bytes %x (%d), byte by byte %x (%d)",
				s, str.Sum64(), str.Folded(), byt.Sum64(), byt.Folded(), want.Sum64(), want.Folded())
		}
	})
}

// wordsOf folds words, one at a time.
func wordsOf(words []uint64) uint64 {
	return sum(func(h *Hash) {
		for _, w := range words {
			h.Uint64(w)
		}
	})
}

// Different sequences of words hash apart: a word changed, two words
// swapped, a word moved to another place, words added or taken away. The
// words come from a small set with zero and the extremes in it, so that
// sequences alike but for their order or length are common.
func TestHashSeparatesWordSequences(t *testing.T) {
	word := rapid.SampledFrom([]uint64{0, 1, 2, 3, 0xff, 1 << 32, 1 << 63, ^uint64(0), 0x9e3779b97f4a7c15})
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.SliceOfN(word, 0, 12).Draw(t, "a")
		b := rapid.SliceOfN(word, 0, 12).Draw(t, "b")
		if !slices.Equal(a, b) && wordsOf(a) == wordsOf(b) {
			t.Fatalf("%x and %x hash alike", a, b)
		}
		if len(a) < 2 {
			return
		}
		i := rapid.IntRange(0, len(a)-1).Draw(t, "i")
		j := rapid.IntRange(0, len(a)-1).Draw(t, "j")
		swapped := slices.Clone(a)
		swapped[i], swapped[j] = swapped[j], swapped[i]
		if !slices.Equal(a, swapped) && wordsOf(a) == wordsOf(swapped) {
			t.Fatalf("%x hashes as itself with words %d and %d swapped", a, i, j)
		}
		moved := slices.Insert(slices.Delete(slices.Clone(a), i, i+1), j, a[i])
		if !slices.Equal(a, moved) && wordsOf(a) == wordsOf(moved) {
			t.Fatalf("%x hashes as itself with word %d moved to %d", a, i, j)
		}
		changed := slices.Clone(a)
		changed[i] ^= 1 << rapid.IntRange(0, 63).Draw(t, "bit")
		if wordsOf(a) == wordsOf(changed) {
			t.Fatalf("%x hashes as itself with a bit of word %d flipped", a, i)
		}
	})
}

// A run of zeros hashes apart from a longer one, and a leading zero is
// not lost: zero folding zeros is no fixed point of the hash as read.
func TestHashCountsZeros(t *testing.T) {
	seen := map[uint64]int{}
	for n := range 20 {
		s := wordsOf(make([]uint64, n))
		if m, ok := seen[s]; ok {
			t.Errorf("%d zeros hash as %d", n, m)
		}
		seen[s] = n
	}
	assert.NotEqual(t, wordsOf([]uint64{0, 7}), wordsOf([]uint64{7}))
}

func TestHashCountsTheBytesFolded(t *testing.T) {
	for _, c := range []struct {
		fold func(h *Hash)
		want uint64
	}{
		{func(h *Hash) { h.Uint64(7) }, 8},
		{func(h *Hash) { h.Bool(true); h.Int(-1) }, 16},
		{func(h *Hash) { h.String("") }, 8},
		{func(h *Hash) { h.String("1234567") }, 8},
		{func(h *Hash) { h.String("12345678") }, 16},
		{func(h *Hash) { h.String("123456789") }, 24},
		{func(h *Hash) { h.Bytes(make([]byte, 100)) }, 8 + 104},
	} {
		var h Hash
		c.fold(&h)
		assert.Equal(t, c.want, h.Folded())
	}
}

// A name folds as one word that depends on its text alone, wherever the
// text lives and however many names came before it.
func TestHashName(t *testing.T) {
	built := func(s string) string { return string([]byte(s)) } // the same text elsewhere
	var many Hash
	for i := range 40 {
		many.Name("name" + strconv.Itoa(i))
	}
	for _, n := range []string{"", "election", "AppendEntriesReply", "name3", "name39"} {
		want := sum(func(h *Hash) { h.Name(n) })
		assert.Equal(t, want, sum(func(h *Hash) { h.Name(built(n)) }), n)
		assert.Equal(t, sum(func(h *Hash) { h.Name(n); h.Name(n) }), sum(func(h *Hash) { h.Name(built(n)); h.Name(built(n)) }), n)
		h := many
		h.Name(n)
		g := many
		g.Name(built(n))
		assert.Equal(t, h.Sum64(), g.Sum64(), "%s after 40 other names", n)
		assert.NotEqual(t, want, sum(func(h *Hash) { h.String(n) }), "a name is not folded as a string")
	}
	var h Hash
	h.Name("AppendEntriesReply")
	assert.Equal(t, uint64(8), h.Folded(), "a name is one word")
	assert.Zero(t, testing.AllocsPerRun(100, func() { h.Name("AppendEntriesReply") }))
}

// folded hashes field by field, textOnly has the same text and no
// AppendHash, and appender renders through AppendText.
type (
	folded   struct{ N int }
	textOnly struct{ N int }
	appender struct{ N int }
)

func (folded) Kind() string         { return "Folded" }
func (m folded) String() string     { return "Folded{" + strconv.Itoa(m.N) + "}" }
func (m folded) AppendHash(h *Hash) { h.Int(m.N) }

func (textOnly) Kind() string     { return "Folded" }
func (m textOnly) String() string { return "Folded{" + strconv.Itoa(m.N) + "}" }

func (appender) Kind() string   { return "Appender" }
func (appender) String() string { return "unused" }
func (m appender) AppendText(b []byte) ([]byte, error) {
	return append(strconv.AppendInt(append(b, "Appender{"...), int64(m.N), 10), '}'), nil
}

// A message folds its fields when it can, its text when it cannot, and
// the two never hash alike; neither allocates once the Hash is warm.
func TestHashMessage(t *testing.T) {
	msg := func(m Message) uint64 { return sum(func(h *Hash) { h.Message(m) }) }
	assert.NotEqual(t, msg(folded{1}), msg(folded{2}))
	assert.Equal(t, msg(folded{1}), sum(func(h *Hash) { h.Name("Folded"); h.Int(1) }), "its kind, then its fields")
	assert.NotEqual(t, msg(folded{1}), msg(textOnly{1}), "the same text, folded two ways")
	assert.Equal(t, msg(textOnly{1}), sum(func(h *Hash) { h.Uint64(rendered); h.String("Folded{1}") }))
	assert.Equal(t, msg(appender{3}), sum(func(h *Hash) { h.Uint64(rendered); h.String("Appender{3}") }), "AppendText before String")

	var h Hash
	h.Message(appender{1})
	for _, m := range []Message{folded{5}, appender{12345}} {
		assert.Zero(t, testing.AllocsPerRun(100, func() { h.Message(m) }), "%T", m)
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { h.String("a string longer than a word") }))
}

// BenchmarkHashEvent folds what the trace folds for a typical Raft
// delivery: its time and header word, the message's kind and seven fields,
// an effects summary with one timer; and reports the cost of a word.
func BenchmarkHashEvent(b *testing.B) {
	var h Hash
	for i := range b.N {
		h.Uint64(uint64(i) * 1000)
		h.Uint64(uint64(i)<<24 | 0x20205)
		h.Name("AppendEntries")
		for f := range 7 {
			h.Int(i + f)
		}
		h.Int(1)
		h.Uint64(0)
		h.Int(1)
		h.Bool(false)
		h.Name("election")
		h.Uint64(0)
	}
	if h.Sum64() == 0 {
		b.Fatal("zero")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(h.Folded()/8), "ns/word")
}

// BenchmarkHashString folds the short strings a message carries (client
// names, keys, values) and a longer one.
func BenchmarkHashString(b *testing.B) {
	strs := []string{"c1", "key3", "value-17", "n4", "", "a-longer-value-of-some-bytes"}
	var h Hash
	for i := range b.N {
		h.String(strs[i%len(strs)])
	}
}

// BenchmarkHashName folds the names of a Raft run's hot set, a dozen
// message kinds and timer names, in turn.
func BenchmarkHashName(b *testing.B) {
	names := []string{"election", "heartbeat", "retry", "RequestVote", "RequestVoteReply", "AppendEntries",
		"AppendEntriesReply", "PreVote", "PreVoteReply", "InstallSnapshot", "Request", "Reply"}
	var h Hash
	for i := range b.N {
		h.Name(names[i%len(names)])
	}
}

// A reset Hash hashes as a zero one, and reusing it allocates nothing.
func TestHashReset(t *testing.T) {
	var fresh, reused Hash
	reused.String("something else first")
	reused.Name("Kind")
	reused.Reset()
	fresh.Name("Kind")
	reused.Name("Kind")
	fresh.Uint64(7)
	reused.Uint64(7)
	assert.Equal(t, fresh.Sum64(), reused.Sum64())
	assert.Equal(t, fresh.Folded(), reused.Folded())
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		reused.Reset()
		reused.Name("Kind")
		reused.Uint64(7)
	}))
}

// TestNameFoldsTheSameWordWhereverTheNameLies: names built afresh, more
// than the table has places, and names seen again fold as their text
// does, whether the table remembers them or is full.
func TestNameFoldsTheSameWordWhereverTheNameLies(t *testing.T) {
	var got, want Hash
	for i := range 3 * nameSlots {
		name := "timer/" + strconv.Itoa(i%(2*nameSlots)) // a fresh string each time, every text twice
		got.Name(name)
		got.Name("Ping") // a constant among them
		want.word(nameHash(name))
		want.word(nameHash("Ping"))
	}
	assert.Equal(t, want.Sum64(), got.Sum64())
}
