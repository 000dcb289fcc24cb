package consistency

import (
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/checker"
)

// CheckCausal reports whether the history is causally consistent in the
// sense of causal memory (Ahamad et al. 1995), lifted to the KV: for every
// session p there is an order of all effective writes and p's own
// operations that extends the causal order and explains each of p's reads.
// The causal order is program order plus reads-from, closed transitively;
// a get reads from every write its value reveals (the put it starts with
// and every append after it). Sibling reads follow the multi-value register:
// see the package doc.
func CheckCausal(h []Op, b Budget) Result {
	if err := validateHistory(h); err != nil {
		return Result{Model: Causal, Verdict: checker.VerdictUnknown, Err: err}
	}
	return checkCausal(buildIndex(h), newMeter(b))
}

// coGraph is the causal order: program order and reads-from, with vector
// clocks over the lanes. vc(v)[l] is how many ops of lane l are v or before
// it, so w precedes-or-is v exactly when vc(v)[lane(w)] > pos(w). That is
// exact because every lane is a chain of the graph.
type coGraph struct {
	ix    *index
	g     *graph
	lanes int
	vc    *clocks
	// laneKeyWrites[l][k] are the positions in lane l of its effective
	// writes of key k, ascending.
	laneKeyWrites [][][]int32
}

func newCoGraph(ix *index) *coGraph {
	n := len(ix.h)
	c := &coGraph{ix: ix, g: newGraph(n), lanes: len(ix.lanes)}
	for l := range ix.clients {
		lane := ix.lanes[l]
		for i := 1; i < len(lane); i++ {
			c.g.add(lane[i-1], lane[i], edgePO, -1, 0)
		}
	}
	for _, lane := range ix.lanes[len(ix.clients):] {
		if p := ix.pred[lane[0]]; p >= 0 {
			c.g.add(p, lane[0], edgePO, -1, 0)
		}
	}
	for r, cs := range ix.reads {
		for _, ch := range cs {
			for _, w := range ch.members() {
				c.g.add(w, int32(r), edgeRF, -1, 0)
			}
		}
	}
	c.laneKeyWrites = make([][][]int32, len(ix.lanes))
	for l, lane := range ix.lanes {
		c.laneKeyWrites[l] = make([][]int32, len(ix.keys))
		for p, v := range lane {
			if ix.isWrite(v) {
				k := ix.key[v]
				c.laneKeyWrites[l][k] = append(c.laneKeyWrites[l][k], int32(p))
			}
		}
	}
	return c
}

// clocks are vector clocks in two parts: a count per session lane, and
// one bit per floating lane (an indeterminate write someone read, alone in
// its lane), since a lane of one op needs no more. Histories with many
// timed-out writes would otherwise multiply the cost of every merge.
type clocks struct {
	s, words int      // session lanes; words of floating bits
	ints     []int32  // n × s
	bits     []uint64 // n × words
}

// lim is how many ops of lane l precede or are v.
func (vc *clocks) lim(v int32, l int) int32 {
	if l < vc.s {
		return vc.ints[int(v)*vc.s+l]
	}
	f := l - vc.s
	if vc.bits[int(v)*vc.words+f/64]&(1<<(f%64)) != 0 {
		return 1
	}
	return 0
}

// clocks computes vector clocks of g (which must contain c's lanes as
// chains) in the topological order given, pushing each node's clock to its
// successors once it is final. buf is reused.
func (c *coGraph) clocks(g *graph, order []int32, buf *clocks, m *meter) *clocks {
	n := len(c.ix.h)
	S := len(c.ix.clients)
	W := (c.lanes - S + 63) / 64
	if buf == nil || cap(buf.ints) < n*S || cap(buf.bits) < n*W {
		buf = &clocks{ints: make([]int32, n*S), bits: make([]uint64, n*W)}
	}
	vc := &clocks{s: S, words: W, ints: buf.ints[:n*S], bits: buf.bits[:n*W]}
	clear(vc.ints)
	clear(vc.bits)
	g.freeze()
	m.spend(int64(len(g.edges)*(S+W) + len(order)))
	for _, v := range order {
		if int(v) >= n || !c.ix.eff[v] {
			continue
		}
		ints := vc.ints[int(v)*S : int(v+1)*S]
		bits := vc.bits[int(v)*W : int(v+1)*W]
		if l := int(c.ix.lane[v]); l < S {
			ints[l] = c.ix.pos[v] + 1
		} else {
			bits[(l-S)/64] |= 1 << ((l - S) % 64)
		}
		for _, ei := range g.adj[g.start[v]:g.start[v+1]] {
			w := g.edges[ei].to
			if int(w) >= n {
				continue
			}
			theirs := vc.ints[int(w)*S : int(w+1)*S]
			for l, x := range ints {
				if x > theirs[l] {
					theirs[l] = x
				}
			}
			tb := vc.bits[int(w)*W : int(w+1)*W]
			for i, x := range bits {
				tb[i] |= x
			}
		}
	}
	return vc
}

// before reports whether w precedes or is v under clocks vc.
func (c *coGraph) before(vc *clocks, w, v int32) bool {
	return vc.lim(v, int(c.ix.lane[w])) > c.ix.pos[w]
}

// lastUnseen finds, in lane l, the last write of key k among the first lim
// ops of the lane that is not in the chain: the latest write of that lane
// the read should have seen but did not. -1 if none.
func (c *coGraph) lastUnseen(l int, k int32, lim int32, skip func(int32) bool) int32 {
	ps := c.laneKeyWrites[l][k]
	i, _ := slices.BinarySearch(ps, lim)
	for i--; i >= 0; i-- {
		w := c.ix.lanes[l][ps[i]]
		if !skip(w) {
			return w
		}
	}
	return -1
}

func checkCausal(ix *index, m *meter) Result {
	if ix.validity != nil {
		return illegal(Causal, ix.validity)
	}
	co := newCoGraph(ix)
	order, acyclic := co.g.topo(m)
	if m.out() {
		return unknown(Causal, "%s exhausted ordering the causal graph", m)
	}
	if !acyclic {
		cycle := co.g.shortestCycle(m, 1<<30)
		x := &explainer{ix: ix, g: co.g, n: int32(len(ix.h)), m: m}
		x.ab = newAnomaly(ix.h, KindFutureRead, cycleKey(ix, co.g, cycle), "")
		x.cycle(cycle)
		a := x.ab.build()
		a.Summary = x.summary("a read saw a write that causally follows it")
		return illegal(Causal, a)
	}
	co.vc = co.clocks(co.g, order, nil, m)

	var best *Anomaly
	keep := func(a *Anomaly) {
		if a != nil && (best == nil || len(a.Steps) < len(best.Steps)) {
			best = a
		}
	}
	for _, r := range ix.siblings {
		keep(co.checkSiblings(r, m))
	}
	for p := range ix.clients {
		a, ok := co.checkProcess(p, m)
		if !ok {
			if best != nil {
				return illegal(Causal, best)
			}
			return unknown(Causal, "%s exhausted checking session %s%s", m, ix.clients[p], m.where())
		}
		keep(a)
	}
	if best != nil {
		return illegal(Causal, best)
	}
	return ix.okOrUnknown(Causal)
}

// checkSiblings judges a sibling read as a read of a multi-value register:
// its versions (the last write of each value) must be causally concurrent,
// and every write of the key in its causal past must be in one of its
// values or causally before one of them.
func (c *coGraph) checkSiblings(r int32, m *meter) *Anomaly {
	ix, h := c.ix, c.ix.h
	cs := ix.reads[r]
	for i, ci := range cs {
		for j, cj := range cs {
			vi, vj := ci.last(), cj.last()
			if i == j || vj < 0 {
				continue
			}
			if vi < 0 || cj.has(vi) || c.before(c.vc, vi, vj) {
				ab := newAnomaly(h, KindOverwrittenSibling, h[r].Key,
					fmt.Sprintf("ops[%d] returned %s together with %s, which overwrote it", r, quoteShort(h[r].Values[i]), quoteShort(h[r].Values[j])))
				if vi >= 0 {
					ab.step(int(vi), "wrote the older version")
					if p := c.g.path(vi, vj, 1<<30, m); p != nil {
						x := &explainer{ix: ix, g: c.g, n: int32(len(h)), m: m, ab: ab}
						x.explainPath(p)
					}
				}
				ab.step(int(vj), "wrote the newer version, causally after it")
				ab.step(int(r), "returned both as siblings")
				return ab.build()
			}
		}
	}
	k := ix.key[r]
	for l := range ix.lanes {
		w := c.lastUnseen(l, k, c.vc.lim(r, l), func(int32) bool { return false })
		if w < 0 {
			continue
		}
		covered := false
		for _, ch := range cs {
			for _, mbr := range ch.members() {
				if mbr == w || c.before(c.vc, w, mbr) {
					covered = true
				}
			}
		}
		if !covered {
			ab := newAnomaly(h, KindCausalReversal, h[r].Key,
				fmt.Sprintf("ops[%d] returned siblings that neither include nor overwrite ops[%d], a write of %s in its causal past", r, w, h[r].Key))
			ab.step(int(w), "in the read's causal past")
			if p := c.g.path(w, r, 1<<30, m); p != nil {
				(&explainer{ix: ix, g: c.g, n: int32(len(h)), m: m, ab: ab}).explainPath(p)
			}
			ab.step(int(r), "its siblings miss ops[%d]", w)
			return ab.build()
		}
	}
	return nil
}

// checkProcess looks for session p's view: the causal order plus the order
// of appends inside each value p read, saturated with one rule until
// nothing changes: if a write w of key k precedes p's read r of k and is
// not in r's value, w must precede the put r's value starts with (if r read
// the initial value, that is impossible). When that graph is acyclic, the
// lazy schedule (each of p's ops preceded by exactly its unscheduled
// ancestors) is a view that explains every read, so the check is exact.
func (c *coGraph) checkProcess(p int, m *meter) (*Anomaly, bool) {
	ix := c.ix
	var reads []int32
	for _, v := range ix.lanes[p] {
		if ix.isRead(v) && len(ix.reads[v]) == 1 {
			reads = append(reads, v)
		}
	}
	if len(reads) == 0 {
		return nil, true
	}
	g := &graph{nodes: c.g.nodes, edges: slices.Clone(c.g.edges), dirty: true}
	for _, r := range reads {
		ch := ix.reads[r][0]
		prev := ch.head
		for _, a := range ch.apps {
			if prev >= 0 {
				g.add(prev, a, edgeChain, r, 0)
			}
			prev = a
		}
	}
	var vc *clocks
	for round := int32(1); ; round++ {
		order, acyclic := g.topo(m)
		if m.out() {
			return nil, false
		}
		if !acyclic {
			cycle := g.shortestCycle(m, 1<<30)
			return c.explain(g, cycle, ix.clients[p], m), true
		}
		vc = c.clocks(g, order, vc, m)
		changed := false
		for _, r := range reads {
			ch := ix.reads[r][0]
			k := ix.key[r]
			m.at(ix.keys[k])
			for l := range ix.lanes {
				w := c.lastUnseen(l, k, vc.lim(r, l), ch.has)
				m.spend(1)
				switch {
				case w < 0:
				case ch.head < 0:
					return c.initReversal(g, w, r, m), true
				case c.before(vc, ch.head, w):
					g.add(w, ch.head, edgeBefore, r, round)
					path := g.path(ch.head, w, round, m)
					return c.explain(g, append(path, int32(len(g.edges)-1)), ix.clients[p], m), true
				case c.before(vc, w, ch.head):
				default:
					g.add(w, ch.head, edgeBefore, r, round)
					changed = true
				}
			}
		}
		if m.out() {
			return nil, false
		}
		if !changed {
			return nil, true
		}
	}
}

// initReversal: r read the initial value (or only appends) of a key, yet w,
// a write of the key it did not see, is in its causal past.
func (c *coGraph) initReversal(g *graph, w, r int32, m *meter) *Anomaly {
	ix, h := c.ix, c.ix.h
	summary := fmt.Sprintf("ops[%d] returned %s without ops[%d], a write of %s in its causal past", r, quoteShort(h[r].Values[0]), w, h[r].Key)
	if h[w].Client != h[r].Client {
		summary += ": it saw an effect without its cause"
	}
	ab := newAnomaly(h, KindCausalReversal, h[r].Key, summary)
	ab.step(int(w), "the cause, never seen by ops[%d]", r)
	if p := g.path(w, r, 1<<30, m); p != nil {
		(&explainer{ix: ix, g: g, n: int32(len(h)), m: m, ab: ab}).explainPath(p)
	}
	ab.step(int(r), "returned a value without ops[%d]", w)
	return ab.build()
}

func (c *coGraph) explain(g *graph, cycle []int32, session string, m *meter) *Anomaly {
	ix := c.ix
	x := &explainer{ix: ix, g: g, n: int32(len(ix.h)), m: m}
	kind := KindNoOrder
	before, other := 0, 0
	for _, ei := range cycle {
		switch g.edges[ei].kind {
		case edgeBefore:
			before++
		case edgeChain:
			other++
		}
	}
	if before == 1 && other == 0 {
		kind = KindCausalReversal
	}
	if before > 1 && other == 0 {
		// Only reads of this session forced the cycle: it saw values go
		// back and forth.
		kind = KindNonMonotonicRead
	}
	x.ab = newAnomaly(ix.h, kind, cycleKey(ix, g, cycle), "")
	x.cycle(cycle)
	a := x.ab.build()
	a.Summary = x.summary(fmt.Sprintf("session %s has no view of the writes that respects causality and explains its reads", session))
	return a
}

// cycleKey names the key when every op of the cycle is on it.
func cycleKey(ix *index, g *graph, cycle []int32) string {
	key := int32(-2)
	for _, ei := range cycle {
		e := g.edges[ei]
		for _, v := range []int32{e.from, e.to} {
			if int(v) >= len(ix.h) {
				continue
			}
			switch {
			case key == -2:
				key = ix.key[v]
			case key != ix.key[v]:
				return ""
			}
		}
	}
	if key < 0 {
		return ""
	}
	return ix.keys[key]
}
