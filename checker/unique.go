package checker

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// The unique-values path. dsim's clients write values unique per (client,
// seq), like "c1.7". When every value written to a key is distinct and
// non-empty, a read's output names the writes it saw: it is the value of
// the last put before it (or nothing, if no put came first) followed by the
// appends since, in order. When that parse is unambiguous for every read,
// the check needs no search. See design.md for the argument; in short:
//
//   - A read that parses as put p, then appends a1..ak, says that in the
//     order of writes p, a1, ..., ak are consecutive and the read sits right
//     after ak. A read that starts with an append (or reads "") sits in the
//     stretch before any put, which therefore comes first of all.
//   - Together the reads give chains: for each observed put (and for the
//     initial state), the appends that followed it. A chain with its reads
//     is a job that must run as one block, its order fixed but for the
//     order of reads at one version, where earliest deadline first is best.
//   - Writes no read saw are blocks of their own. If indeterminate they are
//     dropped (see unobservable); if ok they fit between any two blocks.
//   - A block, started when the latest call so far is T, fits iff T <= L
//     (the smallest return in it, given it fits at all internally) and
//     leaves the latest call at max(T, C). Blocks with L < C (Gibbons and
//     Korach's forward zones) must come in order of L with C_i <= L_i+1;
//     every other block fits in some gap between them, or no order exists.
//
// That is O(n log n) in the key's ops.

// uniqueKey is a key whose reads all parse one way.
type uniqueKey struct {
	ops []kop
	// parse holds, for each read, its span in arena: the put it starts
	// with (bottom: none), then the appends after it, as positions in ops.
	start, end []int32
	arena      []int32
	// impossible lists reads no order of the writes can explain: their
	// output is no concatenation of the written values, or uses one write
	// twice.
	impossible []int32
}

// bottom stands for the initial state (no put yet) where a put would be.
const bottom = -1

// parseUnique returns nil unless the key's written values are distinct and
// non-empty and every read parses at most one way; then the search decides
// it instead.
func parseUnique(ops []kop) *uniqueKey {
	vi := newValueIndex(ops)
	writes := 0
	for p := range ops {
		if ops[p].isWrite() {
			if ops[p].value == "" {
				return nil
			}
			writes++
		}
	}
	if vi.byValue.count != writes {
		return nil // a value written twice
	}
	u := &uniqueKey{ops: ops, start: make([]int32, len(ops)), end: make([]int32, len(ops))}
	var count []uint8 // parses of output[i:], capped at 2
	// The first token of a parse of output[i:] found, its write and
	// length: the token when count[i] is 1, which the walk below follows.
	var tokW, tokLen []int32
	stamp := make([]int32, len(ops))
	// A read often returns what the key's previous read did: it parses
	// the same way, so it shares that read's span of arena.
	prev := int32(-1)
	for p := range ops {
		if !ops[p].isRead() {
			continue
		}
		out := ops[p].output
		if prev >= 0 && out == ops[prev].output {
			u.start[p], u.end[p] = u.start[prev], u.end[prev]
			if n := len(u.impossible); n > 0 && u.impossible[n-1] == prev {
				u.impossible = append(u.impossible, int32(p))
			}
			prev = int32(p)
			continue
		}
		prev = int32(p)
		count = slices.Grow(count[:0], len(out)+1)[:len(out)+1]
		tokW = slices.Grow(tokW[:0], len(out))[:len(out)]
		tokLen = slices.Grow(tokLen[:0], len(out))[:len(out)]
		count[len(out)] = 1
		for i := len(out) - 1; i >= 0; i-- {
			c := uint8(0)
			if !vi.starts[out[i]] {
				count[i] = 0
				continue
			}
			for _, l := range vi.lengths {
				if i+l > len(out) {
					break
				}
				if count[i+l] == 0 {
					continue
				}
				w, ok := vi.byValue.get(out[i : i+l])
				if ok && (i == 0 || ops[w[0]].kind == kopAppend) {
					if c == 0 {
						tokW[i], tokLen[i] = w[0], int32(l)
					}
					c = min(c+count[i+l], 2)
				}
			}
			count[i] = c
		}
		switch count[0] {
		case 0:
			u.start[p], u.end[p] = int32(len(u.arena)), int32(len(u.arena))
			u.impossible = append(u.impossible, int32(p))
			continue
		case 2:
			return nil
		}
		u.start[p] = int32(len(u.arena))
		repeated := false
		// One parse: every place it passes has one parse of what follows,
		// so the token found there is the one.
		for i := 0; i < len(out); i += int(tokLen[i]) {
			w := tokW[i]
			if i == 0 && ops[w].kind == kopAppend {
				u.arena = append(u.arena, bottom)
			}
			if stamp[w] == int32(p)+1 {
				repeated = true
			}
			stamp[w] = int32(p) + 1
			u.arena = append(u.arena, w)
		}
		if len(out) == 0 {
			u.arena = append(u.arena, bottom)
		}
		u.end[p] = int32(len(u.arena))
		if repeated {
			u.impossible = append(u.impossible, int32(p))
		}
	}
	return u
}

// deps returns the writes read p saw: its parse without the bottom.
func (u *uniqueKey) deps(p int32) []int32 {
	d := u.arena[u.start[p]:u.end[p]]
	if len(d) > 0 && d[0] == bottom {
		d = d[1:]
	}
	return d
}

// block is a run of ops that must be linearized together: a chain (a put or
// the initial state, the appends after it, each with the reads that saw
// it) or one write nobody read.
type block struct {
	l, c int64 // smallest return, largest call
	head int32 // the chain's put, bottom for the initial state, or the write
}

const unset = -2

// decide orders the writes and returns the verdict and, if wanted and ok, a
// linearization (positions in ops).
func (u *uniqueKey) decide(wantOrder bool) (Verdict, []int32) {
	if len(u.impossible) > 0 {
		return VerdictIllegal, nil
	}
	ops := u.ops
	n := len(ops)
	// The per-op tables share one allocation: they are all needed to the
	// end, and a key's check is otherwise a dozen allocations.
	tables := make([]int32, 5*n+4)
	pred, tables := tables[:n:n], tables[n:]
	succ, tables := tables[:n+1:n+1], tables[n+1:]    // succ[n]: after the initial state
	version, tables := tables[:n:n], tables[n:]       // for reads: the write they read, n for the initial state
	readsAt, tables := tables[:n+2:n+2], tables[n+2:] // CSR offsets by version slot
	next := tables[: n+1 : n+1]
	for i := range pred {
		pred[i] = unset
	}
	for i := range succ {
		succ[i] = unset
	}
	observed := make([]bool, n+1) // observed[n]: the initial state was read
	slot := func(p int32) int32 {
		if p == bottom {
			return int32(n)
		}
		return p
	}
	for p := range ops {
		if !ops[p].isRead() {
			continue
		}
		parse := u.arena[u.start[p]:u.end[p]]
		prev := slot(parse[0])
		observed[prev] = true
		for _, a := range parse[1:] {
			observed[a] = true
			switch pred[a] {
			case unset:
				pred[a] = prev
			case prev:
			default:
				return VerdictIllegal, nil // a follows two different writes
			}
			switch succ[prev] {
			case unset:
				succ[prev] = a
			case a:
			default:
				return VerdictIllegal, nil // two different appends follow prev
			}
			prev = a
		}
		version[p] = prev
	}

	// The reads at each version, earliest deadline first: placed by
	// version in history order, then each version's ordered by return,
	// ties by position.
	nreads := 0
	for p := range ops {
		if ops[p].isRead() {
			readsAt[version[p]+1]++
			nreads++
		}
	}
	for v := 1; v < len(readsAt); v++ {
		readsAt[v] += readsAt[v-1]
	}
	reads := make([]int32, nreads)
	copy(next, readsAt[:n+1])
	for p := range ops {
		if ops[p].isRead() {
			reads[next[version[p]]] = int32(p)
			next[version[p]]++
		}
	}
	for v := range n + 1 {
		if readsAt[v+1]-readsAt[v] > 1 {
			sortByReturn(ops, reads[readsAt[v]:readsAt[v+1]])
		}
	}
	at := func(v int32) []int32 { return reads[readsAt[v]:readsAt[v+1]] }

	// Each chain is one block; so is each write nobody read.
	var first *block
	blocks := make([]block, 0, countBlocks(ops, observed)) // exact: no growing
	var dropped []int32
	fold := func(head int32) (block, bool) {
		b := block{l: math.MaxInt64, c: math.MinInt64, head: head}
		ok := true
		visit := func(p int32) {
			if b.c > ops[p].ret {
				ok = false
			}
			b.l, b.c = min(b.l, ops[p].ret), max(b.c, ops[p].call)
		}
		v := slot(head)
		if head != bottom {
			visit(head)
		}
		for {
			for _, r := range at(v) {
				visit(r)
			}
			if succ[v] == unset {
				return b, ok
			}
			v = succ[v]
			visit(v)
		}
	}
	if observed[n] {
		b, ok := fold(bottom)
		if !ok {
			return VerdictIllegal, nil
		}
		first = &b
	}
	for p := range ops {
		o := &ops[p]
		switch {
		case !o.isWrite():
			if o.indet {
				dropped = append(dropped, int32(p))
			}
		case o.kind == kopPut && observed[p]:
			b, ok := fold(int32(p))
			if !ok {
				return VerdictIllegal, nil
			}
			blocks = append(blocks, b)
		case observed[p]:
			// An append in a chain; its block is its put's.
		case o.indet:
			dropped = append(dropped, int32(p))
		default:
			blocks = append(blocks, block{l: o.ret, c: o.call, head: int32(p)})
		}
	}

	// Forward blocks (l < c) in order of l, each ending before the next
	// starts; the rest in the gaps between them.
	// The backward blocks keep their order (by head) in blocks' array,
	// each written at or before where it was read.
	var forward []block
	backward := blocks[:0]
	for _, b := range blocks {
		if b.l < b.c {
			forward = append(forward, b)
		} else {
			backward = append(backward, b)
		}
	}
	slices.SortFunc(forward, func(a, b block) int { return cmp.Or(cmp.Compare(a.l, b.l), cmp.Compare(a.head, b.head)) })
	lo := make([]int64, len(forward)+1) // gap i: from lo[i] to hi[i]
	hi := make([]int64, len(forward)+1)
	lo[0] = math.MinInt64
	if first != nil {
		lo[0] = first.c
	}
	for i, f := range forward {
		if lo[i] > f.l {
			return VerdictIllegal, nil
		}
		hi[i], lo[i+1] = f.l, f.c
	}
	hi[len(forward)] = math.MaxInt64
	gap := make([]int, len(backward))
	for j, b := range backward {
		i := sort.Search(len(lo), func(i int) bool { return lo[i] > b.l }) - 1
		if i < 0 || hi[i] < b.c {
			return VerdictIllegal, nil
		}
		gap[j] = i
	}
	if !wantOrder {
		return VerdictOK, nil
	}

	order := make([]int32, 0, n)
	emit := func(b block) {
		if b.head != bottom {
			order = append(order, b.head)
		}
		if b.head != bottom && !observed[b.head] {
			return
		}
		v := slot(b.head)
		for {
			order = append(order, at(v)...)
			if succ[v] == unset {
				return
			}
			v = succ[v]
			order = append(order, v)
		}
	}
	if first != nil {
		emit(*first)
	}
	byGap := orderByGap(backward, gap, len(lo))
	j := 0
	for i := range lo {
		for ; j < len(byGap) && gap[byGap[j]] == i; j++ {
			emit(backward[byGap[j]])
		}
		if i < len(forward) {
			emit(forward[i])
		}
	}
	return VerdictOK, append(order, dropped...)
}

// countBlocks returns how many blocks decide makes besides the initial
// state's: one per put that some read saw (its chain) and one per
// determinate write nobody saw. It must agree with decide's loop, which
// appends exactly those.
func countBlocks(ops []kop, observed []bool) int {
	k := 0
	for p := range ops {
		o := &ops[p]
		if o.isWrite() && (o.kind == kopPut && observed[p] || !observed[p] && !o.indet) {
			k++
		}
	}
	return k
}

// orderByGap returns the positions in backward ordered by gap, then by
// largest call, then by head; gap[j] is backward[j]'s gap, below gaps. The
// blocks are placed by gap in their order, which is by head (blocks are
// made in order of their heads), and each gap's are then ordered by call:
// nearly in order already, as ops are by call.
func orderByGap(backward []block, gap []int, gaps int) []int32 {
	at := make([]int32, gaps+1) // CSR offsets by gap
	for _, g := range gap {
		at[g+1]++
	}
	for i := 1; i < len(at); i++ {
		at[i] += at[i-1]
	}
	byGap := make([]int32, len(backward))
	next := slices.Clone(at[:gaps])
	for j, g := range gap {
		byGap[next[g]] = int32(j)
		next[g]++
	}
	for i := range gaps {
		if bs := byGap[at[i]:at[i+1]]; len(bs) > 1 {
			sortBy(bs, func(j int32) int64 { return backward[j].c }, func(a, b int32) int {
				return cmp.Or(cmp.Compare(backward[a].c, backward[b].c), cmp.Compare(backward[a].head, backward[b].head))
			})
		}
	}
	return byGap
}

// sortByReturn orders reads, positions in ops in ascending order, by their
// return, ties by position.
func sortByReturn(ops []kop, reads []int32) {
	sortBy(reads, func(r int32) int64 { return ops[r].ret }, func(a, b int32) int {
		return cmp.Or(cmp.Compare(ops[a].ret, ops[b].ret), cmp.Compare(a, b))
	})
}

// sortBy orders xs by key, ties in their present order, which compare
// must agree with. The lists it gets are short and nearly in order, so a
// stable insertion sort does them in about one pass; a long one is sorted
// by compare in O(n log n), whatever its order.
func sortBy(xs []int32, key func(int32) int64, compare func(a, b int32) int) {
	if len(xs) > 32 {
		slices.SortFunc(xs, compare)
		return
	}
	for i := 1; i < len(xs); i++ {
		x := xs[i]
		j := i
		for ; j > 0 && key(xs[j-1]) > key(x); j-- {
			xs[j] = xs[j-1]
		}
		xs[j] = x
	}
}
