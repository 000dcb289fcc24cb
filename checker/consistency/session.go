package consistency

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/dsimlab/dsim/checker"
)

// CheckReadYourWrites reports whether every session's reads see the
// session's own earlier writes (Terry et al. 1994). See the package doc
// for the exact definition over the KV.
func CheckReadYourWrites(h []Op, b Budget) Result { return checkSessionModel(h, ReadYourWrites, b) }

// CheckMonotonicReads reports whether every session's reads of a key see
// everything its earlier reads of the key saw (Terry et al. 1994).
func CheckMonotonicReads(h []Op, b Budget) Result { return checkSessionModel(h, MonotonicReads, b) }

// CheckMonotonicWrites reports whether every session's writes are seen by
// every reader in the order they were issued, and never a later one
// without an earlier one (Terry et al. 1994).
func CheckMonotonicWrites(h []Op, b Budget) Result { return checkSessionModel(h, MonotonicWrites, b) }

// CheckWritesFollowReads reports whether a write is seen only together with,
// and after, the writes its session had read before making it (Terry et
// al. 1994).
func CheckWritesFollowReads(h []Op, b Budget) Result {
	return checkSessionModel(h, WritesFollowReads, b)
}

func checkSessionModel(h []Op, model Model, b Budget) Result {
	if err := validateHistory(h); err != nil {
		return Result{Model: model, Verdict: checker.VerdictUnknown, Err: err}
	}
	return checkSession(buildIndex(h), model, newMeter(b))
}

// sessionCheck judges one guarantee. Each observer session d gets an
// arbitration order of all writes (ar_d) and, for each of its reads, a set
// of visible writes; a read's value must be its visible writes of the key
// applied in ar_d order. The guarantee adds writes a read must see and
// pairs of writes ar_d must order. Visibility only ever adds constraints,
// so the least visibility the guarantee demands is the one to try; then the
// history satisfies the guarantee exactly when no demanded write is missing
// from a read of the initial value and every observer's order constraints
// are acyclic.
type sessionCheck struct {
	ix    *index
	co    *coGraph
	model Model
	m     *meter
	base  *graph // order constraints every observer shares
	// For writes-follow-reads: the writes each frontier node (a session's
	// reads so far) depends on, transitively, as bit sets over dense write
	// ids grouped by key.
	frontierOf []int32    // op -> its session's frontier node when issued, -1 if none
	dep        [][]uint64 // frontier node - n -> bit set
	wid        []int32    // op -> dense write id, -1 if not an effective write
	widOp      []int32    // dense write id -> op
	keyRange   [][2]int32 // key -> [lo, hi) of its dense write ids
}

func checkSession(ix *index, model Model, m *meter) Result {
	if ix.validity != nil {
		return illegal(model, ix.validity)
	}
	co := newCoGraph(ix)
	order, acyclic := co.g.topo(m)
	if m.out() {
		return unknown(model, "%s exhausted ordering the causal graph", m)
	}
	sc := &sessionCheck{ix: ix, co: co, model: model, m: m}
	if acyclic {
		co.vc = co.clocks(co.g, order, nil, m)
	} else {
		// A cycle (a read saw a write that depends on it) breaks causal
		// consistency, not necessarily these guarantees; dominance among
		// sibling versions then falls back to paths in the graph.
		co.vc = nil
	}
	sc.base = newGraph(len(ix.h))
	switch model {
	case MonotonicWrites:
		sc.monotonicWritesBase()
	case WritesFollowReads:
		if a := sc.writesFollowReadsBase(); a != nil {
			return illegal(model, a)
		}
		if m.out() {
			return unknown(model, "%s exhausted computing what each write depends on", m)
		}
	}
	var best *Anomaly
	for d := range ix.clients {
		a := sc.observer(d)
		if m.out() {
			if best != nil {
				return illegal(model, best)
			}
			return unknown(model, "%s exhausted checking observer session %s%s", m, ix.clients[d], m.where())
		}
		if a != nil && (best == nil || len(a.Steps) < len(best.Steps)) {
			best = a
		}
	}
	if best != nil {
		return illegal(model, best)
	}
	return ix.okOrUnknown(model)
}

// observer checks the guarantee from session d's point of view.
func (sc *sessionCheck) observer(d int) *Anomaly {
	ix := sc.ix
	var reads []int32
	for _, v := range ix.lanes[d] {
		if ix.isRead(v) {
			reads = append(reads, v)
		}
	}
	if len(reads) == 0 {
		return nil
	}
	sc.m.at(ix.keys[ix.key[reads[0]]])
	// The order inside each value d read is part of ar_d whatever the
	// guarantee; if d's values disagree on it, no guarantee can hold.
	flips := newGraph(len(ix.h))
	for _, r := range reads {
		if len(ix.reads[r]) == 1 {
			addChainEdges(flips, ix.reads[r][0], r)
		}
	}
	if _, ok := flips.topo(sc.m); !ok {
		if sc.m.out() {
			return nil
		}
		cycle := flips.shortestCycle(sc.m, 1<<30)
		x := &explainer{ix: ix, g: flips, n: int32(len(ix.h)), m: sc.m}
		x.ab = newAnomaly(ix.h, KindOrderFlip, cycleKey(ix, flips, cycle), "").session(ix.clients[d])
		x.cycle(cycle)
		a := x.ab.build()
		a.Summary = x.summary(fmt.Sprintf("session %s saw writes applied in two different orders", ix.clients[d]))
		return a
	}
	g := &graph{nodes: sc.base.nodes, edges: append(flips.edges, sc.base.edges...), dirty: true}
	var a *Anomaly
	switch sc.model {
	case ReadYourWrites:
		a = sc.readYourWrites(d, reads, g)
	case MonotonicReads:
		a = sc.monotonicReads(d, reads, g)
	case MonotonicWrites:
		a = sc.monotonicWrites(d, reads, g)
	case WritesFollowReads:
		a = sc.writesFollowReads(d, reads, g)
	}
	if a != nil || sc.m.out() {
		return a
	}
	if _, ok := g.topo(sc.m); ok || sc.m.out() {
		return nil
	}
	cycle := g.shortestCycle(sc.m, 1<<30)
	visible, auxNote := sc.visibleBecause()
	x := &explainer{ix: ix, g: g, n: int32(len(ix.h)), m: sc.m, visible: visible, auxNote: auxNote}
	x.ab = newAnomaly(ix.h, sc.kind(), cycleKey(ix, g, cycle), "").session(sc.blame(d, g, cycle))
	x.cycle(cycle)
	a = x.ab.build()
	a.Summary = x.summary(fmt.Sprintf("no order of the writes gives session %s what %s demands", ix.clients[d], sc.model))
	return a
}

func addChainEdges(g *graph, c chain, r int32) {
	prev := c.head
	for _, a := range c.apps {
		if prev >= 0 {
			g.add(prev, a, edgeChain, r, 0)
		}
		prev = a
	}
}

// visibleBecause says, for an anomaly's notes, why the guarantee makes a
// read see a write, and how to describe the op that shows it.
func (sc *sessionCheck) visibleBecause() (visible, aux string) {
	switch sc.model {
	case ReadYourWrites:
		return "the reading session wrote it earlier", ""
	case MonotonicReads:
		return "an earlier read of the session saw it", "saw ops[%d]"
	case MonotonicWrites:
		return "its session wrote it before a write the read saw", "written after ops[%d] by the same session, and seen"
	}
	return "a write the read saw was made after its session had read it", ""
}

func (sc *sessionCheck) kind() AnomalyKind {
	switch sc.model {
	case ReadYourWrites:
		return KindReadYourWrites
	case MonotonicReads:
		return KindNonMonotonicRead
	case MonotonicWrites:
		return KindMonotonicWrites
	}
	return KindWritesFollowReads
}

// blame names the session whose guarantee broke: the observer for
// read-your-writes and monotonic reads, the writer for the other two.
func (sc *sessionCheck) blame(d int, g *graph, cycle []int32) string {
	if sc.model == ReadYourWrites || sc.model == MonotonicReads {
		return sc.ix.clients[d]
	}
	for _, ei := range cycle {
		if e := g.edges[ei]; e.kind == edgeSession && int(e.to) < len(sc.ix.h) {
			return sc.ix.h[e.to].Client
		}
	}
	return sc.ix.clients[d]
}

// covered reports whether w is visible to a sibling read with chains cs:
// in one of its values, or causally before one of them (overwritten).
func (sc *sessionCheck) covered(w int32, cs []chain) bool {
	for _, c := range cs {
		for _, mbr := range c.members() {
			switch {
			case mbr == w:
				return true
			case sc.co.vc != nil:
				if sc.co.before(sc.co.vc, w, mbr) {
					return true
				}
			case sc.co.g.path(w, mbr, 1<<30, sc.m) != nil:
				return true
			}
		}
	}
	return false
}

// missing builds the anomaly of a read that lacks a write it must see.
func (sc *sessionCheck) missing(session string, w, r int32, why string, extra ...int32) *Anomaly {
	h := sc.ix.h
	ab := newAnomaly(h, sc.kind(), h[r].Key,
		fmt.Sprintf("ops[%d] returned a value without ops[%d], which %s", r, w, why)).session(session)
	ab.step(int(w), "")
	for _, e := range extra {
		ab.step(int(e), "")
	}
	ab.step(int(r), "its value lacks ops[%d]", w)
	return ab.build()
}

// readYourWrites: a read must see the session's earlier ok writes of its
// key. Each one not in the value must precede the value's put in ar_d.
func (sc *sessionCheck) readYourWrites(d int, reads []int32, g *graph) *Anomaly {
	ix := sc.ix
	type linked struct {
		upto    int
		skipped []int32
	}
	state := map[int32]*linked{} // by head
	for _, r := range reads {
		sc.m.at(ix.keys[ix.key[r]])
		k := ix.key[r]
		ps := sc.co.laneKeyWrites[d][k]
		own, _ := slices.BinarySearch(ps, ix.pos[r])
		cs := ix.reads[r]
		if len(cs) > 1 {
			for _, p := range ps[:own] {
				if w := ix.lanes[d][p]; !sc.covered(w, cs) {
					return sc.missing(ix.clients[d], w, r, "its own session wrote before")
				}
			}
			continue
		}
		c := cs[0]
		if c.head < 0 {
			for _, p := range ps[:own] {
				if w := ix.lanes[d][p]; !c.has(w) {
					return sc.missing(ix.clients[d], w, r, "its own session wrote before")
				}
			}
			continue
		}
		st := state[c.head]
		if st == nil {
			st = &linked{}
			state[c.head] = st
		}
		sc.m.spend(int64(max(0, own-st.upto)+len(st.skipped)) + 1)
		for _, p := range ps[min(st.upto, own):own] {
			w := ix.lanes[d][p]
			if c.has(w) {
				st.skipped = append(st.skipped, w)
			} else if w != c.head {
				g.add(w, c.head, edgeBefore, r, 1)
			}
		}
		st.upto = max(st.upto, own)
		kept := st.skipped[:0]
		for _, w := range st.skipped {
			if c.has(w) {
				kept = append(kept, w)
			} else {
				g.add(w, c.head, edgeBefore, r, 1)
			}
		}
		st.skipped = kept

	}
	return nil
}

// monotonicReads: a read must see what the session's earlier reads of the
// key saw. After a single-value read, every write that read saw is in its
// value or precedes its put, so comparing with the previous read is enough;
// after a sibling read, everything seen so far is compared.
func (sc *sessionCheck) monotonicReads(d int, reads []int32, g *graph) *Anomaly {
	ix := sc.ix
	type seen struct {
		prev  int32           // previous read of the key
		acc   []int32         // every write seen so far
		first map[int32]int32 // write -> the read that first saw it
	}
	byKey := map[int32]*seen{}
	for _, r := range reads {
		sc.m.at(ix.keys[ix.key[r]])
		k := ix.key[r]
		s := byKey[k]
		if s == nil {
			s = &seen{prev: -1, first: map[int32]int32{}}
			byKey[k] = s
		}
		cs := ix.reads[r]
		if s.prev >= 0 {
			var src []int32
			if len(ix.reads[s.prev]) == 1 {
				src = ix.reads[s.prev][0].members()
			} else {
				src = s.acc
			}
			sc.m.spend(int64(len(src)) + 1)
			for _, e := range src {
				switch {
				case len(cs) > 1:
					if !sc.covered(e, cs) {
						return sc.missing(ix.clients[d], e, r, "an earlier read of the session saw", s.first[e])
					}
				case cs[0].has(e):
				case cs[0].head < 0:
					return sc.missing(ix.clients[d], e, r, "an earlier read of the session saw", s.first[e])
				default:
					g.addAux(e, cs[0].head, edgeBefore, r, s.first[e], 1)
				}
			}
		}
		for _, c := range cs {
			for _, w := range c.members() {
				if _, ok := s.first[w]; !ok {
					s.first[w] = r
					s.acc = append(s.acc, w)
				}
			}
		}
		s.prev = r
	}
	return nil
}

// monotonicWritesBase orders each session's writes as issued, in every
// observer's arbitration. An indeterminate write follows the session's
// earlier ok writes (if it took effect at all).
func (sc *sessionCheck) monotonicWritesBase() {
	ix := sc.ix
	for c := range ix.clients {
		prev := int32(-1)
		for _, v := range ix.lanes[c] {
			if ix.isWrite(v) {
				if prev >= 0 {
					sc.base.add(prev, v, edgeSession, -1, 0)
				}
				prev = v
			}
		}
	}
	for _, lane := range ix.lanes[len(ix.clients):] {
		w := lane[0]
		for p := ix.pred[w]; p >= 0; p = ix.pred[p] {
			if ix.isWrite(p) {
				sc.base.add(p, w, edgeSession, -1, 0)
				break
			}
		}
	}
}

// monotonicWrites: a read that sees a write of session c must see c's
// earlier ok writes of the key; the last one it lacks must precede its put
// (the earlier ones precede that one through the base order).
func (sc *sessionCheck) monotonicWrites(d int, reads []int32, g *graph) *Anomaly {
	ix := sc.ix
	for _, r := range reads {
		sc.m.at(ix.keys[ix.key[r]])
		cs := ix.reads[r]
		if len(cs) > 1 {
			continue // a writer's earlier writes precede its later ones causally: covered
		}
		c := cs[0]
		k := ix.key[r]
		limit := map[int32]int32{} // writer lane -> ok ops of it that must be visible
		latest := map[int32]int32{}
		for _, e := range c.members() {
			wl := ix.client[e]
			lim := ix.pos[e]
			if ix.h[e].Outcome != checker.OutcomeOK {
				lim = 0
				if p := ix.pred[e]; p >= 0 {
					lim = ix.pos[p] + 1
				}
			}
			if lim > limit[wl] {
				limit[wl], latest[wl] = lim, e
			}
		}
		for _, wl := range sortedKeys(limit) {
			w := sc.co.lastUnseen(int(wl), k, limit[wl], c.has)
			sc.m.spend(1)
			switch {
			case w < 0:
			case c.head < 0:
				return sc.missing(ix.clients[wl], w, r, fmt.Sprintf("session %s wrote before ops[%d], which the read saw", ix.clients[wl], latest[wl]), latest[wl])
			case w != c.head:
				g.addAux(w, c.head, edgeBefore, r, latest[wl], 1)
			}
		}
	}
	return nil
}

// writesFollowReadsBase adds, for each session, a frontier node after each
// of its reads that everything it read precedes, and an edge from the
// current frontier to each of its writes: every observer must order a
// write after what its session had read. It also computes, for every
// frontier, the set of writes it depends on transitively.
func (sc *sessionCheck) writesFollowReadsBase() *Anomaly {
	ix := sc.ix
	n := len(ix.h)
	sc.frontierOf = make([]int32, n)
	for i := range sc.frontierOf {
		sc.frontierOf[i] = -1
	}
	frontierAfter := make([][]int32, len(ix.clients)) // per lane position
	for c := range ix.clients {
		f := int32(-1)
		frontierAfter[c] = make([]int32, len(ix.lanes[c]))
		for p, v := range ix.lanes[c] {
			if ix.isRead(v) {
				nf := sc.base.addNode()
				if f >= 0 {
					sc.base.add(f, nf, edgeVia, -1, 0)
				}
				for _, ch := range ix.reads[v] {
					for _, w := range ch.members() {
						sc.base.add(w, nf, edgeSession, v, 0)
					}
				}
				f = nf
			} else if f >= 0 {
				sc.frontierOf[v] = f
				sc.base.add(f, v, edgeVia, -1, 0)
			}
			frontierAfter[c][p] = f
		}
	}
	for _, lane := range ix.lanes[len(ix.clients):] {
		w := lane[0]
		if p := ix.pred[w]; p >= 0 {
			if f := frontierAfter[ix.lane[p]][ix.pos[p]]; f >= 0 {
				sc.frontierOf[w] = f
				sc.base.add(f, w, edgeVia, -1, 0)
			}
		}
	}
	order, ok := sc.base.topo(sc.m)
	if sc.m.out() {
		return nil
	}
	if !ok {
		cycle := sc.base.shortestCycle(sc.m, 1<<30)
		x := &explainer{ix: ix, g: sc.base, n: int32(n), m: sc.m}
		x.ab = newAnomaly(ix.h, KindWritesFollowReads, cycleKey(ix, sc.base, cycle), "")
		x.cycle(cycle)
		a := x.ab.build()
		a.Summary = x.summary("each write must follow what its session read before it, and these do so in a circle")
		return a
	}
	// Dense write ids, grouped by key, so that a key's writes are one range.
	sc.wid = make([]int32, n)
	for i := range sc.wid {
		sc.wid[i] = -1
	}
	sc.keyRange = make([][2]int32, len(ix.keys))
	for k, ws := range ix.writes {
		sc.keyRange[k][0] = int32(len(sc.widOp))
		for _, w := range ws {
			sc.wid[w] = int32(len(sc.widOp))
			sc.widOp = append(sc.widOp, w)
		}
		sc.keyRange[k][1] = int32(len(sc.widOp))
	}
	words := (len(sc.widOp) + 63) / 64
	frontiers := sc.base.nodes - n
	if !sc.m.spend(int64(frontiers) * int64(words)) {
		return nil
	}
	sc.dep = make([][]uint64, frontiers)
	rev := sc.base.reverse(1 << 30)
	for _, v := range order {
		if int(v) < n {
			continue
		}
		set := make([]uint64, words)
		for _, ei := range rev.in(v) {
			u := sc.base.edges[ei].from
			if int(u) >= n {
				or(set, sc.dep[int(u)-n])
			} else if id := sc.wid[u]; id >= 0 {
				set[id/64] |= 1 << (id % 64)
				if f := sc.frontierOf[u]; f >= 0 {
					or(set, sc.dep[int(f)-n])
				}
			}
			sc.m.spend(int64(words))
		}
		sc.dep[int(v)-n] = set
	}
	return nil
}

func or(dst, src []uint64) {
	for i := range dst {
		dst[i] |= src[i]
	}
}

// writesFollowReads: a read that sees write a must see every write of its
// key that a depends on (what a's session had read, transitively); each
// one not in the value must precede the value's put. The put's own
// dependencies precede it through the base order already.
func (sc *sessionCheck) writesFollowReads(d int, reads []int32, g *graph) *Anomaly {
	ix := sc.ix
	n := len(ix.h)
	for _, r := range reads {
		sc.m.at(ix.keys[ix.key[r]])
		cs := ix.reads[r]
		k := ix.key[r]
		lo, hi := sc.keyRange[k][0], sc.keyRange[k][1]
		for _, c := range cs {
			var headDeps []uint64
			if c.head >= 0 {
				if f := sc.frontierOf[c.head]; f >= 0 {
					headDeps = sc.dep[int(f)-n]
				}
			}
			for _, a := range c.apps {
				f := sc.frontierOf[a]
				if f < 0 {
					continue
				}
				deps := sc.dep[int(f)-n]
				sc.m.spend(int64(hi-lo)/64 + 1)
				for word := lo / 64; word <= (hi-1)/64 && lo < hi; word++ {
					bitsLeft := deps[word]
					if headDeps != nil {
						bitsLeft &^= headDeps[word]
					}
					for bitsLeft != 0 {
						b := int32(bits.TrailingZeros64(bitsLeft))
						bitsLeft &= bitsLeft - 1
						id := word*64 + b
						if id < lo || id >= hi {
							continue
						}
						w := sc.widOp[id]
						if w == c.head || c.has(w) {
							continue
						}
						if len(cs) > 1 {
							if !sc.covered(w, cs) {
								return sc.wfrMissing(w, a, r, g)
							}
							continue
						}
						if c.head < 0 {
							return sc.wfrMissing(w, a, r, g)
						}
						g.add(w, c.head, edgeBefore, r, 1)
					}
				}
			}
		}
	}
	return nil
}

func (sc *sessionCheck) wfrMissing(w, a, r int32, g *graph) *Anomaly {
	ix, h := sc.ix, sc.ix.h
	ab := newAnomaly(h, KindWritesFollowReads, h[r].Key,
		fmt.Sprintf("ops[%d] saw ops[%d] but not ops[%d], which ops[%d]'s session had read before writing it", r, a, w, a)).
		session(h[a].Client)
	ab.step(int(w), "")
	if p := sc.base.path(w, a, 1<<30, sc.m); p != nil {
		(&explainer{ix: ix, g: sc.base, n: int32(len(h)), m: sc.m, ab: ab}).explainPath(p)
	}
	ab.step(int(a), "")
	ab.step(int(r), "its value has ops[%d] but lacks ops[%d]", a, w)
	return ab.build()
}
