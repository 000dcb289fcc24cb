package consistency

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/checker"
)

// Brute-force references for tiny histories, written from the definitions
// and sharing nothing with the checkers but the Op type. They try every
// order (and every choice of which indeterminate writes took effect).

// bruteOps is a tiny history split the way every definition needs it.
type bruteOps struct {
	h     []Op
	ok    []int // ok ops
	indet []int // indeterminate writes (indeterminate gets constrain nothing)
}

func newBrute(h []Op) bruteOps {
	var b bruteOps
	b.h = h
	for i, o := range h {
		switch {
		case o.Outcome == checker.OutcomeOK:
			b.ok = append(b.ok, i)
		case o.Outcome == checker.OutcomeIndeterminate && o.IsWrite():
			b.indet = append(b.indet, i)
		}
	}
	return b
}

// po reports whether a must precede b in program order: same client, a ok,
// a invoked first. Nothing follows an indeterminate op in program order.
func (b bruteOps) po(x, y int) bool {
	hx, hy := b.h[x], b.h[y]
	return x != y && hx.Client == hy.Client && hx.Outcome == checker.OutcomeOK &&
		(hx.Call < hy.Call || hx.Call == hy.Call && x < y)
}

func apply(state map[string]string, o Op) {
	switch o.Kind {
	case checker.OpPut:
		state[o.Key] = o.Value
	case checker.OpAppend:
		state[o.Key] += o.Value
	}
}

func cloneState(s map[string]string) map[string]string {
	c := make(map[string]string, len(s))
	for k, v := range s {
		c[k] = v
	}
	return c
}

func stateKey(s map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(s) {
		b.WriteString(k + "=" + s[k] + ";")
	}
	return b.String()
}

// bruteSequential: is there one order of all ok ops (and any subset of
// the indeterminate writes) that keeps program order and in which every
// read returns the current value?
func bruteSequential(h []Op) bool {
	b := newBrute(h)
	all := append(slices.Clone(b.ok), b.indet...)
	seen := map[string]bool{}
	var rec func(placed uint64, state map[string]string) bool
	rec = func(placed uint64, state map[string]string) bool {
		done := true
		for _, i := range b.ok {
			if placed&(1<<i) == 0 {
				done = false
			}
		}
		if done {
			return true
		}
		memo := strconv.FormatUint(placed, 16) + "|" + stateKey(state)
		if seen[memo] {
			return false
		}
		seen[memo] = true
		for _, i := range all {
			if placed&(1<<i) != 0 {
				continue
			}
			ready := true
			for _, j := range all {
				if placed&(1<<j) == 0 && b.po(j, i) {
					ready = false
				}
			}
			if !ready {
				continue
			}
			o := h[i]
			if o.Kind == checker.OpGet {
				if len(o.Values) != 1 || o.Values[0] != state[o.Key] {
					continue
				}
				if rec(placed|1<<i, state) {
					return true
				}
				continue
			}
			next := cloneState(state)
			apply(next, o)
			if rec(placed|1<<i, next) {
				return true
			}
		}
		return false
	}
	return rec(0, map[string]string{})
}

// decompose splits a read value into the writes of its key (any outcome)
// that produce it: an optional put, then appends. It returns every way.
func decompose(h []Op, key, v string) [][]int {
	var out [][]int
	var appends func(rest string, acc []int)
	appends = func(rest string, acc []int) {
		if rest == "" {
			out = append(out, slices.Clone(acc))
			return
		}
		for i, o := range h {
			if o.Key == key && o.Kind == checker.OpAppend && o.Value != "" && strings.HasPrefix(rest, o.Value) {
				appends(rest[len(o.Value):], append(acc, i))
			}
		}
	}
	appends(v, nil)
	for i, o := range h {
		if o.Key == key && o.Kind == checker.OpPut && o.Value != "" && strings.HasPrefix(v, o.Value) {
			appends(v[len(o.Value):], []int{i})
		}
	}
	return out
}

// revealed is what each ok single-valued read saw, or ok=false if some
// value cannot be explained by effective writes taking effect once.
func revealed(h []Op, eff func(int) bool) (map[int][]int, bool) {
	rf := map[int][]int{}
	for i, o := range h {
		if o.Kind != checker.OpGet || o.Outcome != checker.OutcomeOK {
			continue
		}
		if len(o.Values) != 1 {
			return nil, false // the references do not model siblings
		}
		ways := decompose(h, o.Key, o.Values[0])
		if len(ways) != 1 {
			return nil, false
		}
		for _, w := range ways[0] {
			if !eff(w) || slices.Contains(ways[0][:slices.Index(ways[0], w)], w) {
				return nil, false
			}
		}
		rf[i] = ways[0]
	}
	return rf, true
}

// subsets calls f with every choice of indeterminate writes that took
// effect, until f returns true.
func (b bruteOps) subsets(f func(eff func(int) bool) bool) bool {
	for mask := 0; mask < 1<<len(b.indet); mask++ {
		in := map[int]bool{}
		for _, i := range b.ok {
			in[i] = true
		}
		for k, i := range b.indet {
			if mask&(1<<k) != 0 {
				in[i] = true
			}
		}
		if f(func(i int) bool { return in[i] }) {
			return true
		}
	}
	return false
}

// bruteCausal: causal memory. For some choice of effective indeterminate
// writes, with co = (po ∪ rf)+, every client p has an order of all
// effective writes and its own ops that extends co and explains p's reads.
func bruteCausal(h []Op) bool {
	b := newBrute(h)
	return b.subsets(func(eff func(int) bool) bool {
		rf, ok := revealed(h, eff)
		if !ok {
			return false
		}
		n := len(h)
		co := make([][]bool, n)
		for i := range co {
			co[i] = make([]bool, n)
		}
		for i := range n {
			for j := range n {
				if eff(i) && eff(j) && b.po(i, j) {
					co[i][j] = true
				}
			}
		}
		for r, ws := range rf {
			for _, w := range ws {
				co[w][r] = true
			}
		}
		for k := range n {
			for i := range n {
				for j := range n {
					if co[i][k] && co[k][j] {
						co[i][j] = true
					}
				}
			}
		}
		for i := range n {
			if co[i][i] {
				return false
			}
		}
		clients := map[string]bool{}
		for _, i := range b.ok {
			clients[h[i].Client] = true
		}
		for _, p := range sortedKeys(clients) {
			var ops []int
			for i, o := range h {
				if eff(i) && (o.IsWrite() || o.Client == p) {
					ops = append(ops, i)
				}
			}
			if !linearExtension(h, ops, co) {
				return false
			}
		}
		return true
	})
}

// linearExtension: is there an order of ops extending co in which every
// read among them returns the current value?
func linearExtension(h []Op, ops []int, co [][]bool) bool {
	seen := map[string]bool{}
	var rec func(placed uint64, state map[string]string) bool
	rec = func(placed uint64, state map[string]string) bool {
		if placed == fullMask(ops) {
			return true
		}
		memo := strconv.FormatUint(placed, 16) + "|" + stateKey(state)
		if seen[memo] {
			return false
		}
		seen[memo] = true
		for _, i := range ops {
			if placed&(1<<i) != 0 {
				continue
			}
			ready := true
			for _, j := range ops {
				if placed&(1<<j) == 0 && co[j][i] {
					ready = false
				}
			}
			if !ready {
				continue
			}
			o := h[i]
			if o.Kind == checker.OpGet {
				if o.Values[0] == state[o.Key] && rec(placed|1<<i, state) {
					return true
				}
				continue
			}
			next := cloneState(state)
			apply(next, o)
			if rec(placed|1<<i, next) {
				return true
			}
		}
		return false
	}
	return rec(0, map[string]string{})
}

func fullMask(ops []int) uint64 {
	var m uint64
	for _, i := range ops {
		m |= 1 << i
	}
	return m
}

// bruteSession: the guarantee holds if, for some choice of effective
// indeterminate writes, every observer session d has an arbitration order
// ar of the effective writes (tried exhaustively) such that, with the
// least visibility the guarantee demands (computed by its rules to a
// fixpoint, across keys), each of d's reads returns its visible writes of
// its key applied in ar order, and ar keeps the pairs the guarantee orders.
func bruteSession(h []Op, model Model) bool {
	b := newBrute(h)
	return b.subsets(func(eff func(int) bool) bool {
		rf, ok := revealed(h, eff)
		if !ok {
			return false
		}
		var writes []int
		for i, o := range h {
			if eff(i) && o.IsWrite() {
				writes = append(writes, i)
			}
		}
		// Pairs every ar must order, and "seeing w2 means seeing w1".
		type pair struct{ w1, w2 int }
		var orders []pair
		for _, w2 := range writes {
			for i := range h {
				switch model {
				case MonotonicWrites:
					if h[i].IsWrite() && h[i].Outcome == checker.OutcomeOK && b.po(i, w2) {
						orders = append(orders, pair{i, w2})
					}
				case WritesFollowReads:
					if ws, isRead := rf[i]; isRead && b.po(i, w2) {
						for _, w1 := range ws {
							orders = append(orders, pair{w1, w2})
						}
					}
				}
			}
		}
		clients := map[string]bool{}
		for _, i := range b.ok {
			clients[h[i].Client] = true
		}
		for _, d := range sortedKeys(clients) {
			var reads []int
			for _, i := range b.ok {
				if h[i].Client == d && h[i].Kind == checker.OpGet {
					reads = append(reads, i)
				}
			}
			// Least visibility, by the guarantee's rules.
			vis := map[int]map[int]bool{}
			for _, r := range reads {
				vis[r] = map[int]bool{}
				for _, w := range rf[r] {
					vis[r][w] = true
				}
			}
			for changed := true; changed; {
				changed = false
				add := func(r, w int) {
					if !vis[r][w] {
						vis[r][w] = true
						changed = true
					}
				}
				for _, r := range reads {
					switch model {
					case ReadYourWrites:
						for _, w := range writes {
							if h[w].Key == h[r].Key && h[w].Outcome == checker.OutcomeOK && b.po(w, r) {
								add(r, w)
							}
						}
					case MonotonicReads:
						for _, r0 := range reads {
							if b.po(r0, r) {
								for w := range vis[r0] {
									add(r, w)
								}
							}
						}
					case MonotonicWrites, WritesFollowReads:
						for _, p := range orders {
							if vis[r][p.w2] {
								add(r, p.w1)
							}
						}
					}
				}
			}
			found := false
			permute(writes, func(ar []int) bool {
				pos := map[int]int{}
				for k, w := range ar {
					pos[w] = k
				}
				for _, p := range orders {
					if pos[p.w1] > pos[p.w2] {
						return false
					}
				}
				for _, r := range reads {
					state := map[string]string{}
					for _, w := range ar {
						if vis[r][w] && h[w].Key == h[r].Key {
							apply(state, h[w])
						}
					}
					if state[h[r].Key] != h[r].Values[0] {
						return false
					}
				}
				found = true
				return true
			})
			if !found {
				return false
			}
		}
		return true
	})
}

// permute calls f with every permutation of xs until f returns true.
func permute(xs []int, f func([]int) bool) bool {
	p := slices.Clone(xs)
	var rec func(k int) bool
	rec = func(k int) bool {
		if k == len(p) {
			return f(p)
		}
		for i := k; i < len(p); i++ {
			p[k], p[i] = p[i], p[k]
			if rec(k + 1) {
				return true
			}
			p[k], p[i] = p[i], p[k]
		}
		return false
	}
	return rec(0)
}
