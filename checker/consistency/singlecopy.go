package consistency

import (
	"cmp"
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

// saturate adds, until nothing changes, the edges that the intervals of
// blocks force: if the head of block Q precedes any member of block P
// (of the same key), then Q's interval cannot come after P's, so every
// member of Q precedes P's head (T_Q → H_P). It returns a cycle (the proof
// that no order exists) or nil at the fixpoint; ok is false when the meter
// ran out first.
func (s *singleCopy) saturate(m *meter) (cycle []int32, ok bool) {
	g := s.g
	byKey := map[int32][]int32{}
	for b := range s.bl.list {
		blk := &s.bl.list[b]
		if s.bl.initOf[blk.key] != int32(b) {
			byKey[blk.key] = append(byKey[blk.key], int32(b))
		}
	}
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
			words := (len(bs) + 63) / 64
			if !m.spend(int64(g.nodes) * int64(words) * 2) {
				return nil, false
			}
			local := make(map[int32]int, len(bs)) // block -> bit
			for i, b := range bs {
				local[b] = i
			}
			reachT := make([]uint64, g.nodes*words)
			reachH := make([]uint64, g.nodes*words)
			for k := len(order) - 1; k >= 0; k-- {
				v := order[k]
				rt, rh := reachT[int(v)*words:int(v+1)*words], reachH[int(v)*words:int(v+1)*words]
				out := g.out(v)
				if !m.spend(int64(len(out)) * int64(words)) {
					return nil, false
				}
				for _, ei := range out {
					w := g.edges[ei].to
					wt, wh := reachT[int(w)*words:int(w+1)*words], reachH[int(w)*words:int(w+1)*words]
					for x := range words {
						rt[x] |= wt[x]
						rh[x] |= wh[x]
					}
				}
				if v >= s.n {
					b := (v - s.n) / 2
					if i, mine := local[b]; mine {
						if (v-s.n)%2 == 1 {
							rt[i/64] |= 1 << (i % 64)
						} else {
							rh[i/64] |= 1 << (i % 64)
						}
					}
				}
			}
			has := func(set []uint64, v int32, i int) bool {
				return set[int(v)*words+i/64]&(1<<(i%64)) != 0
			}
			if !m.spend(int64(len(bs)) * int64(len(bs))) {
				return nil, false
			}
			for qi, q := range bs {
				qHead, qTail := s.bl.list[q].head, s.tNode(q)
				for pi, p := range bs {
					if pi == qi || !has(reachT, qHead, pi) || has(reachH, qTail, pi) {
						continue
					}
					g.add(qTail, s.hNode(p), edgeBlock, qHead, round)
					changed = true
				}
			}
		}
		if !changed {
			return nil, true
		}
	}
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

// sortByCall orders ops by invocation, then index.
func sortByCall(h []Op, ops []int32) {
	slices.SortFunc(ops, func(a, b int32) int {
		return cmp.Or(cmp.Compare(h[a].Call, h[b].Call), cmp.Compare(a, b))
	})
}
