package synod

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
)

// This file holds the learner's side (Paxos Made Simple §2.3): acceptors
// tell every learner what they accept, and a learner that hears a phase-2
// quorum of acceptances in one ballot knows the value is chosen. A
// proposer whose round succeeded tells the learners too, and a learner
// that missed all that (lost messages, or it was down) asks the others
// until someone who knows answers.

// count records an acceptance a learner heard; a phase-2 quorum of
// acceptances in one ballot means the value is chosen. Acceptances of
// different ballots never add up, even for the same value.
func (n *node) count(from protocols.NodeID, m Accepted) {
	if !n.learner || n.known {
		return
	}
	pos := slices.Index(n.acceptors, from)
	if pos < 0 {
		return
	}
	i := slices.IndexFunc(n.votes, func(t tally[string]) bool { return t.ballot == m.Ballot })
	if i < 0 {
		n.votes = append(n.votes, tally[string]{ballot: m.Ballot, value: m.Value})
		i = len(n.votes) - 1
	}
	t := &n.votes[i]
	t.by = t.by.Add(pos)
	if t.by.Len() >= n.q2 {
		n.out.Probe(ProbeLearnedQuorum)
		n.learn(t.value)
	}
}

// handleChosen learns the value someone who knows it sent.
func (n *node) handleChosen(m Chosen) {
	if !n.learner || n.known {
		return
	}
	if n.asked {
		n.out.Probe(ProbeLearnedAsk)
	}
	n.learn(m.Value)
}

// handleAsk answers a learner's question if this node knows the outcome.
func (n *node) handleAsk(from protocols.NodeID) {
	if n.known {
		n.out.Send(from, Chosen{Value: n.knownValue})
	}
}

// ask asks every other server whether it knows the chosen value, and asks
// again later unless the answer came.
func (n *node) ask() {
	if !n.learner || n.known {
		return
	}
	n.asked = true
	for _, id := range n.servers {
		if id != n.id {
			n.out.Send(id, Ask{})
		}
	}
	n.out.SetTimer(timerAsk, n.opts.AskEvery)
}
