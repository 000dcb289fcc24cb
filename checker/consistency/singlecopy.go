package consistency

import (
	"math/bits"
	"slices"

	"github.com/dsimlab/dsim/checker"
)

// singleCopy is the constraint graph of the single-order models
// (sequential and linearizable): ops, plus two virtual nodes per block, the
// head node H (which precedes the block's head) and the tail node T (which
// follows every member). Every edge is necessary: it holds in every order
// that explains the history.
type singleCopy struct {
	ix *index
	bl *blocks
	g  *graph
	n  int32
}

func (s *singleCopy) hNode(b int32) int32 { return s.n + 2*b }
func (s *singleCopy) tNode(b int32) int32 { return s.n + 2*b + 1 }

// newSingleCopy builds the graph: program order (po), real-time order (rt),
// and the edges every block implies.
func newSingleCopy(ix *index, bl *blocks, po, rt bool) *singleCopy {
	n := int32(len(ix.h))
	s := &singleCopy{ix: ix, bl: bl, n: n, g: newGraph(int(n) + 2*len(bl.list))}
	g := s.g
	inKeys := make(map[int32]bool, len(bl.keys))
	for _, k := range bl.keys {
		inKeys[k] = true
	}
	if po {
		for c := range ix.clients {
			lane := ix.lanes[c]
			var prev int32 = -1
			for _, v := range lane {
				if !inKeys[ix.key[v]] {
					continue
				}
				if prev >= 0 {
					g.add(prev, v, edgePO, -1, 0)
				}
				prev = v
			}
		}
		for _, lane := range ix.lanes[len(ix.clients):] {
			w := lane[0]
			if !inKeys[ix.key[w]] {
				continue
			}
			// The last ok op of the client before w on the covered keys.
			for p := ix.pred[w]; p >= 0; p = ix.pred[p] {
				if inKeys[ix.key[p]] {
					g.add(p, w, edgePO, -1, 0)
					break
				}
			}
		}
	}
	for b := range bl.list {
		blk := &bl.list[b]
		bi := int32(b)
		if blk.head >= 0 {
			g.add(s.hNode(bi), blk.head, edgeVia, -1, 0)
			g.add(blk.head, s.tNode(bi), edgeVia, -1, 0)
		}
		prev := blk.head
		for j, a := range blk.chain {
			if prev >= 0 {
				g.add(prev, a, edgeChain, blk.by[j], 0)
			}
			g.add(a, s.tNode(bi), edgeVia, -1, 0)
			prev = a
		}
		for j, r := range blk.reads {
			l := blk.length[j]
			src := blk.head
			if l > 0 {
				src = blk.chain[l-1]
			}
			if src >= 0 {
				g.add(src, r, edgeRF, -1, 0)
			}
			if int(l) < len(blk.chain) {
				g.add(r, blk.chain[l], edgeFR, -1, 0)
			}
			g.add(r, s.tNode(bi), edgeVia, -1, 0)
		}
	}
	for b := range bl.list {
		blk := &bl.list[b]
		if ib := bl.initOf[blk.key]; ib != int32(b) {
			g.add(s.tNode(ib), s.hNode(int32(b)), edgeInit, -1, 0)
		}
	}
	if rt {
		s.addRealTime(inKeys)
	}
	return s
}

// addRealTime adds a → b whenever a completed before b began, through a
// chain of virtual nodes, one per distinct completion time, so that it costs
// O(n) edges instead of O(n²). Indeterminate ops never complete.
func (s *singleCopy) addRealTime(inKeys map[int32]bool) {
	ix, g := s.ix, s.g
	var ops []int32
	for i := range ix.h {
		if ix.eff[i] && inKeys[ix.key[i]] {
			ops = append(ops, int32(i))
		}
	}
	var rets []int64
	for _, v := range ops {
		if ix.h[v].Outcome == checker.OutcomeOK {
			rets = append(rets, ix.h[v].Return)
		}
	}
	slices.Sort(rets)
	rets = slices.Compact(rets)
	base := int32(g.nodes)
	for range rets {
		g.addNode()
	}
	for i := 1; i < len(rets); i++ {
		g.add(base+int32(i-1), base+int32(i), edgeRT, -1, 0)
	}
	for _, v := range ops {
		o := ix.h[v]
		if o.Outcome == checker.OutcomeOK {
			i, _ := slices.BinarySearch(rets, o.Return)
			g.add(v, base+int32(i), edgeRT, -1, 0)
		}
		// The last completion strictly before the call.
		if j, _ := slices.BinarySearch(rets, o.Call); j > 0 {
			g.add(base+int32(j-1), v, edgeRT, -1, 0)
		}
	}
}

// keyBlocks lists, per key, its blocks other than the initial one, and
// gives each block its index within its key (-1 for initial blocks).
func (s *singleCopy) keyBlocks() (map[int32][]int32, []int32) {
	byKey := map[int32][]int32{}
	local := make([]int32, len(s.bl.list))
	for b := range s.bl.list {
		blk := &s.bl.list[b]
		local[b] = -1
		if s.bl.initOf[blk.key] != int32(b) {
			local[b] = int32(len(byKey[blk.key]))
			byKey[blk.key] = append(byKey[blk.key], int32(b))
		}
	}
	return byKey, local
}

// reachTails computes, for every node, the set of blocks of one key whose
// tail it reaches (bit i for bs[i]), in buf (grown as needed).
func (s *singleCopy) reachTails(k int32, words int, order []int32, local []int32, buf []uint64, m *meter) ([]uint64, bool) {
	g := s.g
	need := g.nodes * words
	if cap(buf) < need {
		buf = make([]uint64, need)
	}
	reach := buf[:need]
	clear(reach)
	if !m.spend(int64(len(order)+len(g.edges)) * int64(words)) {
		return reach, false
	}
	n := s.n
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		mine := reach[int(v)*words : int(v)*words+words]
		for _, ei := range g.adj[g.start[v]:g.start[v+1]] {
			w := int(g.edges[ei].to)
			theirs := reach[w*words : w*words+words]
			for x := range mine {
				mine[x] |= theirs[x]
			}
		}
		if v >= n && (v-n)%2 == 1 {
			if b := (v - n) / 2; int(b) < len(local) && local[b] >= 0 && s.bl.list[b].key == k {
				l := local[b]
				mine[l/64] |= 1 << (l % 64)
			}
		}
	}
	return reach, true
}

// before lists, for the blocks bs of one key, which blocks must end
// before each one's head: Q is in pre[P] when Q's head reaches P's tail.
func (s *singleCopy) before(bs []int32, words int, reach []uint64) (pre, succ [][]int, indeg []int) {
	pre, succ, indeg = make([][]int, len(bs)), make([][]int, len(bs)), make([]int, len(bs))
	for qi, q := range bs {
		h := int(s.bl.list[q].head)
		r := reach[h*words : h*words+words]
		for x, word := range r {
			for word != 0 {
				pi := x*64 + bits.TrailingZeros64(word)
				word &= word - 1
				if pi != qi {
					pre[pi] = append(pre[pi], qi)
					succ[qi] = append(succ[qi], pi)
					indeg[pi]++
				}
			}
		}
	}
	return pre, succ, indeg
}

// addRealTimeWrites adds real-time order among writes only: a hint for
// stores whose writes are linearizable among themselves (as ZooKeeper's
// are), never a necessary edge for sequential consistency.
func (s *singleCopy) addRealTimeWrites() {
	ix, g := s.ix, s.g
	var ws []int32
	for i := range ix.h {
		if ix.isWrite(int32(i)) {
			ws = append(ws, int32(i))
		}
	}
	var rets []int64
	for _, v := range ws {
		if ix.h[v].Outcome == checker.OutcomeOK {
			rets = append(rets, ix.h[v].Return)
		}
	}
	slices.Sort(rets)
	rets = slices.Compact(rets)
	base := int32(g.nodes)
	for range rets {
		g.addNode()
	}
	for i := 1; i < len(rets); i++ {
		g.add(base+int32(i-1), base+int32(i), edgeRT, -1, 0)
	}
	for _, v := range ws {
		o := ix.h[v]
		if o.Outcome == checker.OutcomeOK {
			i, _ := slices.BinarySearch(rets, o.Return)
			g.add(v, base+int32(i), edgeRT, -1, 0)
		}
		if j, _ := slices.BinarySearch(rets, o.Call); j > 0 {
			g.add(base+int32(j-1), v, edgeRT, -1, 0)
		}
	}
}

// saturate adds, until nothing changes, the edges that the intervals of
// blocks force: if the head of block Q precedes any member of block P
// (of the same key), then Q's interval cannot come after P's, so every
// member of Q precedes P's head (T_Q → H_P). Each round computes, per key,
// which blocks' heads reach which blocks' tails, and adds only a transitive
// reduction of the "Q before P" facts, so a key whose values are all
// ordered gains one edge per value, not one per pair. It returns a cycle
// (the proof that no order exists) or nil at the fixpoint; ok is false
// when the meter ran out first.
func (s *singleCopy) saturate(m *meter) (cycle []int32, ok bool) {
	g := s.g
	byKey, local := s.keyBlocks()
	added := map[[2]int32]bool{}
	var buf []uint64
	for round := int32(1); ; round++ {
		order, acyclic := g.topo(m)
		if m.out() {
			return nil, false
		}
		if !acyclic {
			return g.shortestCycle(m, round), !m.out()
		}
		changed := false
		for _, k := range s.bl.keys {
			bs := byKey[k]
			if len(bs) < 2 {
				continue
			}
			m.at(s.ix.keys[k])
			words := (len(bs) + 63) / 64
			var reach []uint64
			reach, ok = s.reachTails(k, words, order, local, buf, m)
			buf = reach
			if !ok {
				return nil, false
			}
			pre, succ, indeg := s.before(bs, words, reach)
			add := func(qi, pi int) {
				e := [2]int32{bs[qi], bs[pi]}
				if !added[e] {
					added[e] = true
					g.add(s.tNode(bs[qi]), s.hNode(bs[pi]), edgeBlock, s.bl.list[bs[qi]].head, round)
					changed = true
				}
			}
			topo := kahn(indeg, succ, nil)
			if len(topo) < len(bs) {
				// A cycle among the blocks: add the facts of short ones,
				// and the next round's sort of the graph reports one.
				// (Adding every fact among the blocks made graphs of
				// hundreds of megabytes from histories of a few thousand
				// operations.)
				for _, cyc := range blockCycles(topo, pre, succ, m) {
					for i, pi := range cyc {
						add(cyc[(i+len(cyc)-1)%len(cyc)], pi)
					}
				}
				continue
			}
			// Transitive reduction: a block's immediate predecessors are
			// those no other predecessor already reaches.
			anc := make([][]uint64, len(bs))
			for _, pi := range topo {
				covered := make([]uint64, words)
				for _, qi := range pre[pi] {
					or(covered, anc[qi])
				}
				for _, qi := range pre[pi] {
					if covered[qi/64]&(1<<(qi%64)) == 0 {
						add(qi, pi)
					}
				}
				for _, qi := range pre[pi] {
					covered[qi/64] |= 1 << (qi % 64)
				}
				m.spend(int64(len(pre[pi])*words) + 1)
				anc[pi] = covered
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

// blockCycles returns short cycles of the relation succ, whose inverse is
// pre (each a list of blocks in order, the last before the first), given
// topo, a topological sort that
// stopped short: every cycle lies among the blocks it left out. It peels
// those that no cycle can pass through (no way in, or no way out, among
// the rest), then searches breadth first from up to 64 of the remaining,
// lowest first, as graph.shortestCycle does, for the shortest cycle through
// each: the graph's search then picks the shortest way round among them.
func blockCycles(topo []int, pre, succ [][]int, m *meter) [][]int {
	n := len(succ)
	alive := make([]bool, n)
	for i := range alive {
		alive[i] = true
	}
	for _, i := range topo {
		alive[i] = false
	}
	indeg, outdeg := make([]int, n), make([]int, n)
	for q := range succ {
		if !alive[q] {
			continue
		}
		for _, p := range succ[q] {
			if alive[p] {
				outdeg[q]++
				indeg[p]++
			}
		}
	}
	var queue []int
	for i := range alive {
		if alive[i] && (indeg[i] == 0 || outdeg[i] == 0) {
			alive[i] = false
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		v := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, p := range succ[v] {
			if alive[p] {
				if indeg[p]--; indeg[p] == 0 {
					alive[p] = false
					queue = append(queue, p)
				}
			}
		}
		for _, q := range pre[v] {
			if alive[q] {
				if outdeg[q]--; outdeg[q] == 0 {
					alive[q] = false
					queue = append(queue, q)
				}
			}
		}
		m.spend(int64(len(succ[v])+len(pre[v])) + 1)
	}
	var cycles [][]int
	from := make([]int, n)
	for i := range from {
		from[i] = -1
	}
	tried := 0
	for v := 0; v < n && (tried < 64 || cycles == nil) && !m.out(); v++ {
		if !alive[v] {
			continue
		}
		tried++
		var touched []int
		bfs := []int{v}
	search:
		for k := 0; k < len(bfs); k++ {
			u := bfs[k]
			for _, p := range succ[u] {
				if !alive[p] {
					continue
				}
				m.spend(1)
				if p == v {
					cyc := []int{u}
					for x := u; x != v; x = from[x] {
						cyc = append(cyc, from[x])
					}
					slices.Reverse(cyc)
					// cyc runs v ... u; u precedes v, closing it.
					cycles = append(cycles, cyc)
					break search
				}
				if from[p] < 0 && p != v {
					from[p] = u
					touched = append(touched, p)
					bfs = append(bfs, p)
				}
			}
		}
		for _, x := range touched {
			from[x] = -1
		}
	}
	return cycles
}

// kahn sorts a relation topologically; among ready nodes it takes the one
// with the least prio (then the lowest index), or the lowest index if prio
// is nil. A result shorter than the relation means a cycle.
func kahn(indeg []int, succ [][]int, prio func(int) int64) []int {
	indeg = slices.Clone(indeg)
	var ready, out []int
	for i := range indeg {
		if indeg[i] == 0 {
			ready = append(ready, i)
		}
	}
	for len(ready) > 0 {
		best := 0
		if prio != nil {
			for j := range ready {
				if a, b := ready[j], ready[best]; prio(a) < prio(b) || prio(a) == prio(b) && a < b {
					best = j
				}
			}
		}
		i := ready[best]
		ready = append(ready[:best], ready[best+1:]...)
		out = append(out, i)
		for _, p := range succ[i] {
			if indeg[p]--; indeg[p] == 0 {
				ready = append(ready, p)
			}
		}
	}
	return out
}

// explainCycle turns a cycle of this graph into an anomaly of the given
// model, naming the pattern when it is a simple one.
func (s *singleCopy) explainCycle(model Model, cycle []int32, m *meter) *Anomaly {
	x := &explainer{ix: s.ix, g: s.g, n: s.n, m: m,
		tailOfHead: func(p int32) int32 {
			if b := s.bl.of[p]; b >= 0 && s.bl.list[b].head == p {
				return s.tNode(b)
			}
			return -1
		}}
	kind, key := classify(s.ix, s.g, s.n, cycle)
	x.ab = newAnomaly(s.ix.h, kind, key, "")
	x.cycle(cycle)
	a := x.ab.build()
	a.Summary = x.summary("no " + string(model) + " order explains these operations")
	return a
}

// classify names a cycle: future-read when only program order, real time
// and reads-from close it; stale-read when exactly one "did not see" edge
// does; no-order otherwise. The key is named when every op is on one key.
func classify(ix *index, g *graph, n int32, cycle []int32) (AnomalyKind, string) {
	unseen := 0
	key := int32(-2)
	for _, ei := range cycle {
		e := g.edges[ei]
		switch e.kind {
		case edgeFR, edgeInit, edgeBefore, edgeBlock:
			unseen++
		case edgeChain:
			unseen += 2 // an order inside a value: not a simple pattern
		}
		for _, v := range []int32{e.from, e.to} {
			if v < n {
				switch {
				case key == -2:
					key = ix.key[v]
				case key != ix.key[v]:
					key = -1
				}
			}
		}
	}
	k := ""
	if key >= 0 {
		k = ix.keys[key]
	}
	switch unseen {
	case 0:
		return KindFutureRead, k
	case 1:
		return KindStaleRead, k
	}
	return KindNoOrder, k
}

// extend tries to finish the job saturation started: for each key, it
// orders the blocks totally, keeping every "Q before P" fact the graph
// implies and breaking the remaining ties by deadline, and adds those
// orders as edges. If the graph is still acyclic, a topological order of it
// is a sequential order (every block's interval is then disjoint from every
// other's, and each read sits inside its own), so the history holds. If
// not, the guesses are removed again and extend reports false.
func (s *singleCopy) extend(m *meter) bool {
	g := s.g
	mark := len(g.edges)
	undo := func() bool {
		g.edges = g.edges[:mark]
		g.dirty = true
		return false
	}
	order, acyclic := g.topo(m)
	if !acyclic {
		return undo()
	}
	// Rank every node by a topological order that takes the earliest
	// deadline first, so that the guesses for different keys agree with
	// each other and with program order.
	rank := s.rankByDeadline(deadlines(s.ix, s.bl), m)
	byKey, local := s.keyBlocks()
	var buf []uint64
	for _, k := range s.bl.keys {
		bs := byKey[k]
		if len(bs) < 2 {
			continue
		}
		words := (len(bs) + 63) / 64
		reach, ok := s.reachTails(k, words, order, local, buf, m)
		buf = reach
		if !ok {
			return undo()
		}
		_, succ, indeg := s.before(bs, words, reach)
		topo := kahn(indeg, succ, func(i int) int64 { return rank[s.bl.list[bs[i]].head] })
		if len(topo) < len(bs) {
			return undo()
		}
		for j := 1; j < len(topo); j++ {
			g.add(s.tNode(bs[topo[j-1]]), s.hNode(bs[topo[j]]), edgeVia, -1, 1<<30)
		}
	}
	if _, acyclic := g.topo(m); acyclic {
		return true
	}
	return undo()
}

// rankByDeadline numbers the nodes of the graph in a topological order
// that, among the nodes ready at each step, takes the op with the earliest
// deadline (virtual nodes first, as soon as they are ready).
func (s *singleCopy) rankByDeadline(d []int64, m *meter) []int64 {
	g := s.g
	g.freeze()
	indeg := make([]int32, g.nodes)
	for _, e := range g.edges {
		indeg[e.to]++
	}
	prio := func(v int32) int64 {
		if v >= s.n {
			return -1
		}
		return d[v]
	}
	h := &nodeHeap{prio: prio}
	for v := range g.nodes {
		if indeg[v] == 0 {
			h.push(int32(v))
		}
	}
	rank := make([]int64, g.nodes)
	for k := int64(0); h.len() > 0; k++ {
		v := h.pop()
		rank[v] = k
		out := g.out(v)
		m.spend(int64(len(out)) + 1)
		for _, ei := range out {
			w := g.edges[ei].to
			if indeg[w]--; indeg[w] == 0 {
				h.push(w)
			}
		}
	}
	return rank
}

// nodeHeap is a binary min-heap of nodes by (prio, node).
type nodeHeap struct {
	prio func(int32) int64
	xs   []int32
}

func (h *nodeHeap) len() int { return len(h.xs) }

func (h *nodeHeap) less(i, j int) bool {
	a, b := h.xs[i], h.xs[j]
	pa, pb := h.prio(a), h.prio(b)
	return pa < pb || pa == pb && a < b
}

func (h *nodeHeap) push(v int32) {
	h.xs = append(h.xs, v)
	for i := len(h.xs) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.xs[i], h.xs[p] = h.xs[p], h.xs[i]
		i = p
	}
}

func (h *nodeHeap) pop() int32 {
	top := h.xs[0]
	last := len(h.xs) - 1
	h.xs[0] = h.xs[last]
	h.xs = h.xs[:last]
	for i := 0; ; {
		l, r, min := 2*i+1, 2*i+2, i
		if l < len(h.xs) && h.less(l, min) {
			min = l
		}
		if r < len(h.xs) && h.less(r, min) {
			min = r
		}
		if min == i {
			break
		}
		h.xs[i], h.xs[min] = h.xs[min], h.xs[i]
		i = min
	}
	return top
}
