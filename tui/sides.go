package tui

import (
	"cmp"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// partition is the network's cut links read as sides, for the nodes panel.
type partition struct {
	label  map[protocols.NodeID]string // "A", "B", "A+B" (a bridge), "" when nothing is cut
	oneWay map[protocols.NodeID]bool   // the node has a link cut in one direction only
	cut    map[net.Link]bool
}

// sides reads the cut links as the sides of a partition. Two servers are on
// one side when they can talk both ways; sides are grown greedily in node
// order, so a clean split gives exactly its groups, and a node that can
// also talk to every member of another side (a bridge) is labelled with
// both. A client gets a label only if one of its own links is cut.
//
// Letters follow order, the groups of the `partition g1 | g2` fault that
// made the cut, when every side lies within one of them: the first group
// is A, as the scenario file reads. Otherwise (isolate, shapes, one-way
// cuts) the largest side is A, so an isolated node is B or later.
func sides(servers, clients []protocols.NodeID, cuts []net.Link, order [][]protocols.NodeID) partition {
	p := partition{label: map[protocols.NodeID]string{}, oneWay: map[protocols.NodeID]bool{}, cut: map[net.Link]bool{}}
	for _, l := range cuts {
		p.cut[l] = true
	}
	if len(cuts) == 0 {
		return p
	}
	both := func(a, b protocols.NodeID) bool {
		return !p.cut[net.Link{From: a, To: b}] && !p.cut[net.Link{From: b, To: a}]
	}
	for _, l := range cuts {
		if !p.cut[net.Link{From: l.To, To: l.From}] {
			p.oneWay[l.From], p.oneWay[l.To] = true, true
		}
	}
	var groups [][]protocols.NodeID
	placed := map[protocols.NodeID]bool{}
	for i, a := range servers {
		if placed[a] {
			continue
		}
		g := []protocols.NodeID{a}
		placed[a] = true
		for _, b := range servers[i+1:] {
			if !placed[b] && !slices.ContainsFunc(g, func(x protocols.NodeID) bool { return !both(x, b) }) {
				g = append(g, b)
				placed[b] = true
			}
		}
		groups = append(groups, g)
	}
	if len(groups) < 2 {
		// Cuts touch only clients: servers are all one side, left unlabelled.
		groups = nil
	}
	if rank, ok := groupRank(groups, order); ok {
		slices.SortStableFunc(groups, func(a, b []protocols.NodeID) int { return cmp.Compare(rank(a), rank(b)) })
	} else {
		slices.SortStableFunc(groups, func(a, b []protocols.NodeID) int { return cmp.Compare(len(b), len(a)) })
	}
	reaches := func(id protocols.NodeID) []string {
		var out []string
		for gi, g := range groups {
			if !slices.ContainsFunc(g, func(x protocols.NodeID) bool { return x != id && !both(x, id) }) {
				out = append(out, string(rune('A'+gi%26)))
			}
		}
		return out
	}
	for gi, g := range groups {
		own := string(rune('A' + gi%26))
		for _, id := range g {
			labels := []string{own}
			for _, l := range reaches(id) {
				if l != own {
					labels = append(labels, l)
				}
			}
			p.label[id] = strings.Join(labels, "+")
		}
	}
	for _, c := range clients {
		if !slices.ContainsFunc(cuts, func(l net.Link) bool { return l.From == c || l.To == c }) {
			continue
		}
		if r := reaches(c); len(r) > 0 {
			p.label[c] = strings.Join(r, "+")
		} else {
			p.label[c] = "none"
		}
	}
	return p
}

// groupRank ranks each side by the fault group it lies within, if every
// side lies within one.
func groupRank(sides, order [][]protocols.NodeID) (func([]protocols.NodeID) int, bool) {
	if len(order) == 0 {
		return nil, false
	}
	of := map[protocols.NodeID]int{}
	for i, g := range order {
		for _, id := range g {
			of[id] = i
		}
	}
	for _, side := range sides {
		r, ok := of[side[0]]
		for _, id := range side {
			if gi, in := of[id]; !in || gi != r {
				ok = false
			}
		}
		if !ok {
			return nil, false
		}
	}
	return func(side []protocols.NodeID) int { return of[side[0]] }, true
}

// cannot lists, for the detail pane, whom id cannot send to and cannot hear
// from.
func (p partition) cannot(id protocols.NodeID, all []protocols.NodeID) (sendTo, hearFrom []string) {
	for _, o := range all {
		if o == id {
			continue
		}
		if p.cut[net.Link{From: id, To: o}] {
			sendTo = append(sendTo, string(o))
		}
		if p.cut[net.Link{From: o, To: id}] {
			hearFrom = append(hearFrom, string(o))
		}
	}
	return sendTo, hearFrom
}
