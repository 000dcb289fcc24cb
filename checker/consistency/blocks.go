package consistency

import (
	"fmt"
)

// block is one value's life in a single copy of a key: a put (or the
// initial value), the appends applied after it in the order reads saw them,
// and the reads of one of those states. In any single order of the ops
// (sequential or linearizable), a block's members occupy an interval that
// no other write of the key enters: a write inside it would show in the
// reads. That is the whole reason the single-order checks are tractable
// with unique values: each read names its block and its place in it.
type block struct {
	key    int32
	head   int32   // the put; -1 for the initial value; the append itself for a point block
	point  bool    // an append no read saw: an interval of one op
	chain  []int32 // appends after the head, in order (the longest any read saw)
	by     []int32 // for each chain position, the read that first showed it
	reads  []int32 // reads of a state of this block
	length []int32 // for each read, how many appends of the chain it saw
}

// blocks indexes the blocks of the keys being checked.
type blocks struct {
	list   []block
	initOf map[int32]int32 // key -> its initial block
	of     []int32         // op -> its block (head, chain member, read), -1 if none
	at     []int32         // op -> position: 0 for a head, i for the i-th append, L for a read
	keys   []int32         // the keys covered, sorted
}

// buildBlocks groups the effective ops of the keys for which want is true.
// It fails with a forked-reads anomaly when two reads disagree on what
// followed one value, which no single copy allows. Sibling reads and keys
// with invalid values (index.validityOf) must have been ruled out before.
func buildBlocks(ix *index, want func(key int32) bool) (*blocks, *Anomaly) {
	n := len(ix.h)
	bl := &blocks{initOf: map[int32]int32{}, of: make([]int32, n), at: make([]int32, n)}
	for i := range bl.of {
		bl.of[i] = -1
	}
	for k := range ix.keys {
		if !want(int32(k)) {
			continue
		}
		bl.keys = append(bl.keys, int32(k))
		bl.initOf[int32(k)] = int32(len(bl.list))
		bl.list = append(bl.list, block{key: int32(k), head: -1})
		for _, w := range ix.writes[k] {
			if ix.h[w].Kind == "put" {
				bl.of[w], bl.at[w] = int32(len(bl.list)), 0
				bl.list = append(bl.list, block{key: int32(k), head: w})
			}
		}
	}
	// Reads, in history order: each extends or confirms its block's chain.
	for i := range ix.h {
		if !ix.isRead(int32(i)) || !want(ix.key[i]) {
			continue
		}
		c := ix.reads[i][0]
		b := bl.initOf[ix.key[i]]
		if c.head >= 0 {
			b = bl.of[c.head]
		}
		blk := &bl.list[b]
		for j, a := range c.apps {
			if j < len(blk.chain) {
				if blk.chain[j] != a {
					return nil, forked(ix, int32(i), blk.by[j], blk.chain[j], a)
				}
				continue
			}
			if bl.of[a] >= 0 {
				// a already follows another value (or another position).
				return nil, forked(ix, int32(i), bl.list[bl.of[a]].by[bl.at[a]-1], a, a)
			}
			blk.chain = append(blk.chain, a)
			blk.by = append(blk.by, int32(i))
			bl.of[a], bl.at[a] = b, int32(len(blk.chain))
		}
		blk.reads = append(blk.reads, int32(i))
		blk.length = append(blk.length, int32(len(c.apps)))
		bl.of[i], bl.at[i] = b, int32(len(c.apps))
	}
	// Appends no read saw are points.
	for _, k := range bl.keys {
		for _, w := range ix.writes[k] {
			if bl.of[w] < 0 {
				bl.of[w], bl.at[w] = int32(len(bl.list)), 0
				bl.list = append(bl.list, block{key: k, head: w, point: true})
			}
		}
	}
	return bl, nil
}

// forked explains two reads that disagree on what follows a value.
func forked(ix *index, r1, r2, a1, a2 int32) *Anomaly {
	h := ix.h
	k := h[r1].Key
	if a1 == a2 {
		return newAnomaly(h, KindForkedReads, k,
			fmt.Sprintf("ops[%d] and ops[%d] saw ops[%d] applied after two different states of %s; a single copy applies a write once", r2, r1, a1, k)).
			step(int(a1), "").step(int(r2), "saw ops[%d] at one place", a1).step(int(r1), "saw ops[%d] at another", a1).build()
	}
	return newAnomaly(h, KindForkedReads, k,
		fmt.Sprintf("ops[%d] saw ops[%d] and ops[%d] saw ops[%d] applied after the same state of %s; a single copy has one history", r2, a1, r1, a2, k)).
		step(int(a1), "").step(int(a2), "").
		step(int(r2), "saw ops[%d] next", a1).step(int(r1), "saw ops[%d] next", a2).build()
}
