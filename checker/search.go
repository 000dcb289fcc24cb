package checker

import (
	"cmp"
	"encoding/binary"
	"slices"
)

// The general search: Wing and Gong's depth-first search with Lowe's
// memoization, as porcupine does it, but single-threaded, counted in steps
// and stopped by a budget rather than a clock.
//
// It takes the next op to linearize from the ops that no pending op must
// precede (calls at or before the smallest return still pending), tries
// each, and backtracks. Three things keep it small:
//
//   - A read that fits the current state and may go next is taken without
//     branching: taking it now never rules out an order that takes it later.
//   - Indeterminate gets, and indeterminate writes whose value no read
//     contains, are left out (see unobservable): they never need to happen.
//   - (linearized set, state) pairs already explored are not explored again.
//     The set is encoded relative to the ops sorted by call: the point below
//     which everything is linearized, and the exceptions. At a quiescent
//     point of the history (no op open) that is just "everything before
//     it", so each segment between quiescent points is searched once per
//     state the segments before it can end in: the segments are checked
//     independently.

// searcher is the state of one search over one key's ops.
type searcher struct {
	ops  []kop
	sort []int32 // sort[s]: position in ops of the s-th op by call

	// The ops not yet linearized, by call: a doubly linked list over sort
	// indices, with sentinel n (Knuth's dancing links).
	next, prev []int32

	states *stateTable
	state  int32 // the key's value so far, as an id of states
	// For each sort index: the state a put leaves or a read needs, or
	// the value id an append adds.
	arg []int32

	hi        int32 // 1 + the largest sort index linearized
	remaining int   // ok ops not yet linearized: the search ends at zero
	frames    []frame

	memo   map[string]struct{}
	keyBuf []byte

	steps, budget int64
	track         bool    // keep the longest partial linearization
	longest       []int32 // sort indices
	agree         int     // frames[:agree] equals longest[:agree]
}

// frame is one op linearized on the current path.
type frame struct {
	s         int32 // its sort index
	prevState int32 // the state before it
	prevHi    int32
	// mBefore is the smallest return among the ops before it in the scan
	// that chose it, to resume that scan after backtracking.
	mBefore int64
	forced  bool // a read taken without branching: nothing else to try
}

// search decides ops with at most budget steps. It returns the verdict, a
// linearization when ok and wantOrder (permutation of positions in ops),
// the longest partial linearization it reached when unknown or illegal and
// wantOrder, and the steps spent.
func search(ops []kop, budget int64, wantOrder bool) (Verdict, []int32, int64) {
	drop := unobservable(ops, newValueIndex(ops))
	sr := &searcher{ops: ops, budget: budget, track: wantOrder, memo: make(map[string]struct{})}
	var dropped []int32
	for p := range ops {
		if drop[p] {
			dropped = append(dropped, int32(p))
		} else {
			sr.sort = append(sr.sort, int32(p))
		}
	}
	slices.SortFunc(sr.sort, func(a, b int32) int {
		return cmp.Or(cmp.Compare(ops[a].call, ops[b].call), cmp.Compare(a, b))
	})
	n := int32(len(sr.sort))
	sr.next, sr.prev = make([]int32, n+1), make([]int32, n+1)
	for s := range n + 1 {
		sr.next[s], sr.prev[s] = (s+1)%(n+1), (s+n)%(n+1)
	}
	sr.states = newStateTable()
	sr.arg = make([]int32, n)
	for s, p := range sr.sort {
		o := &ops[p]
		if !o.indet {
			sr.remaining++
		}
		switch {
		case o.kind == kopPut:
			sr.arg[s] = sr.states.of(o.value)
		case o.kind == kopAppend:
			sr.arg[s] = sr.states.valueID(o.value)
		case o.isRead():
			sr.arg[s] = sr.states.of(o.output)
		}
	}
	v := sr.run()
	if !wantOrder {
		return v, nil, sr.steps
	}
	var order []int32
	switch v {
	case VerdictOK:
		for _, f := range sr.frames {
			order = append(order, sr.sort[f.s])
		}
		for s := sr.next[n]; s != n; s = sr.next[s] {
			order = append(order, sr.sort[s]) // indeterminate: never took effect
		}
		order = append(order, dropped...)
	default:
		sr.noteLongest()
		for _, s := range sr.longest {
			order = append(order, sr.sort[s])
		}
	}
	return v, order, sr.steps
}

func (sr *searcher) op(s int32) *kop { return &sr.ops[sr.sort[s]] }

// run is the depth-first search, written as a loop over an explicit stack
// of frames so that a history of any length fits.
func (sr *searcher) run() Verdict {
	n := int32(len(sr.sort))
	for {
		// A new node: done, or a free read, or branch over the candidates.
		if sr.remaining == 0 {
			return VerdictOK
		}
		cursor, m := sr.next[n], int64(never)
		descended := false
		if s, ok := sr.freeRead(); ok {
			if sr.steps >= sr.budget {
				return VerdictUnknown
			}
			sr.steps++
			descended = sr.push(s, sr.state, 0, true)
			cursor = n // a forced node has nothing else to try
		}
		for !descended {
			// Scan on from cursor for the next candidate.
			for cursor != n {
				o := sr.op(cursor)
				if o.call > m {
					cursor = n
					break
				}
				mBefore := m
				if !o.indet {
					m = min(m, o.ret)
				}
				if sr.steps >= sr.budget {
					return VerdictUnknown
				}
				sr.steps++
				if next, ok := sr.step(cursor); ok && sr.push(cursor, next, mBefore, false) {
					descended = true
					break
				}
				cursor = sr.next[cursor]
			}
			if descended {
				break
			}
			// No candidate left at this node: backtrack to the nearest
			// node that has one.
			for {
				if len(sr.frames) == 0 {
					return VerdictIllegal
				}
				f := sr.pop()
				if f.forced {
					continue
				}
				cursor, m = sr.next[f.s], f.mBefore
				if o := sr.op(f.s); !o.indet {
					m = min(m, o.ret)
				}
				break
			}
		}
	}
}

// freeRead finds a read that may go next and fits the current state.
func (sr *searcher) freeRead() (int32, bool) {
	n := int32(len(sr.sort))
	m := int64(never)
	for s := sr.next[n]; s != n; s = sr.next[s] {
		o := sr.op(s)
		if o.call > m {
			break
		}
		if o.isRead() && sr.arg[s] == sr.state {
			return s, true
		}
		if !o.indet {
			m = min(m, o.ret)
		}
	}
	return 0, false
}

// step applies the op at sort index s to the current state (the KV model).
func (sr *searcher) step(s int32) (int32, bool) {
	o := sr.op(s)
	switch o.kind {
	case kopGet:
		return sr.state, o.indet || sr.arg[s] == sr.state
	case kopPut:
		return sr.arg[s], true
	default:
		return sr.states.appendTo(sr.state, sr.arg[s]), true
	}
}

// push linearizes s with the state it leaves, unless that (set, state) was
// explored before.
func (sr *searcher) push(s int32, state int32, mBefore int64, forced bool) bool {
	n := int32(len(sr.sort))
	hi := max(sr.hi, s+1)
	sr.next[sr.prev[s]], sr.prev[sr.next[s]] = sr.next[s], sr.prev[s] // lift
	// The key: hi, the sort indices below it not yet linearized (+1, so
	// that 0 ends the list), then the state's id.
	k := binary.AppendUvarint(sr.keyBuf[:0], uint64(hi))
	for t := sr.next[n]; t != n && t < hi; t = sr.next[t] {
		k = binary.AppendUvarint(k, uint64(t)+1)
	}
	k = binary.AppendUvarint(append(k, 0), uint64(state))
	sr.keyBuf = k
	if _, seen := sr.memo[string(k)]; seen {
		sr.next[sr.prev[s]], sr.prev[sr.next[s]] = s, s // unlift
		return false
	}
	sr.memo[string(k)] = struct{}{}
	if d := len(sr.frames); sr.agree == d && d < len(sr.longest) && sr.longest[d] == s {
		sr.agree++
	}
	sr.frames = append(sr.frames, frame{s: s, prevState: sr.state, prevHi: sr.hi, mBefore: mBefore, forced: forced})
	sr.state, sr.hi = state, hi
	if !sr.op(s).indet {
		sr.remaining--
	}
	return true
}

func (sr *searcher) pop() frame {
	sr.noteLongest()
	f := sr.frames[len(sr.frames)-1]
	sr.frames = sr.frames[:len(sr.frames)-1]
	sr.agree = min(sr.agree, len(sr.frames))
	s := f.s
	sr.next[sr.prev[s]], sr.prev[sr.next[s]] = s, s // unlift
	sr.state, sr.hi = f.prevState, f.prevHi
	if !sr.op(s).indet {
		sr.remaining++
	}
	return f
}

// noteLongest keeps the current path if it is the longest yet. It is called
// when the path is about to shrink, and copies only where the path left the
// previous record, so keeping the record costs O(1) per step amortized.
func (sr *searcher) noteLongest() {
	if !sr.track || len(sr.frames) <= len(sr.longest) {
		return
	}
	sr.longest = sr.longest[:sr.agree]
	for _, f := range sr.frames[sr.agree:] {
		sr.longest = append(sr.longest, f.s)
	}
	sr.agree = len(sr.frames)
}
