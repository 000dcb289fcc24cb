package raft

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// logOf builds a log from entry terms, like the paper's figures.
func logOf(terms ...uint64) raftLog {
	l := newLog(Config{})
	for i, t := range terms {
		l.append(figureEntry(i+1, t))
	}
	return l
}

func termsOf(l *raftLog) []uint64 {
	out := []uint64{}
	for i := 1; i <= l.lastIndex(); i++ {
		out = append(out, l.entry(i).Term)
	}
	return out
}

func TestLogBasics(t *testing.T) {
	l := newLog(Config{})
	assert.Equal(t, 0, l.lastIndex())
	assert.Equal(t, uint64(0), l.lastTerm())
	tm, ok := l.term(0)
	assert.True(t, ok, "index 0 is the sentinel")
	assert.Equal(t, uint64(0), tm)
	_, ok = l.term(1)
	assert.False(t, ok)

	l = logOf(1, 1, 2)
	assert.Equal(t, 3, l.lastIndex())
	assert.Equal(t, uint64(2), l.lastTerm())
	_, ok = l.term(4)
	assert.False(t, ok)
	_, ok = l.term(-1)
	assert.False(t, ok)

	v := l.version
	l.truncate(2)
	assert.Equal(t, []uint64{1}, termsOf(&l))
	assert.Greater(t, l.version, v, "a truncation bumps the version")
	v = l.version
	l.truncate(5) // past the end: nothing to do
	l.truncate(0) // the sentinel stays
	assert.Equal(t, v, l.version)
	assert.Equal(t, []uint64{1}, termsOf(&l))
}

func TestLogSliceIsACopy(t *testing.T) {
	l := logOf(1, 1, 2)
	s := l.slice(2, 3)
	require.Len(t, s, 2)
	assert.Nil(t, l.slice(3, 2))
	// Overwrite the log's array after a truncation: the copy must not change.
	l.truncate(2)
	l.append(figureEntry(2, 5))
	assert.Equal(t, uint64(1), s[0].Term)
}

func TestIsUpToDate(t *testing.T) {
	l := logOf(1, 1, 2, 2) // last 4/2
	cases := []struct {
		index int
		term  uint64
		want  bool
	}{
		{4, 2, true},  // identical
		{5, 2, true},  // same last term, longer
		{3, 2, false}, // same last term, shorter
		{1, 3, true},  // later last term wins even if much shorter
		{9, 1, false}, // earlier last term loses even if longer
		{0, 0, false}, // empty log
	}
	for _, c := range cases {
		assert.Equal(t, c.want, l.isUpToDate(c.index, c.term), "candidate last %d/%d vs 4/2", c.index, c.term)
	}
	empty := newLog(Config{})
	assert.True(t, empty.isUpToDate(0, 0), "anyone is as up to date as an empty log")
}

func TestTermStartAndLastIndexOf(t *testing.T) {
	l := logOf(1, 1, 1, 4, 4, 5, 5, 6, 6, 6) // Figure 7's leader
	starts := map[int]int{1: 1, 3: 1, 4: 4, 5: 4, 6: 6, 7: 6, 10: 8}
	for i, want := range starts {
		assert.Equal(t, want, l.termStart(i), "termStart(%d)", i)
	}
	installed := newLog(Config{}) // a follower that installed a snapshot of 5 entries
	installed.restore(5, 4, 0, Config{})
	installed.append(figureEntry(6, 5), figureEntry(7, 5))
	assert.Equal(t, 5, installed.termStart(5), "at the snapshot's index the run is cut there (a bug's leader can reject there)")
	assert.Equal(t, 6, installed.termStart(7), "a run that began before the snapshot starts after it")
	lasts := map[uint64]int{1: 3, 2: 0, 3: 0, 4: 5, 5: 7, 6: 10, 7: 0, 0: 0}
	for term, want := range lasts {
		assert.Equal(t, want, l.lastIndexOf(term), "lastIndexOf(%d)", term)
	}
}

func TestMerge(t *testing.T) {
	cases := []struct {
		name      string
		log       []uint64
		prev      int
		entries   []uint64 // terms of entries prev+1...
		want      []uint64
		changed   int
		truncated bool
	}{
		{"append to the end", []uint64{1, 1}, 2, []uint64{2, 2}, []uint64{1, 1, 2, 2}, 3, false},
		{"heartbeat changes nothing", []uint64{1, 1}, 2, nil, []uint64{1, 1}, 0, false},
		{"all present (duplicate)", []uint64{1, 1, 2}, 1, []uint64{1, 2}, []uint64{1, 1, 2}, 0, false},
		{"stale: later entries are kept", []uint64{1, 1, 2, 2, 2}, 1, []uint64{1, 2}, []uint64{1, 1, 2, 2, 2}, 0, false},
		{"partly present, rest appended", []uint64{1, 1, 2}, 1, []uint64{1, 2, 2}, []uint64{1, 1, 2, 2}, 4, false},
		{"conflict truncates from there", []uint64{1, 1, 2, 2, 2}, 1, []uint64{1, 3}, []uint64{1, 1, 3}, 3, true},
		{"conflict at the first new entry", []uint64{1, 2, 2}, 1, []uint64{3}, []uint64{1, 3}, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := logOf(c.log...)
			var es []Entry
			for i, term := range c.entries {
				es = append(es, figureEntry(c.prev+1+i, term))
			}
			v := l.version
			changed, truncated := l.merge(c.prev, es, nil, nil)
			assert.Equal(t, c.want, termsOf(&l))
			assert.Equal(t, c.changed, changed)
			assert.Equal(t, c.truncated, truncated)
			assert.Equal(t, changed == 0, l.version == v, "the version moves exactly when the log changes")
		})
	}
}

// The prefix digests identify prefixes: equal logs have equal digests at
// every index, and logs that differ at index i differ at i and after.
func TestChainAndCommonPrefix(t *testing.T) {
	a := logOf(1, 1, 2, 2, 3)
	b := logOf(1, 1, 2, 2, 3)
	assert.Equal(t, a.chain, b.chain)
	assert.Equal(t, 5, commonPrefix(a.chain, b.chain))

	c := logOf(1, 1, 2, 4, 4, 4)
	assert.Equal(t, 3, commonPrefix(a.chain, c.chain))
	assert.Equal(t, 3, commonPrefix(c.chain, a.chain))
	for i := 4; i <= 5; i++ {
		assert.NotEqual(t, a.chain[i], c.chain[i], "index %d", i)
	}

	d := logOf(1, 1)
	assert.Equal(t, 2, commonPrefix(a.chain, d.chain), "a prefix of the other")
	assert.Equal(t, 0, commonPrefix(logOf(5).chain, logOf(6).chain))

	// Same terms, different commands: the digest sees the command too.
	e := logOf(1, 1, 2, 2, 3)
	e.truncate(3)
	e.append(Entry{Term: 2, Req: figureEntry(3, 2).Req}, Entry{Term: 2})
	assert.Equal(t, 3, commonPrefix(a.chain, e.chain))

	// Truncating and re-appending the same entries restores the digests.
	f := logOf(1, 1, 2, 2, 3)
	f.truncate(2)
	for i, term := range []uint64{1, 2, 2, 3} {
		f.append(figureEntry(i+2, term))
	}
	assert.Equal(t, a.chain, f.chain)
}

// The trace uses AppendText, people read String: they must agree.
func TestAppendTextMatchesString(t *testing.T) {
	req := kv.Request{Client: "c1", Seq: 7, Op: kv.PutOp("k1", "c1.7")}
	for _, m := range []interface {
		String() string
		AppendText([]byte) ([]byte, error)
	}{
		RequestVote{Term: 3, LastIndex: 5, LastTerm: 2},
		RequestVoteReply{Term: 3, Granted: true},
		RequestVoteReply{Term: 4},
		AppendEntries{Term: 3, PrevIndex: 5, PrevTerm: 2, Entries: []Entry{{Term: 3, Req: req}, {Term: 3}}, Commit: 5},
		AppendEntries{Term: 1},
		AppendEntriesReply{Term: 3, Success: true, Index: 7},
		AppendEntriesReply{Term: 3, Index: 5, XTerm: 2, XIndex: 4, XLen: 6},
		req,
		kv.Request{Client: "c2", Seq: 1, Op: kv.GetOp("k2")},
		kv.Reply{Seq: 7, Status: kv.OK, Value: "a\"b"},
		kv.Reply{Seq: 8, Status: kv.NotLeader, LeaderHint: "n2"},
	} {
		b, err := m.AppendText([]byte("prefix "))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(b), "prefix "+m.String(); got != want {
			t.Errorf("AppendText gives %q, String %q", got, want)
		}
	}
}

// Entries that differ in any field, or whose strings split differently
// between fields, get different digests.
func TestChainHashSeparatesFields(t *testing.T) {
	req := func(client, key, value string) Entry {
		return Entry{Term: 1, Req: kv.Request{Client: protocols.NodeID(client), Seq: 1, Op: kv.AppendOp(key, value)}}
	}
	entries := []Entry{
		{},
		{Term: 1},
		req("ab", "c", ""),
		req("a", "bc", ""),
		req("a", "b", "c"),
		req("abcdefgh", "", ""),
		req("abcdefg", "h", ""),
		req("abcdefgh", "i", ""),
		req("abcdefghi", "", ""),
		{Term: 1, Conf: &ConfChange{}},
		{Term: 1, Conf: &ConfChange{Node: "n1"}},
	}
	seen := map[uint64]int{}
	for i, e := range entries {
		h := chainHash(0, &e)
		if j, ok := seen[h]; ok {
			t.Errorf("entries %d and %d share digest %x", j, i, h)
		}
		seen[h] = i
	}
	assert.NotEqual(t, chainHash(1, &entries[2]), chainHash(2, &entries[2]), "the prefix counts")
}

// TestFoldWordCanBeUndone shows that for each word, folding it is a
// bijection of the digest: two different prefixes followed by the same
// entries never end in the same digest.
func TestFoldWordCanBeUndone(t *testing.T) {
	const k = 0xe7037ed1a0b428db
	// The inverse of multiplying by k modulo 2^64, by Newton's iteration.
	inv := uint64(k)
	for range 6 {
		inv *= 2 - k*inv
	}
	unfold := func(x, v uint64) uint64 {
		x ^= x >> 32 // undoes x ^= x>>32 on 64 bits
		return x*inv ^ v ^ 0xa0761d6478bd642f
	}
	rapid.Check(t, func(t *rapid.T) {
		h, v := rapid.Uint64().Draw(t, "h"), rapid.Uint64().Draw(t, "v")
		if got := unfold(foldWord(h, v), v); got != h {
			t.Fatalf("unfold(foldWord(%#x, %#x)) = %#x", h, v, got)
		}
	})
}

// TestFoldStringReadsBytesInOrder holds foldString's loads of a string's
// last bytes to reading them one at a time into a little-endian word, for
// every length around a word's: digests persisted in snapshots and compared
// across servers must not change.
func TestFoldStringReadsBytesInOrder(t *testing.T) {
	byteAtATime := func(h uint64, s string) uint64 {
		n := len(s)
		for ; len(s) >= 8; s = s[8:] {
			var w uint64
			for i := range 8 {
				w |= uint64(s[i]) << (8 * i)
			}
			h = foldWord(h, w)
		}
		var tail uint64
		for i := 0; i < len(s); i++ {
			tail |= uint64(s[i]) << (8 * i)
		}
		return foldWord(foldWord(h, tail), uint64(n))
	}
	rapid.Check(t, func(t *rapid.T) {
		h := rapid.Uint64().Draw(t, "h")
		s := string(rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "s"))
		if got, want := foldString(h, s), byteAtATime(h, s); got != want {
			t.Fatalf("foldString(%#x, %q) = %#x, want %#x", h, s, got, want)
		}
	})
}

// appendRequest is append of the request's entry: the same entries, chain
// and version, whatever the log held before (a snapshot's base included).
func TestAppendRequestIsAppend(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := newLog(Config{}), newLog(Config{})
		if base := rapid.IntRange(0, 3).Draw(t, "base"); base > 0 {
			a.restore(base, 1, 77, Config{})
			b.restore(base, 1, 77, Config{})
		}
		for k := range rapid.IntRange(1, 2*chunkLen+2).Draw(t, "entries") {
			term := uint64(1 + k/50)
			if rapid.Bool().Draw(t, "noop") {
				a.append(Entry{Term: term})
				b.append(Entry{Term: term})
				continue
			}
			r := kv.Request{Client: "c1", Seq: uint64(k), Op: kv.PutOp(rapid.StringN(0, 12, -1).Draw(t, "key"), "v")}
			a.append(Entry{Term: term, Req: r})
			b.appendRequest(term, &r)
		}
		require.Equal(t, a.lastIndex(), b.lastIndex())
		for i := a.base + 1; i <= a.lastIndex(); i++ {
			require.Equal(t, a.entry(i), b.entry(i), "entry %d", i)
		}
		require.Equal(t, a.chain, b.chain)
		require.Equal(t, a.version, b.version)
	})
}

// Every view of a log's chain ever handed out (the log's own chain
// as a monitor keeps it, chainView for a message) keeps its digests, and the
// log's chain always equals a recomputation, whatever append, extend with
// another log's digests, merge, truncate, compact and restore do. The
// monitors' views (log matching) and AppendEntries' chains rely on it.
func TestChainViewsNeverChange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := newLog(Config{})
		other := newLog(Config{}) // a "leader" whose digests the log takes
		type held struct {
			view []uint64
			want []uint64
		}
		var views []held
		term := uint64(1)
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			switch rapid.IntRange(0, 6).Draw(t, "op") {
			case 0:
				n := rapid.IntRange(1, 5).Draw(t, "n")
				for range n {
					l.append(figureEntry(l.lastIndex()+1, term))
				}
			case 1:
				e := figureEntry(l.lastIndex()+1, term)
				l.appendRequest(term, &e.Req)
			case 2:
				if l.lastIndex() > l.base {
					l.truncate(rapid.IntRange(l.base+1, l.lastIndex()).Draw(t, "from"))
				}
			case 3:
				if l.lastIndex() > l.base {
					l.compact(rapid.IntRange(l.base+1, l.lastIndex()).Draw(t, "upto"))
				}
			case 4:
				term++
			case 5: // merge from other, which copies l then diverges
				other = newLog(Config{})
				for i := 1; i <= l.lastIndex(); i++ {
					if i > l.base {
						other.append(l.entry(i))
					} else {
						other.append(figureEntry(i, 1))
					}
				}
				if l.base > 0 || other.lastIndex() == 0 {
					continue
				}
				from := rapid.IntRange(1, other.lastIndex()).Draw(t, "mfrom")
				other.truncate(from)
				for range rapid.IntRange(1, 4).Draw(t, "mn") {
					other.append(figureEntry(other.lastIndex()+1, term))
				}
				prev := from - 1
				es, home := other.sliceHome(prev+1, other.lastIndex()) // the follower may go on in the other's chunk
				l.merge(prev, es, other.chainView(prev, other.lastIndex()), home)
			case 6:
				if rapid.Bool().Draw(t, "restore") {
					c, _ := l.chainAt(l.lastIndex())
					l.restore(l.lastIndex(), l.lastTerm(), c, Config{})
				}
			}
			d := l.chain[0]
			for i := l.base + 1; i <= l.lastIndex(); i++ {
				d = chainHash(d, l.entryAt(i))
				if l.chain[i-l.base] != d {
					t.Fatalf("chain at %d is not the recomputed digest", i)
				}
			}
			if len(l.chain) != l.lastIndex()-l.base+1 {
				t.Fatalf("chain length %d for %d..%d", len(l.chain), l.base, l.lastIndex())
			}
			// hold the log's own chain, and a chainView of it
			views = append(views, held{view: l.chain, want: slices.Clone(l.chain)})
			if l.lastIndex() > l.base {
				lo := rapid.IntRange(l.base, l.lastIndex()).Draw(t, "lo")
				v := l.chainView(lo, l.lastIndex())
				views = append(views, held{view: v, want: slices.Clone(v)})
			}
			for i, h := range views {
				if !slices.Equal(h.view, h.want) {
					t.Fatalf("view %d changed: %v, was %v", i, h.view, h.want)
				}
			}
		}
	})
}
