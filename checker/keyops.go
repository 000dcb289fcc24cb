package checker

import (
	"math"
	"slices"
)

// kop is one operation on a key as the deciders see it: the history's Op cut
// down to what matters, with "never returns" spelled as a return at +inf.
type kop struct {
	idx    int32 // index in the history
	kind   kopKind
	indet  bool   // indeterminate: may take effect once after call, or never
	call   int64  // invocation
	ret    int64  // completion; math.MaxInt64 when indeterminate
	value  string // argument of put and append
	output string // what an ok get returned
}

const never = math.MaxInt64 // the return of an op that never returned

// kopKind is an op's kind as the deciders test it: one byte, compared in
// one instruction where an OpKind, a string, takes a length and a bytes
// compare (the deciders ask at every op they look at), and 16 bytes less
// in every kop.
type kopKind uint8

const (
	kopGet kopKind = iota
	kopPut
	kopAppend
)

// kopKindOf is the kopKind of one of the three kinds a valid history has.
func kopKindOf(k OpKind) kopKind {
	switch k {
	case OpPut:
		return kopPut
	case OpAppend:
		return kopAppend
	}
	return kopGet
}

func (o *kop) isWrite() bool { return o.kind != kopGet }

// isRead is true for the reads that constrain anything: an indeterminate get
// fits every state and is checked as never having happened.
func (o *kop) isRead() bool { return o.kind == kopGet && !o.indet }

// keyOps converts one key's ops (idx, in history order) for checking. Failed
// ops are left out: the system did not apply them. The history is valid
// (validateHistory), so every kind is one of the three.
func keyOps(history []Op, idx []int32) []kop {
	ops := make([]kop, 0, len(idx))
	for _, i := range idx {
		op := &history[i]
		if op.Outcome == OutcomeFailed {
			continue
		}
		k := kop{idx: i, kind: kopKindOf(op.Kind), call: op.Call, ret: op.Return, value: op.Value, output: op.Output}
		if op.Outcome == OutcomeIndeterminate {
			k.indet, k.ret, k.output = true, never, ""
		}
		ops = append(ops, k)
	}
	return ops
}

// decision is what a decider found about one key's ops.
type decision struct {
	verdict Verdict
	method  string
	steps   int64
	// order, when asked for, is a permutation of positions in ops: a
	// linearization (ok, with the ops that never took effect last) or the
	// longest partial linearization the search reached (unknown).
	order []int32
}

// decide tries the unique-values path and falls back to the search. With
// wantOrder false, the caller needs the verdict only.
func decide(ops []kop, budget int64, wantOrder bool) decision {
	if u := parseUnique(ops); u != nil {
		v, order := u.decide(wantOrder)
		return decision{verdict: v, method: MethodUniqueValues, order: order}
	}
	v, order, steps := search(ops, budget, wantOrder)
	return decision{verdict: v, method: MethodSearch, steps: steps, order: order}
}

// valueIndex finds the writes whose values occur inside a string. It looks
// up substrings of the few lengths that values have, so finding every
// occurrence in a read's output costs O(len(output) × distinct lengths).
type valueIndex struct {
	byValue valueTable // non-empty value → positions of the writes of it
	lengths []int      // the distinct lengths of those values, ascending
	// starts marks the first bytes of the values: no value begins where
	// a string holds another byte, so that place needs no look-up.
	starts [256]bool
}

// newValueIndex indexes the writes of ops.
func newValueIndex(ops []kop) *valueIndex {
	writes := 0
	for p := range ops {
		if ops[p].isWrite() && ops[p].value != "" {
			writes++
		}
	}
	vi := &valueIndex{byValue: newValueTable(writes)}
	for p := range ops {
		o := &ops[p]
		if o.isWrite() && o.value != "" && vi.byValue.add(o.value, int32(p)) {
			vi.learn(o.value)
		}
	}
	vi.sortLengths()
	return vi
}

// learn notes the length and first byte of a new value. Values have a
// few lengths, so a short list is searched before it grows; sortLengths
// removes the repeats a long one lets in.
func (vi *valueIndex) learn(v string) {
	if len(vi.lengths) > 8 || !slices.Contains(vi.lengths, len(v)) {
		vi.lengths = append(vi.lengths, len(v))
	}
	vi.starts[v[0]] = true
}

func (vi *valueIndex) sortLengths() {
	slices.Sort(vi.lengths)
	vi.lengths = slices.Compact(vi.lengths)
}

// occurrences calls fn with each value that occurs in s, once per
// occurrence, and the writes of it.
func (vi *valueIndex) occurrences(s string, fn func(value string, writes []int32)) {
	for i := range len(s) {
		for _, l := range vi.lengths {
			if i+l > len(s) {
				break
			}
			if w, ok := vi.byValue.get(s[i : i+l]); ok {
				fn(s[i:i+l], w)
			}
		}
	}
}

// unobservable reports the indeterminate writes that no read can have seen:
// their value is non-empty and occurs in no ok get's output. Such a write
// can be dropped without changing the verdict. If it took effect, every
// state from then until the next put contains its value, so no read sits in
// that stretch, and taking the write out changes no read; and an
// indeterminate op may always never take effect.
func unobservable(ops []kop, vi *valueIndex) []bool {
	seen := make(map[string]bool)
	for p := range ops {
		if ops[p].isRead() {
			vi.occurrences(ops[p].output, func(v string, _ []int32) { seen[v] = true })
		}
	}
	drop := make([]bool, len(ops))
	for p := range ops {
		o := &ops[p]
		drop[p] = o.indet && (o.kind == kopGet || (o.value != "" && !seen[o.value]))
	}
	return drop
}
