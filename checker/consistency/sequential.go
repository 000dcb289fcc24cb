package consistency

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/checker"
)

// CheckSequential reports whether the history is sequentially consistent
// (Lamport 1979): some single order of all its effective operations keeps
// each session's program order and explains every read by the KV semantics.
// Real time across sessions is ignored. See the package doc for the
// algorithm; b bounds it.
func CheckSequential(h []Op, b Budget) Result {
	if err := validateHistory(h); err != nil {
		return Result{Model: Sequential, Verdict: checker.VerdictUnknown, Err: err}
	}
	return checkSequential(buildIndex(h), newMeter(b))
}

func checkSequential(ix *index, m *meter) Result {
	if a := singleCopyPrecheck(ix); a != nil {
		return illegal(Sequential, a)
	}
	bl, fork := buildBlocks(ix, func(int32) bool { return true })
	if fork != nil {
		return illegal(Sequential, fork)
	}
	s := newSingleCopy(ix, bl, true, false)

	// 1. A short search guided by the reads: a history that is sequential
	// usually gives its order away at once.
	first := &meter{limit: min(m.limit-m.used, 64*int64(len(ix.h))+4096)}
	ss1 := newSeqSearch(s, first)
	found, exhausted := ss1.run()
	m.used += first.used
	if found {
		return ix.okOrUnknown(Sequential)
	}
	if exhausted {
		// The search proved there is no order; saturation finds the short
		// proof if there is one.
		if cycle, ok := s.saturate(m); ok && cycle != nil {
			return illegal(Sequential, s.explainCycle(Sequential, cycle, m))
		}
		return illegal(Sequential, ss1.stuck())
	}
	// 2. Saturate: a cycle is a proof, and the new edges prune the search.
	cycle, ok := s.saturate(m)
	if !ok {
		return unknown(Sequential, "%s exhausted while saturating the order constraints", m)
	}
	if cycle != nil {
		return illegal(Sequential, s.explainCycle(Sequential, cycle, m))
	}
	// 3. The full search.
	ss := newSeqSearch(s, m)
	found, exhausted = ss.run()
	switch {
	case found:
		return ix.okOrUnknown(Sequential)
	case exhausted:
		return illegal(Sequential, ss.stuck())
	}
	return unknown(Sequential, "%s exhausted searching for an order; the search got furthest stuck on key %s", m, ss.stuckKey())
}

// singleCopyPrecheck finds what no single copy can do before any search: a
// value no write explains, and a sibling read.
func singleCopyPrecheck(ix *index) *Anomaly {
	if ix.validity != nil {
		return ix.validity
	}
	if len(ix.siblings) > 0 {
		return siblingAnomaly(ix, ix.siblings[0])
	}
	return nil
}

func siblingAnomaly(ix *index, r int32) *Anomaly {
	h := ix.h
	ab := newAnomaly(h, KindSiblingRead, h[r].Key,
		fmt.Sprintf("ops[%d] returned %d concurrent values; a single copy of %s holds one", r, len(h[r].Values), h[r].Key))
	for v, c := range ix.reads[r] {
		if w := c.last(); w >= 0 {
			ab.step(int(w), "wrote the version %s", quoteShort(h[r].Values[v]))
		}
	}
	ab.step(int(r), "returned them all")
	return ab.build()
}

// keyState is where one key stands during the search: in which block, how
// many of the block's appends have been applied, and whether a write that
// no read of the block saw has been applied (dirty: no read of this block
// can be served any more).
type keyState struct {
	blk   int32
	l     int32
	dirty bool
}

// seqSearch looks for a sequential order by depth-first search over
// schedules. A read is scheduled as soon as it is next in its session and
// the key's state matches its value: that is always safe, since a read
// changes no state. Writes are the only choices. A write that would make a
// pending read unservable is never scheduled, failed configurations are
// remembered, and the constraint graph's edges must be satisfied, so most
// dead ends are cut at once.
type seqSearch struct {
	s       *singleCopy
	m       *meter
	need    []int32 // unscheduled predecessors of each node
	done    []bool
	front   []int32 // per client lane: ops scheduled
	cur     []keyState
	pendAt  [][]int32 // per block: unscheduled reads wanting each length
	pend    []int32   // per block: unscheduled reads
	left    int
	trail   []trailEntry
	failed  map[string]struct{}
	stack   []int32
	buf     []byte
	best    int      // most ops scheduled at once
	bestAt  []int32  // the next ops of each session at that point
	bestKey []string // ... and the keys they were stuck on
}

type trailEntry struct {
	v    int32
	prev keyState
}

func newSeqSearch(s *singleCopy, m *meter) *seqSearch {
	ix, bl, g := s.ix, s.bl, s.g
	g.freeze()
	ss := &seqSearch{s: s, m: m, need: make([]int32, g.nodes), done: make([]bool, g.nodes),
		front: make([]int32, len(ix.lanes)), cur: make([]keyState, len(ix.keys)),
		pendAt: make([][]int32, len(bl.list)), pend: make([]int32, len(bl.list)), failed: map[string]struct{}{}}
	for _, e := range g.edges {
		ss.need[e.to]++
	}
	for k := range ss.cur {
		ss.cur[k] = keyState{blk: -1}
	}
	for _, k := range bl.keys {
		ss.cur[k] = keyState{blk: bl.initOf[k]}
	}
	for b := range bl.list {
		blk := &bl.list[b]
		ss.pendAt[b] = make([]int32, len(blk.chain)+1)
		for _, l := range blk.length {
			ss.pendAt[b][l]++
		}
		ss.pend[b] = int32(len(blk.reads))
	}
	for i := range ix.h {
		if ix.eff[i] {
			ss.left++
		}
	}
	// Virtual nodes with nothing before them hold from the start.
	for v := s.n; v < int32(g.nodes); v++ {
		if ss.need[v] == 0 && !ss.done[v] {
			ss.exec(v)
		}
	}
	ss.trail = ss.trail[:0]
	return ss
}

// exec schedules v and, through them, every virtual node it completes.
func (ss *seqSearch) exec(v int32) {
	s := ss.s
	ss.stack = append(ss.stack[:0], v)
	for len(ss.stack) > 0 {
		v := ss.stack[len(ss.stack)-1]
		ss.stack = ss.stack[:len(ss.stack)-1]
		te := trailEntry{v: v}
		ss.done[v] = true
		if v < s.n {
			ix := s.ix
			ss.left--
			if l := ix.lane[v]; int(l) < len(ix.clients) {
				ss.front[l]++
			}
			k := ix.key[v]
			if ix.isRead(v) {
				b := s.bl.of[v]
				ss.pend[b]--
				ss.pendAt[b][s.bl.at[v]]--
			} else {
				te.prev = ss.cur[k]
				ss.cur[k] = ss.after(v, ss.cur[k])
			}
		}
		ss.trail = append(ss.trail, te)
		out := s.g.out(v)
		ss.m.spend(int64(len(out)) + 1)
		for _, ei := range out {
			w := s.g.edges[ei].to
			if ss.need[w]--; ss.need[w] == 0 && w >= s.n {
				ss.stack = append(ss.stack, w)
			}
		}
	}
}

// undoTo unschedules back to a trail length.
func (ss *seqSearch) undoTo(mark int) {
	s := ss.s
	for len(ss.trail) > mark {
		te := ss.trail[len(ss.trail)-1]
		ss.trail = ss.trail[:len(ss.trail)-1]
		v := te.v
		for _, ei := range s.g.out(v) {
			ss.need[s.g.edges[ei].to]++
		}
		ss.done[v] = false
		if v < s.n {
			ix := s.ix
			ss.left++
			if l := ix.lane[v]; int(l) < len(ix.clients) {
				ss.front[l]--
			}
			if ix.isRead(v) {
				b := s.bl.of[v]
				ss.pend[b]++
				ss.pendAt[b][s.bl.at[v]]++
			} else {
				ss.cur[ix.key[v]] = te.prev
			}
		}
	}
}

// after is the key's state once write w is applied.
func (ss *seqSearch) after(w int32, st keyState) keyState {
	bl := ss.s.bl
	if ss.s.ix.h[w].Kind == checker.OpPut {
		return keyState{blk: bl.of[w]}
	}
	if b := bl.of[w]; b == st.blk && !st.dirty && bl.at[w] == st.l+1 {
		return keyState{blk: b, l: st.l + 1}
	}
	st.dirty = true
	return st
}

// kills reports whether applying w now would leave some unscheduled read
// with a state that can never come back.
func (ss *seqSearch) kills(w int32) bool {
	bl := ss.s.bl
	st := ss.cur[ss.s.ix.key[w]]
	if ss.s.ix.h[w].Kind == checker.OpAppend && bl.of[w] == st.blk && !st.dirty && bl.at[w] == st.l+1 {
		return ss.pendAt[st.blk][st.l] > 0
	}
	if ss.pend[st.blk] > 0 {
		return true
	}
	if b := bl.of[w]; ss.s.ix.h[w].Kind == checker.OpAppend && !bl.list[b].point {
		for _, c := range ss.pendAt[b][bl.at[w]:] {
			if c > 0 {
				return true
			}
		}
	}
	return false
}

func (ss *seqSearch) legal(r int32) bool {
	st := ss.cur[ss.s.ix.key[r]]
	return st.blk == ss.s.bl.of[r] && !st.dirty && st.l == ss.s.bl.at[r]
}

// closure schedules every read that can go now.
func (ss *seqSearch) closure() {
	ix := ss.s.ix
	for progressed := true; progressed; {
		progressed = false
		for c := range ix.clients {
			lane := ix.lanes[c]
			for int(ss.front[c]) < len(lane) {
				v := lane[ss.front[c]]
				if ss.need[v] != 0 || !ix.isRead(v) || !ss.legal(v) {
					break
				}
				ss.exec(v)
				progressed = true
			}
		}
	}
}

// candidates lists the writes that may go next, the ones a waiting read
// needs first, then by invocation.
func (ss *seqSearch) candidates() []int32 {
	ix, bl := ss.s.ix, ss.s.bl
	wanted := map[int32]bool{}
	var cands []int32
	consider := func(v int32) {
		if ss.need[v] == 0 && !ss.done[v] && ix.isWrite(v) && !ss.kills(v) {
			cands = append(cands, v)
		}
	}
	for c := range ix.clients {
		lane := ix.lanes[c]
		if int(ss.front[c]) >= len(lane) {
			continue
		}
		v := lane[ss.front[c]]
		if ix.isRead(v) {
			b := bl.of[v]
			st := ss.cur[ix.key[v]]
			switch {
			case st.blk != b && bl.list[b].head >= 0:
				wanted[bl.list[b].head] = true
			case st.blk == b && !st.dirty && st.l < bl.at[v]:
				wanted[bl.list[b].chain[st.l]] = true
			}
			continue
		}
		consider(v)
	}
	for _, lane := range ix.lanes[len(ix.clients):] {
		consider(lane[0])
	}
	h := ix.h
	slices.SortFunc(cands, func(a, b int32) int {
		if wanted[a] != wanted[b] {
			if wanted[a] {
				return -1
			}
			return 1
		}
		if h[a].Call != h[b].Call {
			if h[a].Call < h[b].Call {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	return cands
}

// key is the configuration: what each lane has scheduled and where each key
// stands. It determines everything that can still happen.
func (ss *seqSearch) key() string {
	ix := ss.s.ix
	b := ss.buf[:0]
	for c := range ix.clients {
		b = binary.AppendUvarint(b, uint64(ss.front[c]))
	}
	for _, lane := range ix.lanes[len(ix.clients):] {
		if ss.done[lane[0]] {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	for _, k := range ss.s.bl.keys {
		st := ss.cur[k]
		b = binary.AppendVarint(b, int64(st.blk))
		b = binary.AppendUvarint(b, uint64(st.l))
		if st.dirty {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	ss.buf = b
	return string(b)
}

type frame struct {
	mark  int
	cands []int32
	next  int
	key   string
}

// run searches. found: an order exists. exhausted: none exists. Neither:
// the meter ran out.
func (ss *seqSearch) run() (found, exhausted bool) {
	var frames []frame
	ss.closure()
	for {
		if ss.m.out() {
			return false, false
		}
		if ss.left == 0 {
			return true, false
		}
		ss.noteProgress()
		key := ss.key()
		var cands []int32
		if _, bad := ss.failed[key]; !bad {
			cands = ss.candidates()
		}
		if len(cands) > 0 {
			frames = append(frames, frame{mark: len(ss.trail), cands: cands, next: 1, key: key})
			ss.exec(cands[0])
			ss.closure()
			continue
		}
		ss.failed[key] = struct{}{}
		// Backtrack to the latest choice with an alternative left.
		for {
			if len(frames) == 0 {
				return false, true
			}
			f := &frames[len(frames)-1]
			ss.undoTo(f.mark)
			if f.next < len(f.cands) {
				v := f.cands[f.next]
				f.next++
				ss.exec(v)
				ss.closure()
				break
			}
			ss.failed[f.key] = struct{}{}
			frames = frames[:len(frames)-1]
			if ss.m.out() {
				return false, false
			}
		}
	}
}

// noteProgress remembers the furthest configuration, for the report.
func (ss *seqSearch) noteProgress() {
	ix := ss.s.ix
	scheduled := 0
	for _, f := range ss.front {
		scheduled += int(f)
	}
	if scheduled <= ss.best && ss.bestAt != nil {
		return
	}
	ss.best = scheduled
	ss.bestAt = ss.bestAt[:0]
	ss.bestKey = ss.bestKey[:0]
	for c := range ix.clients {
		if lane := ix.lanes[c]; int(ss.front[c]) < len(lane) {
			v := lane[ss.front[c]]
			ss.bestAt = append(ss.bestAt, v)
			ss.bestKey = append(ss.bestKey, ix.keys[ix.key[v]])
		}
	}
	if ss.bestAt == nil {
		ss.bestAt = []int32{}
	}
}

func (ss *seqSearch) stuckKey() string {
	if len(ss.bestKey) == 0 {
		return "(none)"
	}
	return ss.bestKey[0]
}

// stuck reports an exhausted search with no short cycle: the ops that no
// order could get past.
func (ss *seqSearch) stuck() *Anomaly {
	ab := newAnomaly(ss.s.ix.h, KindNoOrder, "",
		fmt.Sprintf("every order of the operations gets stuck; the furthest scheduled %d operations and then none of these could go next", ss.best))
	for _, v := range ss.bestAt {
		ab.step(int(v), "next in its session, could not go")
	}
	return ab.build()
}
