package primarybackup

import "strconv"

// opLog is a server's log of operations. Indexes start at 1; index 0 is a
// sentinel. A position, once written, is never written again: the log only
// grows, and a state transfer replaces it with a fresh array. So messages
// and records share its entries without copying (slice caps them, so that
// whoever appends to one reallocates).
//
// Besides the entries it keeps, for every index, a running digest of the
// prefix up to it (chain). Nothing in the protocol reads it: it lets the
// monitors compare two logs' prefixes in O(1).
type opLog struct {
	entries []Entry
	chain   []uint64
}

func newLog() opLog { return opLog{entries: []Entry{{}}, chain: []uint64{0}} }

// last is the index of the last entry (0 when empty).
func (l *opLog) last() int { return len(l.entries) - 1 }

// entry returns the entry at index i, which must exist.
func (l *opLog) entry(i int) Entry { return l.entries[i] }

// append adds entries after the last one.
func (l *opLog) append(es ...Entry) {
	for _, e := range es {
		l.chain = append(l.chain, chainHash(l.chain[len(l.chain)-1], e))
		l.entries = append(l.entries, e)
	}
}

// replace makes es (indexes 1..len) the whole log, in fresh arrays.
func (l *opLog) replace(es []Entry) {
	l.entries = append(make([]Entry, 1, len(es)+1), es...)
	l.chain = l.chain[:1:1]
	for _, e := range es {
		l.chain = append(l.chain, chainHash(l.chain[len(l.chain)-1], e))
	}
}

// slice returns the entries lo..hi inclusive, sharing the log's array with
// its capacity capped (nil when hi < lo).
func (l *opLog) slice(lo, hi int) []Entry {
	if hi < lo {
		return nil
	}
	return l.entries[lo : hi+1 : hi+1]
}

// digest returns the digest of the prefix up to i (0 for i = 0); i must be
// at most last.
func (l *opLog) digest(i int) uint64 { return l.chain[i] }

// hasPrefix reports whether other's first n entries are l's first n.
func (l *opLog) hasPrefix(other *opLog, n int) bool {
	return n <= l.last() && n <= other.last() && l.chain[n] == other.chain[n]
}

// chainHash extends a prefix digest by one entry (FNV-1a over its fields).
func chainHash(prev uint64, e Entry) uint64 {
	h := prev ^ 14695981039346656037
	mix := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	var num [20]byte
	mix(string(strconv.AppendUint(num[:0], e.View, 10)))
	mix(string(e.Req.Client))
	mix(string(strconv.AppendUint(num[:0], e.Req.Seq, 10)))
	mix(e.Req.Op.Kind.String())
	mix(e.Req.Op.Key)
	mix(e.Req.Op.Value)
	return h
}

func uitoa(v uint64) string { return strconv.FormatUint(v, 10) }
