package multiprimary

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// Stamp orders LWW writes: the accepting server's local clock in
// milliseconds, then the writer's ID ("c1#7"), unique per write.
type Stamp struct {
	Millis int64
	Writer string
}

// Compare orders stamps by Millis, then Writer.
func (s Stamp) Compare(t Stamp) int {
	if c := cmp.Compare(s.Millis, t.Millis); c != 0 {
		return c
	}
	return cmp.Compare(s.Writer, t.Writer)
}

// String renders the stamp as 1234ms:c1#7.
func (s Stamp) String() string { return string(s.appendText(nil)) }

func (s Stamp) appendText(b []byte) []byte {
	b = strconv.AppendInt(b, s.Millis, 10)
	b = append(b, "ms:"...)
	return append(b, s.Writer...)
}

// Dot is one server's entry in a version vector.
type Dot struct {
	Node protocols.NodeID
	N    uint64
}

// VV is a version vector: per server, how many of its writes the version
// has seen. Dots are sorted by node and have N > 0.
type VV []Dot

// Get returns the vector's entry for node.
func (v VV) Get(node protocols.NodeID) uint64 {
	for _, d := range v {
		if d.Node == node {
			return d.N
		}
	}
	return 0
}

// LessEq reports whether v <= u entrywise: everything v saw, u saw.
func (v VV) LessEq(u VV) bool {
	for _, d := range v {
		if u.Get(d.Node) < d.N {
			return false
		}
	}
	return true
}

// Equal reports whether v and u are the same vector.
func (v VV) Equal(u VV) bool { return slices.Equal(v, u) }

// Merge returns the entrywise maximum of v and u.
func (v VV) Merge(u VV) VV {
	out := slices.Clone(v)
	for _, d := range u {
		i, found := slices.BinarySearchFunc(out, d.Node, func(x Dot, n protocols.NodeID) int { return protocols.Compare(x.Node, n) })
		switch {
		case !found:
			out = slices.Insert(out, i, d)
		case out[i].N < d.N:
			out[i].N = d.N
		}
	}
	return out
}

// With returns v with node's entry set to n.
func (v VV) With(node protocols.NodeID, n uint64) VV { return v.Merge(VV{{Node: node, N: n}}) }

// String renders the vector as c1:3,c2:5 (empty for the empty vector).
// It is also the context string clients carry.
func (v VV) String() string { return string(v.appendText(nil)) }

func (v VV) appendText(b []byte) []byte {
	for i, d := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, d.Node...)
		b = append(b, ':')
		b = strconv.AppendUint(b, d.N, 10)
	}
	return b
}

// ParseVV reads a vector written by String; anything malformed reads as
// the empty vector (a client's context is opaque and may be empty).
func ParseVV(s string) VV {
	var v VV
	if s == "" {
		return v
	}
	for _, part := range strings.Split(s, ",") {
		node, num, ok := strings.Cut(part, ":")
		n, err := strconv.ParseUint(num, 10, 64)
		if !ok || err != nil || n == 0 {
			return nil
		}
		v = v.With(protocols.NodeID(node), n)
	}
	return v
}

// Version is one version of a key: a value with its LWW stamp or its
// version vector, whichever the key's resolution uses.
type Version struct {
	Stamp Stamp // LWW keys
	VV    VV    // VV keys
	Value string
}

// String renders the version as 1234ms:c1#7="c1.7" or [c1:7,c2:1]="c1.7".
func (v Version) String() string { return string(v.appendText(nil)) }

func (v Version) appendText(b []byte) []byte {
	if v.VV != nil {
		b = append(b, '[')
		b = append(v.VV.appendText(b), ']')
	} else {
		b = v.Stamp.appendText(b)
	}
	b = append(b, '=')
	return strconv.AppendQuote(b, v.Value)
}

// same reports whether a and b are the same version (same stamp or vector;
// the value then agrees unless a bug made two writes collide).
func same(a, b Version) bool {
	if a.VV != nil || b.VV != nil {
		return a.VV.Equal(b.VV)
	}
	return a.Stamp == b.Stamp
}

// joinLWW returns the higher-stamped of held and v.
func joinLWW(held []Version, v Version) []Version {
	if len(held) == 0 || held[0].Stamp.Compare(v.Stamp) < 0 {
		return []Version{v}
	}
	return held
}

// joinVV adds v to the siblings held unless one of them dominates or
// equals it, and drops the siblings v dominates: the result holds every
// version no other dominates. Siblings stay sorted by vector string.
func joinVV(held []Version, v Version) []Version {
	for _, h := range held {
		if v.VV.LessEq(h.VV) {
			return held
		}
	}
	out := make([]Version, 0, len(held)+1)
	for _, h := range held {
		if !h.VV.LessEq(v.VV) {
			out = append(out, h)
		}
	}
	out = append(out, v)
	sortVersions(out)
	return out
}

func sortVersions(vs []Version) {
	slices.SortFunc(vs, func(a, b Version) int { return strings.Compare(a.VV.String(), b.VV.String()) })
}
