package checker

import (
	"cmp"
	"slices"
)

// Shrinking an illegal key to a small witness: a set of its ops that has no
// linearization on its own.
//
// A candidate set is always closed: each read in it comes with writes that
// can explain its value. On the unique-values path those are the writes in
// its parse. On the search path, where values repeat, they are one write of
// each value that occurs in the read's output: the latest called before the
// read returned. Without that, a read whose writer was dropped would be
// illegal for a trivial reason. When an op is taken out, so are the reads
// whose value the remaining writes can no longer produce.
//
// On the unique-values path a closed subset of a linearizable set is
// linearizable (drop the missing ops from its linearization: no read kept
// saw them), so illegality only grows with the set, and binary search over
// windows is exact. Three passes:
//
//  1. the shortest prefix, by call, that is illegal;
//  2. the shortest suffix of that, by return, that is still illegal;
//  3. delta debugging (Zeller's ddmin, complements only) down to a set from
//     which no single op can go.
//
// Every candidate is judged by the same deciders, so the witness is
// illegal by construction. The work is bounded deterministically: a
// unique-values check of k ops costs k units, a search costs its steps, and
// shrinking stops when budget + 64 units per op of the key are spent. The
// witness is then reported as not minimal.

type witness struct {
	ops     []int32 // positions in the key's ops, ascending
	minimal bool
	partial []int32 // the longest partial linearization of ops, positions in the key's ops
}

type shrinker struct {
	ops          []kop
	method       string
	deps         [][]int32 // reads: the writes that explain them
	rdeps        [][]int32 // unique-values path: the reads that saw each write
	spent, limit int64
	budget       int64
	inconclusive bool // some candidate could not be decided within the limit
}

func shrink(ops []kop, method string, budget int64) witness {
	sh := &shrinker{ops: ops, method: method, budget: budget, limit: budget + 64*int64(len(ops))}
	sh.dependencies()

	// The ops that can matter: not indeterminate gets, not writes no read
	// can have seen.
	drop := unobservable(ops, newValueIndex(ops))
	var byCall []int32
	for p := range ops {
		if !drop[p] {
			byCall = append(byCall, int32(p))
		}
	}
	slices.SortFunc(byCall, func(a, b int32) int { return cmp.Or(cmp.Compare(ops[a].call, ops[b].call), cmp.Compare(a, b)) })

	// 1. The shortest illegal prefix: double, then bisect.
	prefix := func(k int) []int32 { return sh.closeUp(byCall[:k]) }
	k := sh.firstIllegal(len(byCall), prefix)
	set := prefix(k)

	// 2. The latest start: drop the ops that return first.
	byRet := slices.Clone(set)
	slices.SortFunc(byRet, func(a, b int32) int { return cmp.Or(cmp.Compare(ops[a].ret, ops[b].ret), cmp.Compare(a, b)) })
	suffix := func(k int) []int32 { return sh.closeUp(byRet[len(byRet)-k:]) }
	set = suffix(sh.firstIllegal(len(byRet), suffix))

	// 3. ddmin.
	set = sh.ddmin(set)

	w := witness{ops: set, minimal: !sh.inconclusive}
	sub := subset(ops, set)
	left := max(sh.limit-sh.spent, 0)
	if _, order, _ := search(sub, min(left, budget), true); order != nil {
		for _, p := range order {
			w.partial = append(w.partial, set[p])
		}
	}
	return w
}

// dependencies fills deps (and rdeps, on the unique-values path).
func (sh *shrinker) dependencies() {
	ops := sh.ops
	sh.deps = make([][]int32, len(ops))
	if sh.method == MethodUniqueValues {
		u := parseUnique(ops)
		sh.rdeps = make([][]int32, len(ops))
		for p := range ops {
			if ops[p].isRead() {
				sh.deps[p] = slices.Compact(slices.Sorted(slices.Values(u.deps(int32(p)))))
				for _, w := range sh.deps[p] {
					sh.rdeps[w] = append(sh.rdeps[w], int32(p))
				}
			}
		}
		return
	}
	vi := newValueIndex(ops)
	vi.byValue.each(func(writers []int32) {
		slices.SortFunc(writers, func(a, b int32) int { return cmp.Or(cmp.Compare(ops[a].call, ops[b].call), cmp.Compare(a, b)) })
	})
	for p := range ops {
		if !ops[p].isRead() {
			continue
		}
		r := &ops[p]
		var d []int32
		vi.occurrences(r.output, func(_ string, writers []int32) {
			// One writer per value: the latest called before r returned,
			// else the first.
			i, _ := slices.BinarySearchFunc(writers, r.ret, func(x int32, t int64) int {
				return cmp.Or(cmp.Compare(ops[x].call, t), -1) // first call > t
			})
			d = append(d, writers[max(i-1, 0)])
		})
		slices.Sort(d)
		sh.deps[p] = slices.Compact(d)
	}
}

// closeUp returns set with the writes its reads saw, ascending.
func (sh *shrinker) closeUp(set []int32) []int32 {
	out := slices.Clone(set)
	for _, p := range set {
		out = append(out, sh.deps[p]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// without returns set less the ops in gone and the reads whose value the
// writes left can no longer produce.
func (sh *shrinker) without(set, gone []int32) []int32 {
	out := make(map[int32]bool, len(gone))
	for _, p := range gone {
		out[p] = true
		if sh.rdeps != nil {
			for _, r := range sh.rdeps[p] {
				out[r] = true
			}
		}
	}
	var kept []int32
	for _, p := range set {
		if !out[p] {
			kept = append(kept, p)
		}
	}
	if sh.rdeps != nil {
		return kept
	}
	sub := subset(sh.ops, kept)
	vi := newValueIndex(sub)
	var explained []int32
	for i, p := range kept {
		if !sub[i].isRead() || producible(sub[i].output, sub, vi) {
			explained = append(explained, p)
		}
	}
	return explained
}

// producible reports whether out is the value of some put (or none) followed
// by appends, using the writes vi indexes, each any number of times.
func producible(out string, ops []kop, vi *valueIndex) bool {
	ok := make([]bool, len(out)+1) // out[i:] is a run of appends
	ok[len(out)] = true
	for i := len(out) - 1; i >= 0; i-- {
		for _, l := range vi.lengths {
			if i+l > len(out) {
				break
			}
			if !ok[i+l] {
				continue
			}
			ws, _ := vi.byValue.get(out[i : i+l])
			for _, w := range ws {
				if ops[w].kind == kopAppend || i == 0 {
					ok[i] = true
				}
			}
		}
	}
	return ok[0] // empty values change nothing here: "" is the initial state
}

// illegal decides the ops in set on their own, within what is left of the
// limit; an undecided candidate counts as not illegal.
func (sh *shrinker) illegal(set []int32) bool {
	sub := subset(sh.ops, set)
	if u := parseUnique(sub); u != nil {
		if sh.spent+int64(len(sub)) > sh.limit {
			sh.inconclusive = true
			return false
		}
		sh.spent += int64(len(sub))
		v, _ := u.decide(false)
		return v == VerdictIllegal
	}
	left := sh.limit - sh.spent
	if left <= 0 {
		sh.inconclusive = true
		return false
	}
	v, _, steps := search(sub, min(left, sh.budget), false)
	sh.spent += steps
	if v == VerdictUnknown {
		sh.inconclusive = true
	}
	return v == VerdictIllegal
}

// firstIllegal returns the smallest k in 1..n for which candidate(k) is
// illegal, assuming candidate(n) is: it doubles k from 1, then bisects.
func (sh *shrinker) firstIllegal(n int, candidate func(int) []int32) int {
	lo, hi := 0, n // candidate(lo) is not illegal, candidate(hi) is
	for k := 1; k < n; k *= 2 {
		if sh.illegal(candidate(k)) {
			hi = k
			break
		}
		lo = k
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if sh.illegal(candidate(mid)) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// ddmin removes chunks of set, ever smaller, while what is left is illegal.
func (sh *shrinker) ddmin(set []int32) []int32 {
	g := 2
	for len(set) > 1 {
		size := (len(set) + g - 1) / g
		removed := false
		for start := 0; start < len(set); start += size {
			cand := sh.without(set, set[start:min(start+size, len(set))])
			if len(cand) > 0 && sh.illegal(cand) {
				set, g, removed = cand, max(g-1, 2), true
				break
			}
		}
		if !removed {
			if size == 1 {
				break
			}
			g = min(2*g, len(set))
		}
	}
	return set
}

// subset copies the ops at positions set.
func subset(ops []kop, set []int32) []kop {
	sub := make([]kop, len(set))
	for i, p := range set {
		sub[i] = ops[p]
	}
	return sub
}
