package chain

import "strconv"

// history is a server's log of updates (the paper's Hist). Indexes start
// at 1; index 0 is a sentinel. A position, once written, is never written
// again: the log grows, and a new member empties it into fresh arrays, so
// messages and records share its entries without copying (slice caps
// them, so that whoever appends to one reallocates).
//
// Besides the entries it keeps, for every index, a running digest of the
// prefix up to it (chain). Nothing in the protocol reads it: it lets the
// monitors compare two histories' prefixes in O(1), which is what the
// update propagation invariant is about.
type history struct {
	entries []Entry
	chain   []uint64
}

func newHistory() history { return history{entries: []Entry{{}}, chain: []uint64{0}} }

// last is the index of the last entry (0 when empty).
func (h *history) last() int { return len(h.entries) - 1 }

// entry returns the entry at index i, which must exist.
func (h *history) entry(i int) Entry { return h.entries[i] }

// append adds entries after the last one.
func (h *history) append(es ...Entry) {
	for _, e := range es {
		h.chain = append(h.chain, chainHash(h.chain[len(h.chain)-1], e))
		h.entries = append(h.entries, e)
	}
}

// slice returns the entries lo..hi inclusive, sharing the array with its
// capacity capped (nil when hi < lo).
func (h *history) slice(lo, hi int) []Entry {
	if hi < lo {
		return nil
	}
	return h.entries[lo : hi+1 : hi+1]
}

// digest returns the digest of the prefix up to i (0 for i = 0).
func (h *history) digest(i int) uint64 { return h.chain[i] }

// isPrefixOf reports whether h is a prefix of other.
func (h *history) isPrefixOf(other *history) bool {
	n := h.last()
	return n <= other.last() && h.chain[n] == other.chain[n]
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
	mix(string(strconv.AppendUint(num[:0], e.Epoch, 10)))
	mix(string(e.Req.Client))
	mix(string(strconv.AppendUint(num[:0], e.Req.Seq, 10)))
	mix(e.Req.Op.Kind.String())
	mix(e.Req.Op.Key)
	mix(e.Req.Op.Value)
	return h
}

// versions keeps, per key, the values a server's history gave it, by
// index, for CRAQ's apportioned reads: the latest clean version and every
// dirty one after it.
type versions map[string][]version

type version struct {
	index int
	value string
}

// add records that the update at index set key to value.
func (vs versions) add(key string, index int, value string) {
	vs[key] = append(vs[key], version{index, value})
}

// latest returns the index of key's last version (0: never written).
func (vs versions) latest(key string) int {
	l := vs[key]
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1].index
}

// at returns key's value as of index i: its last version at or before i,
// and false if that version was trimmed away.
func (vs versions) at(key string, i int) (string, bool) {
	l := vs[key]
	for j := len(l) - 1; j >= 0; j-- {
		if l[j].index <= i {
			return l[j].value, true
		}
	}
	return "", len(l) == 0 || i == 0
}

// trim drops key's versions older than its latest clean one (at or before
// acked): nobody can ask for them.
func (vs versions) trim(key string, acked int) {
	l := vs[key]
	k := 0
	for j := range l {
		if l[j].index <= acked {
			k = j
		}
	}
	if k > 0 {
		vs[key] = append(l[:0:0], l[k:]...)
	}
}
