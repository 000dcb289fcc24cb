package net

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/dsimlab/dsim/protocols"
)

// The partition shapes below return the links to cut. They speak only of the
// nodes they are given: nodes outside (clients, usually) keep every link, as
// clients outside a datacenter partition still reach both sides.

// Split cuts every link between nodes of different groups, both directions.
func Split(groups ...[]protocols.NodeID) ([]Link, error) {
	if err := disjoint(groups); err != nil {
		return nil, err
	}
	var cut []Link
	for i, g := range groups {
		for j, h := range groups {
			if i == j {
				continue
			}
			for _, a := range g {
				for _, b := range h {
					cut = append(cut, Link{a, b})
				}
			}
		}
	}
	return cut, nil
}

// Isolate cuts node off from every other node of all.
func Isolate(node protocols.NodeID, all []protocols.NodeID) ([]Link, error) {
	if !slices.Contains(all, node) {
		return nil, fmt.Errorf("isolate: %s is not a server", node)
	}
	return Split([]protocols.NodeID{node}, protocols.Without(all, node))
}

// OneWay cuts the links from each node of from to each node of to, leaving
// the reverse direction up: an asymmetric partition.
func OneWay(from, to []protocols.NodeID) ([]Link, error) {
	if err := disjoint([][]protocols.NodeID{from, to}); err != nil {
		return nil, err
	}
	var cut []Link
	for _, a := range from {
		for _, b := range to {
			cut = append(cut, Link{a, b})
		}
	}
	return cut, nil
}

// Bridge splits left from right while bridge keeps its links to both sides:
// the shape in which a node that sees everyone can be elected but cannot keep
// the two halves in touch with each other.
func Bridge(left []protocols.NodeID, bridge protocols.NodeID, right []protocols.NodeID) ([]Link, error) {
	if err := disjoint([][]protocols.NodeID{left, {bridge}, right}); err != nil {
		return nil, err
	}
	return Split(left, right)
}

// Ring arranges all in a circle and keeps only the links between nodes close
// on it, so that each node (counting itself) sees a majority and no two nodes
// see the same majority.
func Ring(all []protocols.NodeID) []Link {
	n := len(all)
	need := n / 2           // neighbours each node must see for a majority with itself
	reach := (need + 1) / 2 // how far each side of the circle it sees
	var cut []Link
	for i := range all {
		for j := range all {
			d := (j - i + n) % n
			if d != 0 && min(d, n-d) > reach {
				cut = append(cut, Link{all[i], all[j]})
			}
		}
	}
	return cut
}

// RandomHalves splits all into two random groups whose sizes differ by at
// most one, and returns the groups it chose.
func RandomHalves(all []protocols.NodeID, r *rand.Rand) ([]protocols.NodeID, []protocols.NodeID) {
	return randomSplit(all, len(all)/2, r)
}

// MajorityMinority splits all into a random majority and the minority left.
func MajorityMinority(all []protocols.NodeID, r *rand.Rand) (majority, minority []protocols.NodeID) {
	minority, majority = randomSplit(all, (len(all)-1)/2, r)
	return majority, minority
}

func randomSplit(all []protocols.NodeID, k int, r *rand.Rand) ([]protocols.NodeID, []protocols.NodeID) {
	shuffled := slices.Clone(all)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	a, b := shuffled[:k], shuffled[k:]
	return protocols.SortIDs(slices.Clone(a)), protocols.SortIDs(slices.Clone(b))
}

func disjoint(groups [][]protocols.NodeID) error {
	seen := map[protocols.NodeID]bool{}
	for _, g := range groups {
		if len(g) == 0 {
			return fmt.Errorf("partition: empty group")
		}
		for _, id := range g {
			if seen[id] {
				return fmt.Errorf("partition: %s appears twice", id)
			}
			seen[id] = true
		}
	}
	return nil
}
