package raft

import "fmt"

// entryList holds a log's entries in arrays of chunkLen entries (chunks)
// rather than in one array. A log that grows starts a new chunk instead of
// moving everything it holds to a bigger array, and a truncation copies only
// the chunk it cuts into, not the whole log. (In profiles of
// BenchmarkRaftChaos, allocating, zeroing and copying the single array of
// 128-byte entries as it doubled, and again after every truncation, cost an
// eighth of Raft's step.)
//
// Like the single array before it, it shares its chunks with what the
// server sent and persisted (view hands out slices of a chunk, capped at
// their last entry, when the range lies in one chunk): an entry once held at
// a position of a chunk is never overwritten there. push only writes past
// every view's end; truncate moves the entries it keeps of the chunk it cuts
// into to a fresh chunk; drop only forgets entries.
//
// A chunk may also be another list's (shared): a follower's log goes on
// in the very chunk of the leader's log its entries came from, rather than
// copying each into a chunk of its own (pushFrom). That is safe because no
// position of any chunk is written twice, whoever's it is, and a list
// holds a position of a shared chunk only once it has seen, by address,
// that the entry it is to hold is there. A list writes only into chunks of
// its own: before it writes into a shared chunk it moves what it holds of
// it to a fresh one (unshare). Every list keeps the entry of index i at
// position (i-1) mod chunkLen of its chunk (raftLog keeps skip = base mod
// chunkLen), so a leader's chunk and its followers' line up.
type entryList struct {
	chunks []*[chunkLen]Entry // all but the last are full
	skip   int                // positions at the start of chunks[0] before the first entry
	n      int                // entries held
	// shared says that the chunk of the position after the last entry is
	// another list's (meaningful only when that chunk exists).
	shared bool
}

// chunkLen is how many entries one chunk holds: 16 KiB of entries, which
// the allocator serves from its per-thread caches (a chunk of 256 entries
// is a large object, which took twice as long to allocate), and twice the
// 64 entries an AppendEntries carries by default, so most views fall
// inside one chunk.
const chunkLen = 128

// len is the number of entries held.
func (s *entryList) len() int { return s.n }

// at returns the k-th entry held (0 <= k < len). Out of range it panics,
// as indexing a slice would: the first chunk still holds entries dropped
// from its start, which must not be read as if held.
func (s *entryList) at(k int) *Entry {
	if uint(k) >= uint(s.n) {
		panic(positionError{k, s.n})
	}
	q := uint(s.skip + k)
	return &s.chunks[q/chunkLen][q%chunkLen]
}

// positionError is the panic of at, formatted only when shown: at stays
// small enough to be inlined where it is called (the log reads an entry's
// term at nearly every message).
type positionError struct{ k, n int }

func (e positionError) Error() string {
	return fmt.Sprintf("raft: log entry position %d out of range [0, %d)", e.k, e.n)
}

// push adds e after the last entry.
func (s *entryList) push(e Entry) { s.pushAt(&e) }

// pushAt adds *e after the last entry, copying it once, from where it is.
func (s *entryList) pushAt(e *Entry) { *s.grow() = *e }

// grow holds one more entry, after the last, and returns it to be filled in
// place before anything reads it. It is zero: no position past the last
// entry held was ever written in a chunk of this list's own (push writes
// only at the end, truncate moves what it keeps of the chunk it cuts into
// to a fresh chunk, and drop only forgets), every chunk starts zero, and a
// shared chunk, which its own list may have written past this one's end
// and goes on sharing, is unshared first.
func (s *entryList) grow() *Entry {
	q := uint(s.skip + s.n)
	if q/chunkLen == uint(len(s.chunks)) || s.shared {
		s.own(q) // out of line: grow stays small enough to be inlined
	}
	s.n++
	return &s.chunks[q/chunkLen][q%chunkLen]
}

// own makes the chunk of position q, the one after the last entry, one of
// this list's own: a fresh one when there is none, or else the shared one
// unshared.
func (s *entryList) own(q uint) {
	if q/chunkLen == uint(len(s.chunks)) {
		s.chunks = append(s.chunks, new([chunkLen]Entry))
		s.shared = false
		return
	}
	s.unshare(q % chunkLen)
}

// pushFrom adds *e after the last entry, as pushAt does, where home is the
// chunk of another list that e may lie in (nil when none is known). When e
// is the very position the entry goes to, in a chunk this list shares, the
// entry is there already; when a new chunk is due and e lies at the
// position in home, home becomes that chunk, shared. Otherwise *e is
// copied, as pushAt does.
func (s *entryList) pushFrom(e *Entry, home *[chunkLen]Entry) {
	q := uint(s.skip + s.n)
	c, off := q/chunkLen, q%chunkLen
	switch {
	case c < uint(len(s.chunks)) && &s.chunks[c][off] == e:
	case c == uint(len(s.chunks)) && home != nil && &home[off] == e:
		s.chunks = append(s.chunks, home)
		s.shared = true
	default:
		*s.grow() = *e
		return
	}
	s.n++
}

// unshare moves the first off positions of the last chunk, a shared one,
// to a fresh chunk of this list's own: they include every entry it holds
// there.
func (s *entryList) unshare(off uint) {
	last := len(s.chunks) - 1
	own := new([chunkLen]Entry)
	copy(own[:off], s.chunks[last][:off])
	s.chunks[last] = own
	s.shared = false
}

// truncate keeps the first k entries (0 <= k <= len) and forgets the rest.
// The kept part of the chunk it cuts into moves to a fresh chunk, so that
// the positions it gives up, which views may show, are never written again
// (and so that a shared chunk is no longer shared). The next entry goes to
// the position after the k-th, in a fresh chunk when k is 0.
func (s *entryList) truncate(k int) {
	if k == s.n {
		return
	}
	if k == 0 {
		s.reset(s.skip)
		return
	}
	q := s.skip + k
	c, off := q/chunkLen, q%chunkLen
	if off == 0 {
		clear(s.chunks[c:])
		s.chunks = s.chunks[:c]
	} else {
		kept := new([chunkLen]Entry)
		copy(kept[:off], s.chunks[c][:off])
		clear(s.chunks[c+1:])
		s.chunks[c] = kept
		s.chunks = s.chunks[:c+1]
		s.shared = false
	}
	s.n = k
}

// reset forgets every entry; the next one goes to position skip (0 <= skip
// < chunkLen) of a fresh chunk.
func (s *entryList) reset(skip int) {
	clear(s.chunks)
	*s = entryList{chunks: s.chunks[:0], skip: skip}
}

// drop forgets the first k entries (0 <= k <= len). The chunks they filled
// are let go; those at the start of the chunk that holds the new first
// entry stay until it is let go too.
func (s *entryList) drop(k int) {
	s.skip += k
	s.n -= k
	if c := s.skip / chunkLen; c > 0 {
		clear(s.chunks[:c])
		s.chunks = s.chunks[c:]
		s.skip -= c * chunkLen
	}
}

// view returns entries a..b-1 (0 <= a < b <= len) for a message or a record
// to own: a slice of their chunk, capped at its end so that appending to
// it copies, when they lie in one chunk, and a copy otherwise.
func (s *entryList) view(a, b int) []Entry {
	es, _ := s.viewHome(a, b)
	return es
}

// viewHome is view, and the chunk the entries are a slice of (nil when
// they were copied), for a follower to go on in (pushFrom).
func (s *entryList) viewHome(a, b int) ([]Entry, *[chunkLen]Entry) {
	qa, qb := uint(s.skip+a), uint(s.skip+b)
	if c := qa / chunkLen; (qb-1)/chunkLen == c {
		lo, hi := qa%chunkLen, (qb-1)%chunkLen+1
		return s.chunks[c][lo:hi:hi], s.chunks[c]
	}
	out := make([]Entry, 0, b-a)
	for q := qa; q < qb; {
		c, lo := q/chunkLen, q%chunkLen
		hi := min(uint(chunkLen), lo+qb-q)
		out = append(out, s.chunks[c][lo:hi]...)
		q += hi - lo
	}
	return out, nil
}
