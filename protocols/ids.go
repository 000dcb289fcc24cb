package protocols

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// NodeID names a node. Servers are n1, n2, ...; clients are c1, c2, ...
// IDs sort naturally: n2 before n10.
type NodeID string

// Compare orders IDs by their letter prefix, then by their number, so that
// n2 sorts before n10; IDs without a number compare as strings.
func Compare(a, b NodeID) int {
	pa, na, oka := split(a)
	pb, nb, okb := split(b)
	if !oka || !okb || pa != pb {
		return cmp.Compare(a, b)
	}
	return cmp.Compare(na, nb)
}

func split(id NodeID) (prefix string, n int, ok bool) {
	i := len(id)
	for i > 0 && id[i-1] >= '0' && id[i-1] <= '9' {
		i--
	}
	if i == len(id) || i == 0 {
		return string(id), 0, false
	}
	v, err := strconv.Atoi(string(id[i:]))
	return string(id[:i]), v, err == nil
}

// SortIDs sorts ids in natural order, in place, and returns them.
func SortIDs(ids []NodeID) []NodeID {
	slices.SortFunc(ids, Compare)
	return ids
}

// Servers returns the IDs n1..nN.
func Servers(n int) []NodeID { return numbered("n", n) }

// Clients returns the IDs c1..cN.
func Clients(n int) []NodeID { return numbered("c", n) }

func numbered(prefix string, n int) []NodeID {
	ids := make([]NodeID, n)
	for i := range ids {
		ids[i] = NodeID(fmt.Sprintf("%s%d", prefix, i+1))
	}
	return ids
}

// Without returns ids minus self, keeping order.
func Without(ids []NodeID, self NodeID) []NodeID {
	out := make([]NodeID, 0, len(ids))
	for _, id := range ids {
		if id != self {
			out = append(out, id)
		}
	}
	return out
}

// Quorum returns the size of a majority of n nodes.
func Quorum(n int) int { return n/2 + 1 }
