package consistency

import (
	"fmt"
	"strings"
)

// link is one step of an explanation: op from must come before op to, for
// the reason of the edge that says so.
type link struct {
	from, to int32
	kind     edgeKind
	why      int32
	round    int32
	aux      int32
}

// explainer turns paths of a constraint graph into anomaly steps. Nodes
// below n are ops; others are virtual and never shown.
type explainer struct {
	ix    *index
	g     *graph
	n     int32
	m     *meter
	ab    *anomalyBuilder
	links []string // the cycle, as "ops[a] → ops[b] (reason)"
	depth int
	// visible, when set, says why a read must see a write (a session
	// guarantee), for edgeBefore edges that no path justifies.
	visible string
	// auxNote describes an edge's second explaining op (with the
	// edge's source op as argument).
	auxNote string
	// tailOfHead maps the head op of a value to the virtual node its
	// interval ends in, so that an edgeBlock can be justified; -1 if none.
	tailOfHead func(p int32) int32
}

// ops turns a path of edges into links between consecutive ops.
func (x *explainer) opLinks(path []int32) []link {
	var out []link
	prev, kind, why, round, aux := int32(-1), edgeVia, int32(-1), int32(0), int32(0)
	for k, ei := range path {
		e := x.g.edges[ei]
		if k == 0 {
			prev = e.from
		}
		if kind == edgeVia && e.kind != edgeVia {
			kind, why, round, aux = e.kind, e.why, e.round, e.aux
		}
		if e.to < x.n {
			out = append(out, link{from: prev, to: e.to, kind: kind, why: why, round: round, aux: aux})
			prev, kind, why, round, aux = e.to, edgeVia, -1, 0, 0
		}
	}
	return out
}

// cycle explains a cycle: every link gets a note, derived links are
// justified by older paths, and the summary lists the cycle in order.
func (x *explainer) cycle(path []int32) {
	links := x.opLinks(rotateToOp(x.g, path, x.n))
	for _, l := range links {
		x.links = append(x.links, fmt.Sprintf("ops[%d] before ops[%d] (%s)", l.from, l.to, x.reason(l)))
		x.explain(l)
	}
}

// rotateToOp starts a cycle at an op node, so that the first link has a
// real op to start from.
func rotateToOp(g *graph, path []int32, n int32) []int32 {
	for k, ei := range path {
		if g.edges[ei].from < n {
			return append(append([]int32{}, path[k:]...), path[:k]...)
		}
	}
	return path
}

// explainPath adds the notes of an ordinary path (used to justify a derived
// link), without adding it to the summary.
func (x *explainer) explainPath(path []int32) {
	if x.depth > 6 {
		return
	}
	x.depth++
	for _, l := range x.opLinks(path) {
		x.explain(l)
	}
	x.depth--
}

func (x *explainer) explain(l link) {
	h := x.ix.h
	a, b := int(l.from), int(l.to)
	x.ab.step(a, "")
	switch l.kind {
	case edgePO:
		x.ab.step(b, "follows ops[%d] in session %s", a, h[b].Client)
	case edgeRT:
		x.ab.step(b, "began after ops[%d] completed", a)
	case edgeRF:
		x.ab.step(b, "read the value of ops[%d]", a)
	case edgeChain:
		x.ab.step(b, "applied after ops[%d], as the value ops[%d] read shows", a, l.why)
		x.ab.step(int(l.why), "")
	case edgeFR:
		x.ab.step(a, "its value lacks ops[%d], so it came before ops[%d] was applied", b, b)
		x.ab.step(b, "")
	case edgeInit:
		x.ab.step(b, "writes %s, so it comes after ops[%d], which read %s's initial value", h[b].Key, a, h[b].Key)
	case edgeBefore:
		r := l.why
		x.ab.step(int(r), "read ops[%d]'s value without ops[%d]'s effect", b, a)
		if x.visible != "" {
			x.ab.step(a, "must be visible to ops[%d] (%s), so it was applied before ops[%d]", r, x.visible, b)
			if l.aux > 0 {
				x.ab.step(int(l.aux-1), x.auxNote, a)
			}
			break
		}
		x.ab.step(a, "precedes ops[%d], so it must have been applied before ops[%d]", r, b)
		if p := x.g.path(l.from, r, l.round-1, x.m); p != nil {
			x.explainPath(p)
		}
	case edgeBlock:
		q := l.why
		x.ab.step(int(q), "")
		var path []int32
		if tail := x.tailOf(l.to); tail >= 0 {
			path = x.g.path(q, tail, l.round-1, x.m)
		}
		mbr := int32(-1)
		for _, ei := range path {
			if e := x.g.edges[ei]; e.to < x.n {
				mbr = e.to
			}
		}
		switch {
		case mbr < 0 || mbr == l.to:
			x.ab.step(b, "written after every read of ops[%d]'s value, since ops[%d] precedes it", q, q)
		case h[mbr].Kind == "get":
			x.ab.step(b, "written after every read of ops[%d]'s value, since ops[%d] precedes ops[%d], which reads ops[%d]'s value", q, q, mbr, b)
		default:
			x.ab.step(b, "written after every read of ops[%d]'s value, since ops[%d] precedes ops[%d], which was applied on top of ops[%d]", q, q, mbr, b)
		}
		if path != nil {
			x.explainPath(path)
		}
	case edgeSession:
		if l.why >= 0 {
			x.ab.step(b, "must be ordered after ops[%d], which its session read (ops[%d]) before writing it", a, l.why)
			x.ab.step(int(l.why), "")
		} else {
			x.ab.step(b, "must be ordered after ops[%d], the earlier write of session %s", a, h[b].Client)
		}
	default:
		x.ab.step(b, "after ops[%d]", a)
	}
}

func (x *explainer) reason(l link) string {
	switch l.kind {
	case edgePO:
		return "program order"
	case edgeRT:
		return "real time"
	case edgeRF:
		return "reads from"
	case edgeChain:
		return fmt.Sprintf("order in the value read by ops[%d]", l.why)
	case edgeFR:
		return "the read did not see the write"
	case edgeInit:
		return "the initial value was read first"
	case edgeBefore:
		if x.visible != "" {
			return fmt.Sprintf("ops[%d] must see it but read a later value without it", l.why)
		}
		return fmt.Sprintf("ops[%d] read a later value without it", l.why)
	case edgeBlock:
		return fmt.Sprintf("ops[%d]'s value must be over before this write", l.why)
	case edgeSession:
		return "session guarantee"
	}
	return "order"
}

func (x *explainer) summary(prefix string) string {
	return prefix + ": " + strings.Join(x.links, ", ")
}

func (x *explainer) tailOf(p int32) int32 {
	if x.tailOfHead == nil {
		return -1
	}
	return x.tailOfHead(p)
}
