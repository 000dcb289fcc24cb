package raft

// raftLog is a server's log. Indexes start at 1; index 0 is a sentinel with
// term 0, so "the entry before the first" needs no special case in the
// consistency check.
//
// Besides the entries it keeps, for every index, a running digest of the
// whole prefix up to it (chain). Nothing in the protocol reads it: it lets
// the monitors compare two logs' prefixes, or one log with its earlier self,
// in O(1) instead of entry by entry. Every change goes through append and
// truncate, which keep it current, and bumps version, so a monitor can tell
// at a glance that a log did not change during an event.
type raftLog struct {
	entries []Entry
	chain   []uint64
	version uint64
}

func newLog() raftLog {
	return raftLog{entries: []Entry{{}}, chain: []uint64{0}}
}

// lastIndex is the index of the last entry (0 when empty).
func (l *raftLog) lastIndex() int { return len(l.entries) - 1 }

// lastTerm is the term of the last entry (0 when empty).
func (l *raftLog) lastTerm() uint64 { return l.entries[len(l.entries)-1].Term }

// term returns the term at index i, and false when the log has no entry
// there. term(0) is 0.
func (l *raftLog) term(i int) (uint64, bool) {
	if i < 0 || i >= len(l.entries) {
		return 0, false
	}
	return l.entries[i].Term, true
}

// entry returns the entry at index i, which must exist.
func (l *raftLog) entry(i int) Entry { return l.entries[i] }

// append adds entries after the last one.
func (l *raftLog) append(es ...Entry) {
	for _, e := range es {
		l.chain = append(l.chain, chainHash(l.chain[len(l.chain)-1], e))
		l.entries = append(l.entries, e)
	}
	l.version++
}

// truncate removes the entries at from and after.
func (l *raftLog) truncate(from int) {
	if from < 1 || from > l.lastIndex() {
		return
	}
	clear(l.entries[from:]) // drop the requests' strings for the collector
	l.entries = l.entries[:from]
	l.chain = l.chain[:from]
	l.version++
}

// slice returns a fresh copy of the entries lo..hi inclusive (nil when
// hi < lo): what a message or a record may own, since the log's own array
// is overwritten after a truncation.
func (l *raftLog) slice(lo, hi int) []Entry {
	if hi < lo {
		return nil
	}
	out := make([]Entry, hi-lo+1)
	copy(out, l.entries[lo:hi+1])
	return out
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
// term of index i and end at i: a follower's XIndex in a rejection.
func (l *raftLog) termStart(i int) int {
	t := l.entries[i].Term
	for i > 1 && l.entries[i-1].Term == t {
		i--
	}
	return i
}

// lastIndexOf returns the last index holding term t, or 0 when the log has
// no entry of term t. Terms never decrease along a log, so it binary
// searches.
func (l *raftLog) lastIndexOf(t uint64) int {
	lo, hi := 1, l.lastIndex() // find the last index whose term is <= t
	for lo <= hi {
		mid := (lo + hi) / 2
		if l.entries[mid].Term <= t {
			lo = mid + 1
		} else {
			hi = mid - 1
		}
	}
	if hi >= 1 && l.entries[hi].Term == t {
		return hi
	}
	return 0
}

// merge applies the entries of an accepted AppendEntries whose PrevIndex is
// prev (Figure 2, receiver steps 3 and 4): an existing entry that conflicts
// with a new one (same index, different term) is deleted with all that
// follow it, and the new entries not already in the log are appended. An
// entry that matches is kept, and so is everything after the request's
// last entry: a stale or duplicated request must not undo later appends.
//
// It returns the first index it changed (0 when the log already held every
// entry) and whether it removed entries.
func (l *raftLog) merge(prev int, es []Entry) (changed int, truncated bool) {
	for k, e := range es {
		idx := prev + 1 + k
		if idx > l.lastIndex() {
			l.append(es[k:]...)
			return idx, false
		}
		if l.entries[idx].Term != e.Term {
			l.truncate(idx)
			l.append(es[k:]...)
			return idx, true
		}
	}
	return 0, false
}

// commonPrefix returns the last index at which two chains agree, so the
// logs they digest are identical up to there. Digests of prefixes agree up
// to some index and differ after it, so it binary searches.
func commonPrefix(a, b []uint64) int {
	n := min(len(a), len(b)) - 1
	if a[n] == b[n] {
		return n
	}
	lo, hi := 0, n-1 // a[0] == b[0] == 0 always
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if a[mid] == b[mid] {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// chainHash extends a prefix digest by one entry: FNV-1a over the entry's
// term and request, with separators so that fields cannot run together.
func chainHash(prev uint64, e Entry) uint64 {
	const prime = 1099511628211
	h := prev ^ 14695981039346656037
	mix := func(v uint64) {
		for i := 0; i < 8; i++ {
			h ^= v & 0xff
			h *= prime
			v >>= 8
		}
	}
	str := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= prime
		}
		h ^= 0xff
		h *= prime
	}
	mix(e.Term)
	mix(e.Req.Seq)
	mix(uint64(e.Req.Op.Kind))
	str(string(e.Req.Client))
	str(e.Req.Op.Key)
	str(e.Req.Op.Value)
	return h
}
