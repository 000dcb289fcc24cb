package raft

import (
	"encoding/binary"

	"github.com/dsimlab/dsim/protocols/kv"
)

// raftLog is a server's log. Indexes start at 1. After a snapshot the log
// holds only the entries after the snapshot's index (base), and remembers
// the term at base (baseTerm), so "the entry before the first" needs no
// special case in the consistency check. With no snapshot base is 0 and
// so is baseTerm.
//
// The entries are shared with what the server sent and persisted (slice
// hands out views of them rather than copies, see entryList): an entry once
// held at a position of an array is never overwritten there.
//
// Besides the entries it keeps, for every index, a running digest of the
// whole prefix up to it (chain, which starts at base; a snapshot carries
// the digest at its index). Nothing in the protocol reads it: it lets the
// monitors compare two logs' prefixes, or one log with its earlier self, in
// O(1) instead of entry by entry, across compacted prefixes too. Every
// change goes through append, truncate, compact and restore, which keep it
// current, and bumps version, so a monitor can tell at a glance that a log
// did not change during an event. Like the entries, a digest once held at
// a position of the chain's array is never overwritten there, so an
// AppendEntries can carry a view of the leader's (chainView).
//
// The log also tracks the configurations its entries make (thesis §4.1: a
// server uses the latest configuration in its log, committed or not): the
// one at base, and each configuration change entry after it with the
// configuration that results.
type raftLog struct {
	base     int
	baseTerm uint64
	entries  entryList // indexes base+1 on
	chain    []uint64  // indexes base on
	version  uint64

	conf0   Config   // the configuration at base
	confIdx []int    // the configuration change entries after base, in order
	confs   []Config // the configuration each of them makes
	confGen uint64   // bumped whenever the latest configuration changes
}

func newLog(initial Config) raftLog {
	return raftLog{chain: []uint64{0}, conf0: initial}
}

// lastIndex is the index of the last entry (base when it holds none).
func (l *raftLog) lastIndex() int { return l.base + l.entries.len() }

// lastTerm is the term of the last entry (the snapshot's term, or 0, when
// it holds none).
func (l *raftLog) lastTerm() uint64 {
	if n := l.entries.len(); n > 0 {
		return l.entries.at(n - 1).Term
	}
	return l.baseTerm
}

// term returns the term at index i, and false when the log has no entry
// there: past its end, or compacted into the snapshot. term(base) is the
// snapshot's term (0 with no snapshot).
func (l *raftLog) term(i int) (uint64, bool) {
	if k := i - l.base - 1; uint(k) < uint(l.entries.len()) { // base < i <= last
		return l.entries.at(k).Term, true
	}
	if i == l.base {
		return l.baseTerm, true
	}
	return 0, false
}

// entry returns the entry at index i, which must be held (base < i <= last).
func (l *raftLog) entry(i int) Entry { return *l.entryAt(i) }

// entryAt returns the entry at index i (base < i <= last) in place, for
// reading without copying its 128 bytes; it must not be changed.
func (l *raftLog) entryAt(i int) *Entry { return l.entries.at(i - l.base - 1) }

// chainAt returns the prefix digest at index i, and false when i is
// compacted or past the end.
func (l *raftLog) chainAt(i int) (uint64, bool) {
	if i < l.base || i > l.lastIndex() {
		return 0, false
	}
	return l.chain[i-l.base], true
}

// chainView returns the prefix digests at indexes lo..hi (base <= lo <=
// hi <= last), for a message to carry: a view of the chain, never written
// again by the log.
func (l *raftLog) chainView(lo, hi int) []uint64 {
	return l.chain[lo-l.base : hi-l.base+1 : hi-l.base+1]
}

// append adds entries after the last one.
func (l *raftLog) append(es ...Entry) { l.extend(es, nil, nil) }

// extend adds entries after the last one. digests, when not nil, are the
// prefix digests the entries make after the last one (digests[i] after
// es[i]), as another log computed them from a last digest equal to this
// log's: they are taken rather than computed again (a digest is a function
// of the one before and the entry alone). home, when not nil, is the chunk
// of another log that es is a slice of: this log may go on in it rather
// than copy the entries (entryList.pushFrom).
func (l *raftLog) extend(es []Entry, digests []uint64, home *[chunkLen]Entry) {
	l.chain = room(l.chain, len(es))
	switch {
	case digests == nil:
	case len(es) == 1: // the usual append: one digest stored, without a call to copy it
		l.chain = append(l.chain, digests[0])
	default:
		l.chain = append(l.chain, digests[:len(es)]...)
	}
	for i := range es {
		e := &es[i]
		if digests == nil {
			l.chain = append(l.chain, chainHash(l.chain[len(l.chain)-1], e))
		}
		l.entries.pushFrom(e, home)
		if e.Conf != nil {
			l.confIdx = append(l.confIdx, l.lastIndex())
			l.confs = append(l.confs, l.config().apply(*e.Conf))
			l.confGen++
		}
	}
	l.version++
}

// appendRequest adds an entry of term carrying the request *r after the
// last one, as append(Entry{Term: term, Req: *r}) does, building it where
// the log keeps it rather than on the way there (a leader appends every
// client request so).
func (l *raftLog) appendRequest(term uint64, r *kv.Request) {
	e := l.entries.grow()
	e.Term, e.Req = term, *r
	l.chain = append(room(l.chain, 1), chainHash(l.chain[len(l.chain)-1], e))
	l.version++
}

// room returns s with room for n more elements, doubling its capacity
// when it must grow. append grows a big slice by a quarter at a time, so a
// log of N entries built by append alone is copied about 4N entries' worth
// on the way; doubling copies about N. (Profiles of long runs showed the
// copies.) Like append, it moves s to a fresh array when it grows.
func room[E any](s []E, n int) []E {
	if len(s)+n <= cap(s) {
		return s
	}
	grown := make([]E, len(s), max(2*cap(s), len(s)+n, 8))
	copy(grown, s)
	return grown
}

// truncate removes the entries at from and after. Compacted entries are
// never removed.
func (l *raftLog) truncate(from int) {
	if from <= l.base || from > l.lastIndex() {
		return
	}
	k := from - l.base
	l.entries.truncate(k - 1)
	l.chain = l.chain[:k:k] // the next append moves it: views of the rest stay as they were
	for len(l.confIdx) > 0 && l.confIdx[len(l.confIdx)-1] >= from {
		l.confIdx = l.confIdx[:len(l.confIdx)-1]
		l.confs[len(l.confs)-1] = Config{}
		l.confs = l.confs[:len(l.confs)-1]
		l.confGen++
	}
	l.version++
}

// compact drops the entries up to upto (base < upto <= last), which a
// snapshot now holds. The entries' chunks are let go as they empty, so the
// dropped entries can be collected. The chain goes on in its array from
// upto: the dropped digests (8 bytes each) stay there until it next grows
// (room copies only what it holds), which costs less than copying the
// chain at every snapshot and then growing the copy.
func (l *raftLog) compact(upto int) {
	if upto <= l.base || upto > l.lastIndex() {
		return
	}
	k := upto - l.base
	l.conf0 = l.configAt(upto)
	n := 0
	for n < len(l.confIdx) && l.confIdx[n] <= upto {
		n++
	}
	l.confIdx = append([]int(nil), l.confIdx[n:]...)
	l.confs = append([]Config(nil), l.confs[n:]...)
	l.baseTerm = l.entries.at(k - 1).Term
	l.entries.drop(k)
	l.chain = l.chain[k:]
	l.base = upto
	l.version++
}

// restore replaces the whole log with a snapshot's position: it holds no
// entries after index, whose term, prefix digest and configuration the
// snapshot gives (Figure 13, step 7).
func (l *raftLog) restore(index int, term uint64, chain uint64, conf Config) {
	l.base, l.baseTerm = index, term
	l.entries.reset(index % chunkLen)      // index+1 goes where every log keeps it (entryList)
	l.chain = append(l.chain[:0:0], chain) // a fresh array: views of the old stay as they were
	l.conf0, l.confIdx, l.confs = conf, nil, nil
	l.confGen++
	l.version++
}

// slice returns the entries lo..hi inclusive (nil when hi < lo), for a
// message or a record to own, never written again by the log (see
// entryList.view). lo must be past base.
func (l *raftLog) slice(lo, hi int) []Entry {
	if hi < lo {
		return nil
	}
	return l.entries.view(lo-l.base-1, hi-l.base)
}

// sliceHome is slice, and the chunk the entries are a slice of (nil when
// they were copied), for a follower's log to go on in (extend).
func (l *raftLog) sliceHome(lo, hi int) ([]Entry, *[chunkLen]Entry) {
	if hi < lo {
		return nil, nil
	}
	return l.entries.viewHome(lo-l.base-1, hi-l.base)
}

// config is the latest configuration in the log.
func (l *raftLog) config() Config {
	if n := len(l.confs); n > 0 {
		return l.confs[n-1]
	}
	return l.conf0
}

// configAt is the configuration in force at index i (base <= i): the one
// made by the last change entry at or before i.
func (l *raftLog) configAt(i int) Config {
	for k := len(l.confIdx) - 1; k >= 0; k-- {
		if l.confIdx[k] <= i {
			return l.confs[k]
		}
	}
	return l.conf0
}

// confIndexAt is the index of the change entry that made the configuration
// in force at i, or base when it came with the snapshot (or is the initial
// one).
func (l *raftLog) confIndexAt(i int) int {
	for k := len(l.confIdx) - 1; k >= 0; k-- {
		if l.confIdx[k] <= i {
			return l.confIdx[k]
		}
	}
	return l.base
}

// lastConfIndex is the index of the latest configuration change entry, or
// 0 when the log holds none after its snapshot.
func (l *raftLog) lastConfIndex() int {
	if n := len(l.confIdx); n > 0 {
		return l.confIdx[n-1]
	}
	return 0
}

// isUpToDate reports whether a log ending at lastIndex/lastTerm is at least
// as up to date as this one (§5.4.1): a later last term wins; with equal
// last terms the longer log wins.
func (l *raftLog) isUpToDate(lastIndex int, lastTerm uint64) bool {
	if lt := l.lastTerm(); lastTerm != lt {
		return lastTerm > lt
	}
	return lastIndex >= l.lastIndex()
}

// termStart returns the first index of the run of entries that share the
// term of index i and end at i: a follower's XIndex in a rejection. The run
// is cut at the snapshot: the follower cannot tell where it began. At the
// snapshot's own index it is that index: correct Raft never rejects there
// (a snapshot holds only committed entries, which every later leader has),
// but a leader elected without them (bug vote-without-log-check) can send
// a PrevIndex there with another term, and a run that goes on past the
// violation must not crash.
func (l *raftLog) termStart(i int) int {
	if i <= l.base {
		return i
	}
	t := l.entryAt(i).Term
	for i > l.base+1 && l.entryAt(i-1).Term == t {
		i--
	}
	return i
}

// lastIndexOf returns the last index holding term t, or 0 when the log has
// no entry of term t. Terms never decrease along a log, so it binary
// searches. A term that ends exactly at the snapshot returns the
// snapshot's index.
func (l *raftLog) lastIndexOf(t uint64) int {
	lo, hi := 0, l.entries.len()-1 // positions; find the last whose term is <= t
	for lo <= hi {
		mid := (lo + hi) / 2
		if l.entries.at(mid).Term <= t {
			lo = mid + 1
		} else {
			hi = mid - 1
		}
	}
	if hi >= 0 && l.entries.at(hi).Term == t {
		return l.base + 1 + hi
	}
	if hi < 0 && l.base > 0 && l.baseTerm == t {
		return l.base
	}
	return 0
}

// merge applies the entries of an accepted AppendEntries whose PrevIndex is
// prev (Figure 2, receiver steps 3 and 4): an existing entry that conflicts
// with a new one (same index, different term) is deleted with all that
// follow it, and the new entries not already in the log are appended. An
// entry that matches is kept, and so is everything after the request's
// last entry: a stale or duplicated request must not undo later appends.
// prev must not be below base.
//
// digests, when not nil, are the leader's prefix digests at prev through
// prev+len(es) (AppendEntries.chain): where this log's digest before the
// first entry it appends is the leader's there, it takes the leader's for
// the entries rather than computing them. home, when not nil, is the chunk
// of the leader's log that es is a slice of (see extend).
//
// It returns the first index it changed (0 when the log already held every
// entry) and whether it removed entries.
func (l *raftLog) merge(prev int, es []Entry, digests []uint64, home *[chunkLen]Entry) (changed int, truncated bool) {
	for k := range es { // by index: an entry is 128 bytes
		idx := prev + 1 + k
		if idx > l.lastIndex() {
			l.extend(es[k:], l.theirs(idx, digests, k), home)
			return idx, false
		}
		if l.entryAt(idx).Term != es[k].Term {
			l.truncate(idx)
			l.extend(es[k:], l.theirs(idx, digests, k), home)
			return idx, true
		}
	}
	return 0, false
}

// theirs returns the digests after position k of a merge's, for entries
// appended at idx: nil when there are none, or when this log's digest at
// idx-1 is not digests[k], which the rest were computed from.
func (l *raftLog) theirs(idx int, digests []uint64, k int) []uint64 {
	if digests == nil || l.chain[idx-1-l.base] != digests[k] {
		return nil
	}
	return digests[k+1:]
}

// commonPrefix returns the last index at which two chains agree, so the
// logs they digest are identical up to there. Digests of prefixes agree up
// to some index and differ after it, so it binary searches. Both chains
// start at index 0.
func commonPrefix(a, b []uint64) int { return commonPrefixAt(a, 0, b, 0) }

// commonPrefixAt is commonPrefix for chains that start at indexes abase and
// bbase (a log's chain starts at its snapshot). It returns the last index
// at which they agree, or the first index both hold minus one when they
// disagree there already.
func commonPrefixAt(a []uint64, abase int, b []uint64, bbase int) int {
	lo := max(abase, bbase)
	hi := min(abase+len(a), bbase+len(b)) - 1
	if hi < lo {
		return lo - 1
	}
	if a[hi-abase] == b[hi-bbase] {
		return hi
	}
	if a[lo-abase] != b[lo-bbase] {
		return lo - 1
	}
	for lo < hi-1 { // a and b agree at lo and differ at hi
		mid := (lo + hi) / 2
		if a[mid-abase] == b[mid-bbase] {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// chainHash extends a prefix digest by one entry: its term, request and
// configuration change, each string with its length, so that fields cannot
// run together. It folds whole words, one multiplication each, rather than
// a byte at a time: digests are only ever compared with each other, never
// shown, and this runs for every entry every server appends.
func chainHash(prev uint64, e *Entry) uint64 {
	h := foldWord(prev, e.Term)
	h = foldWord(h, e.Req.Seq)
	h = foldWord(h, uint64(e.Req.Op.Kind))
	h = foldString(h, string(e.Req.Client))
	h = foldString(h, e.Req.Op.Key)
	h = foldString(h, e.Req.Op.Value)
	if e.Conf != nil {
		h = foldWord(h, uint64(e.Conf.Op)+1) // +1: a change differs from no change
		h = foldString(h, string(e.Conf.Node))
	}
	if e.Cmd != nil {
		h = foldString(h, e.Cmd.String())
	}
	return h
}

// foldWord mixes v into the digest h as protocols.Hash folds a word: xor,
// multiply by an odd constant, fold the high half down. For a given v each
// step is a bijection of h (both the multiplication and the shift-xor can
// be undone), so two different prefixes never collapse into one digest by
// a word that follows them, whatever the words.
func foldWord(h, v uint64) uint64 {
	x := (h ^ v ^ 0xa0761d6478bd642f) * 0xe7037ed1a0b428db
	return x ^ x>>32
}

// foldString mixes s into h eight bytes at a time, the last zero to seven
// as one little-endian word, then its length. The last bytes are read in
// at most two loads of two or four bytes, not one at a time (an entry's
// client, key and value are a few bytes each): the loads of the first
// bytes and of the last overlap, and the bytes they share land in the
// same place from both.
func foldString(h uint64, s string) uint64 {
	n := len(s)
	for ; len(s) >= 8; s = s[8:] {
		h = foldWord(h, binary.LittleEndian.Uint64([]byte(s[:8])))
	}
	var tail uint64
	switch k := len(s); {
	case k >= 4:
		tail = uint64(binary.LittleEndian.Uint32([]byte(s[:4]))) | uint64(binary.LittleEndian.Uint32([]byte(s[k-4:])))<<(8*(k-4))
	case k >= 2:
		tail = uint64(binary.LittleEndian.Uint16([]byte(s[:2]))) | uint64(binary.LittleEndian.Uint16([]byte(s[k-2:])))<<(8*(k-2))
	case k == 1:
		tail = uint64(s[0])
	}
	return foldWord(foldWord(h, tail), uint64(n))
}
