package consistency

import "slices"

// edgeKind says why one operation must come before another. Anomalies are
// explained edge by edge, so every edge keeps its reason.
type edgeKind uint8

const (
	edgePO      edgeKind = iota // program order of one session
	edgeRT                      // real time: the first completed before the second began
	edgeRF                      // reads-from: the write is in the value the read returned
	edgeChain                   // the value read by why shows the first write applied before the second
	edgeFR                      // the read (from) returned a value without the write (to), which follows its chain
	edgeInit                    // the reads of the initial value come before every write of the key
	edgeBefore                  // derived: the write (from) must precede the head (to) of the value read by why
	edgeBlock                   // derived: one value's reads all precede the next value's write (key order)
	edgeVia                     // bookkeeping edge to or from a virtual node
	edgeSession                 // a session guarantee orders the two writes (why names the guarantee's op)
)

// edge is from → to with its reason. why is an op index (usually the read
// that forced the edge) or -1; round is the saturation round that derived
// it (0 for edges given up front), so an explanation only uses older edges.
type edge struct {
	from, to int32
	kind     edgeKind
	why      int32
	round    int32
	aux      int32 // a second op that explains the edge, plus one (0: none)
}

// graph is a directed graph over ops (0..n-1) and virtual nodes (n..).
type graph struct {
	nodes int
	edges []edge
	// out is a CSR adjacency built by freeze: the edges leaving v are
	// adj[start[v]:start[v+1]], as indices into edges.
	start []int32
	adj   []int32
	dirty bool
	vis   visited // scratch for the searches
}

func newGraph(nodes int) *graph { return &graph{nodes: nodes, dirty: true} }

func (g *graph) add(from, to int32, kind edgeKind, why int32, round int32) {
	g.edges = append(g.edges, edge{from: from, to: to, kind: kind, why: why, round: round})
	g.dirty = true
}

// addAux adds an edge with a second explaining op.
func (g *graph) addAux(from, to int32, kind edgeKind, why, aux int32, round int32) {
	g.edges = append(g.edges, edge{from: from, to: to, kind: kind, why: why, round: round, aux: aux + 1})
	g.dirty = true
}

func (g *graph) addNode() int32 {
	g.nodes++
	g.dirty = true
	return int32(g.nodes - 1)
}

func (g *graph) freeze() {
	if !g.dirty {
		return
	}
	g.start = make([]int32, g.nodes+1)
	for _, e := range g.edges {
		g.start[e.from+1]++
	}
	for v := 0; v < g.nodes; v++ {
		g.start[v+1] += g.start[v]
	}
	g.adj = make([]int32, len(g.edges))
	fill := slices.Clone(g.start[:g.nodes])
	for i, e := range g.edges {
		g.adj[fill[e.from]] = int32(i)
		fill[e.from]++
	}
	g.dirty = false
}

func (g *graph) out(v int32) []int32 { return g.adj[g.start[v]:g.start[v+1]] }

// topo returns a topological order, or false if the graph has a cycle (or
// the meter ran out). Ties go to the lowest node, so the order is a function
// of the graph alone.
func (g *graph) topo(m *meter) ([]int32, bool) {
	g.freeze()
	indeg := make([]int32, g.nodes)
	for _, e := range g.edges {
		indeg[e.to]++
	}
	order := make([]int32, 0, g.nodes)
	for v := range g.nodes {
		if indeg[v] == 0 {
			order = append(order, int32(v))
		}
	}
	for k := 0; k < len(order); k++ {
		v := order[k]
		out := g.out(v)
		if !m.spend(int64(len(out)) + 1) {
			return nil, false
		}
		for _, ei := range out {
			w := g.edges[ei].to
			if indeg[w]--; indeg[w] == 0 {
				order = append(order, w)
			}
		}
	}
	return order, len(order) == g.nodes
}

// shortestCycle returns the edges of a short cycle, or nil if there is none.
// It trims the graph to its cyclic core and searches, from up to 64 core
// nodes in increasing order, the shortest cycle through each, and on past
// 64 until it finds one: a core node may lie between cycles, on none.
func (g *graph) shortestCycle(m *meter, maxRound int32) []int32 {
	g.freeze()
	alive := make([]bool, g.nodes)
	indeg, outdeg := make([]int32, g.nodes), make([]int32, g.nodes)
	for v := range alive {
		alive[v] = true
	}
	use := func(e edge) bool { return e.round <= maxRound }
	for _, e := range g.edges {
		if use(e) {
			indeg[e.to]++
			outdeg[e.from]++
		}
	}
	// Peel nodes with no way in or no way out.
	rev := g.reverse(maxRound)
	var queue []int32
	for v := range g.nodes {
		if indeg[v] == 0 || outdeg[v] == 0 {
			alive[v] = false
			queue = append(queue, int32(v))
		}
	}
	for len(queue) > 0 {
		v := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, ei := range g.out(v) {
			e := g.edges[ei]
			if !use(e) || !alive[e.to] {
				continue
			}
			if indeg[e.to]--; indeg[e.to] == 0 {
				alive[e.to] = false
				queue = append(queue, e.to)
			}
		}
		for _, ei := range rev.in(v) {
			e := g.edges[ei]
			if !alive[e.from] {
				continue
			}
			if outdeg[e.from]--; outdeg[e.from] == 0 {
				alive[e.from] = false
				queue = append(queue, e.from)
			}
		}
		m.spend(1)
	}
	var best []int32
	tried := 0
	for v := 0; v < g.nodes && (tried < 64 || best == nil); v++ {
		if !alive[v] || int32(v) >= int32(g.nodes) {
			continue
		}
		tried++
		if c := g.cycleThrough(int32(v), alive, m, maxRound); c != nil && (best == nil || len(c) < len(best)) {
			best = c
		}
		if m.out() {
			break
		}
	}
	return best
}

// cycleThrough is a breadth-first search for the shortest way from v back
// to v, within alive nodes.
func (g *graph) cycleThrough(v int32, alive []bool, m *meter, maxRound int32) []int32 {
	via := g.visits()
	defer via.reset()
	queue := []int32{v}
	for k := 0; k < len(queue); k++ {
		u := queue[k]
		for _, ei := range g.out(u) {
			e := g.edges[ei]
			if e.round > maxRound || !alive[e.to] {
				continue
			}
			m.spend(1)
			if e.to == v {
				path := []int32{ei}
				for x := u; x != v; x = g.edges[via.edge[x]].from {
					path = append(path, via.edge[x])
				}
				slices.Reverse(path)
				return path
			}
			if !via.seen(e.to) {
				via.mark(e.to, ei)
				queue = append(queue, e.to)
			}
		}
	}
	return nil
}

// path returns the edges of a shortest path from a to b using edges of at
// most maxRound, or nil.
func (g *graph) path(a, b int32, maxRound int32, m *meter) []int32 {
	g.freeze()
	if a == b {
		return []int32{}
	}
	via := g.visits()
	defer via.reset()
	via.mark(a, -1)
	queue := []int32{a}
	for k := 0; k < len(queue); k++ {
		u := queue[k]
		for _, ei := range g.out(u) {
			e := g.edges[ei]
			if e.round > maxRound || via.seen(e.to) {
				continue
			}
			m.spend(1)
			via.mark(e.to, ei)
			if e.to == b {
				var p []int32
				for x := b; x != a; x = g.edges[via.edge[x]].from {
					p = append(p, via.edge[x])
				}
				slices.Reverse(p)
				return p
			}
			queue = append(queue, e.to)
		}
	}
	return nil
}

// visited records, for one search, the edge that first reached each node.
// Searches run thousands of times over graphs of up to millions of nodes,
// so the arrays are the graph's, kept between searches, and a search
// clears only the nodes it touched.
type visited struct {
	edge    []int32 // by node: the edge that reached it, when seen
	on      []bool
	touched []int32
}

// visits returns the graph's visited set, empty and sized to its nodes.
func (g *graph) visits() *visited {
	v := &g.vis
	if len(v.on) < g.nodes {
		v.edge, v.on = make([]int32, g.nodes), make([]bool, g.nodes)
	}
	return v
}

func (v *visited) seen(n int32) bool { return v.on[n] }

func (v *visited) mark(n, edge int32) {
	v.on[n], v.edge[n] = true, edge
	v.touched = append(v.touched, n)
}

func (v *visited) reset() {
	for _, n := range v.touched {
		v.on[n] = false
	}
	v.touched = v.touched[:0]
}

// revIndex lists the edges entering each node.
type revIndex struct {
	start []int32
	adj   []int32
}

func (r revIndex) in(v int32) []int32 { return r.adj[r.start[v]:r.start[v+1]] }

func (g *graph) reverse(maxRound int32) revIndex {
	r := revIndex{start: make([]int32, g.nodes+1)}
	for _, e := range g.edges {
		if e.round <= maxRound {
			r.start[e.to+1]++
		}
	}
	for v := 0; v < g.nodes; v++ {
		r.start[v+1] += r.start[v]
	}
	r.adj = make([]int32, r.start[g.nodes])
	fill := slices.Clone(r.start[:g.nodes])
	for i, e := range g.edges {
		if e.round <= maxRound {
			r.adj[fill[e.to]] = int32(i)
			fill[e.to]++
		}
	}
	return r
}
