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

// seqPhases selects the phases of checkSequential, so that tests can check
// each path on its own; the zero value runs them all.
type seqPhases struct {
	noShort, noExtend bool
}

func checkSequential(ix *index, m *meter) Result { return checkSequentialWith(ix, m, seqPhases{}) }

func checkSequentialWith(ix *index, m *meter, ph seqPhases) Result {
	if a := singleCopyPrecheck(ix); a != nil {
		return illegal(Sequential, a)
	}
	bl, fork := buildBlocks(ix, func(int32) bool { return true })
	if fork != nil {
		return illegal(Sequential, fork)
	}
	short := func() *meter { return &meter{limit: min(m.limit-m.used, 32*int64(len(ix.h))+4096)} }

	// 1. A short search that also keeps writes in real-time order. The
	// extra edges only narrow the search, so an order it finds is a
	// sequential order; a store whose writes are linearizable among
	// themselves (a single copy, a leader's log read from lagging
	// replicas) has one, and writes that respect real time leave few
	// choices.
	hinted := newSingleCopy(ix, bl, true, false)
	hinted.addRealTimeWrites()
	first := short()
	if ph.noShort {
		first.limit = 0
	}
	found, _ := newSeqSearch(hinted, first, false).run()
	m.used += first.used
	if found {
		return ix.okOrUnknown(Sequential)
	}
	// 2. A short search without hints, writes by invocation.
	s := newSingleCopy(ix, bl, true, false)
	second := short()
	if ph.noShort {
		second.limit = 0
	}
	ss2 := newSeqSearch(s, second, false)
	for i, o := range ix.h {
		ss2.deadline[i] = o.Call
	}
	found, exhausted := ss2.run()
	m.used += second.used
	if found {
		return ix.okOrUnknown(Sequential)
	}
	// 3. Saturate: a cycle is a proof that no order exists.
	cycle, ok := s.saturate(m)
	switch {
	case cycle != nil:
		return illegal(Sequential, s.explainCycle(Sequential, cycle, m))
	case exhausted:
		// The short search tried every schedule: there is no order,
		// though no short cycle shows why.
		return illegal(Sequential, ss2.stuck())
	case !ok:
		return unknown(Sequential, "%s exhausted while saturating the order constraints%s", m, m.where())
	}
	// 4. Guess a total order of each key's values from the saturated
	// constraints, ties by deadline: if the graph stays acyclic, any
	// topological order of it is a sequential order.
	if !ph.noExtend && s.extend(m) {
		return ix.okOrUnknown(Sequential)
	}
	// 5. The full search, pruned by the saturated graph.
	ss := newSeqSearch(s, m, true)
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
	s      *singleCopy
	m      *meter
	need   []int32 // unscheduled predecessors of each node
	done   []bool
	front  []int32 // per client lane: ops scheduled
	cur    []keyState
	pendAt [][]int32 // per block: unscheduled reads wanting each length
	pend   []int32   // per block: unscheduled reads
	left   int
	trail  []trailEntry
	failed map[string]struct{}
	stack  []int32
	buf    []byte
	// deadline orders the candidate writes: the earliest completion among
	// the write and every op that needs it in place (the reads of its
	// value and the appends applied on top of it). In a history that
	// respects real time this is close to the order the writes took
	// effect in; a wrong guess costs a backtrack, never a wrong verdict.
	deadline []int64
	gate     *gate
	wanted   []int32
	best     int      // most ops scheduled at once
	bestAt   []int32  // the next ops of each session at that point
	bestKey  []string // ... and the keys they were stuck on
}

type trailEntry struct {
	v    int32
	prev keyState
}

// newSeqSearch prepares a search over s's graph. With gated, it first
// computes the gate (one reachability pass per key).
func newSeqSearch(s *singleCopy, m *meter, gated bool) *seqSearch {
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
	ss.deadline = deadlines(ix, bl)
	ss.gate = &gate{off: true}
	if gated {
		ss.gate = newGate(s, m)
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
				ss.gate.done(v, true)
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
				ss.gate.done(v, false)
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

// candidates lists the writes that may go next. A write some waiting read
// needs next comes first; then writes no read ever sees (they hold no
// interval, so they block nothing); then the rest by deadline. Starting a
// value only when a reader waits for it keeps its interval short, and a
// long interval is what blocks every other write of its key.
func (ss *seqSearch) candidates() []int32 {
	ix, bl := ss.s.ix, ss.s.bl
	var cands []int32
	wanted := ss.wanted[:0]
	consider := func(v int32) {
		if ss.need[v] == 0 && !ss.done[v] && ix.isWrite(v) && !ss.kills(v) && ss.gate.open(v) {
			cands = append(cands, v)
		}
	}
	for c := range ix.clients {
		lane := ix.lanes[c]
		if int(ss.front[c]) >= len(lane) {
			continue
		}
		v := lane[ss.front[c]]
		if !ix.isRead(v) {
			consider(v)
			continue
		}
		b := bl.of[v]
		st := ss.cur[ix.key[v]]
		switch {
		case st.blk != b && bl.list[b].head >= 0:
			wanted = append(wanted, bl.list[b].head)
		case st.blk == b && !st.dirty && st.l < bl.at[v]:
			wanted = append(wanted, bl.list[b].chain[st.l])
		}
	}
	for _, lane := range ix.lanes[len(ix.clients):] {
		consider(lane[0])
	}
	ss.wanted = wanted
	class := func(w int32) int {
		switch {
		case slices.Contains(wanted, w):
			return 0
		case ss.unread(w):
			return 1
		}
		return 2
	}
	slices.SortFunc(cands, func(a, b int32) int {
		if ca, cb := class(a), class(b); ca != cb {
			return ca - cb
		}
		if da, db := ss.deadline[a], ss.deadline[b]; da != db {
			if da < db {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	return cands
}

// unread reports whether no read sees w's effect directly: an append no
// value shows, or a put whose value nobody read.
func (ss *seqSearch) unread(w int32) bool {
	blk := &ss.s.bl.list[ss.s.bl.of[w]]
	return blk.point || blk.head == w && len(blk.reads) == 0 && len(blk.chain) == 0
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

// deadlines computes seqSearch.deadline.
func deadlines(ix *index, bl *blocks) []int64 {
	const never = int64(1) << 62
	d := make([]int64, len(ix.h))
	for i, o := range ix.h {
		d[i] = never
		if o.Outcome == checker.OutcomeOK {
			d[i] = o.Return
		}
	}
	for b := range bl.list {
		blk := &bl.list[b]
		// Walk the block backwards: each append is needed by the reads
		// that saw it and by the appends after it; the head by all.
		need := never
		for j := len(blk.chain); j >= 0; j-- {
			for k, r := range blk.reads {
				if int(blk.length[k]) == j {
					need = min(need, d[r])
				}
			}
			if j > 0 {
				a := blk.chain[j-1]
				d[a] = min(d[a], need)
				need = min(need, d[a])
			}
		}
		if blk.head >= 0 {
			d[blk.head] = min(d[blk.head], need)
		}
	}
	return d
}

// gate holds, for each block, the blocks of its key that must be over
// before its head may be applied: Q must end before P's head when Q's head
// precedes some member of P in the constraint graph (the saturation rule,
// applied lazily from one reachability pass). A head may go only when the
// heads of all those blocks have.
type gate struct {
	bl      *blocks
	local   []int32    // block -> its index among its key's blocks, -1 for initial blocks
	words   []int      // key -> bitset words
	pre     [][]uint64 // block -> must-precede set
	pending [][]uint64 // key -> blocks whose head is not applied yet
	off     bool       // the graph was cyclic: no gating (the search fails anyway)
}

func newGate(s *singleCopy, m *meter) *gate {
	bl, g := s.bl, s.g
	gt := &gate{bl: bl, local: make([]int32, len(bl.list)), pre: make([][]uint64, len(bl.list)),
		words: make([]int, len(s.ix.keys)), pending: make([][]uint64, len(s.ix.keys))}
	byKey := map[int32][]int32{}
	for b := range bl.list {
		blk := &bl.list[b]
		gt.local[b] = -1
		if bl.initOf[blk.key] != int32(b) {
			gt.local[b] = int32(len(byKey[blk.key]))
			byKey[blk.key] = append(byKey[blk.key], int32(b))
		}
	}
	order, acyclic := g.topo(m)
	if !acyclic {
		gt.off = true
		return gt
	}
	for _, k := range bl.keys {
		bs := byKey[k]
		words := (len(bs) + 63) / 64
		gt.words[k] = words
		gt.pending[k] = make([]uint64, words)
		for i := range bs {
			gt.pending[k][i/64] |= 1 << (i % 64)
		}
		if len(bs) < 2 {
			continue
		}
		reach := make([]uint64, g.nodes*words)
		for i := len(order) - 1; i >= 0; i-- {
			v := order[i]
			mine := reach[int(v)*words : int(v+1)*words]
			out := g.out(v)
			m.spend(int64(len(out)*words) + 1)
			for _, ei := range out {
				w := g.edges[ei].to
				or(mine, reach[int(w)*words:int(w+1)*words])
			}
			if v >= s.n && (v-s.n)%2 == 1 && int((v-s.n)/2) < len(bl.list) {
				if l := gt.local[(v-s.n)/2]; l >= 0 && bl.list[(v-s.n)/2].key == k {
					mine[l/64] |= 1 << (l % 64)
				}
			}
		}
		for qi, q := range bs {
			row := reach[int(bl.list[q].head)*words : int(bl.list[q].head+1)*words]
			for p := range bs {
				if p != qi && row[p/64]&(1<<(p%64)) != 0 {
					if gt.pre[bs[p]] == nil {
						gt.pre[bs[p]] = make([]uint64, words)
					}
					gt.pre[bs[p]][qi/64] |= 1 << (qi % 64)
				}
			}
		}
	}
	return gt
}

// open reports whether write w may be applied as far as the gate knows.
func (gt *gate) open(w int32) bool {
	if gt.off {
		return true
	}
	b := gt.bl.of[w]
	if b < 0 || gt.bl.list[b].head != w || gt.pre[b] == nil {
		return true
	}
	pend := gt.pending[gt.bl.list[b].key]
	for i, x := range gt.pre[b] {
		if x&pend[i] != 0 {
			return false
		}
	}
	return true
}

// done records that write w was applied (or undone).
func (gt *gate) done(w int32, applied bool) {
	if gt.off {
		return
	}
	b := gt.bl.of[w]
	if b < 0 || gt.bl.list[b].head != w || gt.local[b] < 0 {
		return
	}
	l := gt.local[b]
	pend := gt.pending[gt.bl.list[b].key]
	if applied {
		pend[l/64] &^= 1 << (l % 64)
	} else {
		pend[l/64] |= 1 << (l % 64)
	}
}
