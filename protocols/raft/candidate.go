package raft

import "github.com/dsimlab/dsim/protocols"

// This file holds elections from the candidate's side (§5.2).

// electionTimeout fires when a follower heard from no leader and granted no
// vote for a whole election timeout, or when a candidate's election ended
// without a winner: either way, start a new election.
func (n *node) electionTimeout() {
	switch n.role {
	case leader:
		return // a stale timer; leaders do not time out
	case candidate:
		n.out.Probe(ProbeSplitVote)
	}
	n.campaign()
}

// campaign starts an election in the next term: vote for itself, ask every
// peer, and arm a fresh random timeout in case nobody wins. The new term
// and the self-vote are persisted in this step, before any RequestVote
// leaves.
func (n *node) campaign() {
	n.term++
	n.vote = n.id
	n.role = candidate
	n.setLeader("")
	n.out.Note(Voted{Term: n.term, For: n.id})
	n.granted = make([]bool, len(n.peers))
	n.votes = 1
	n.armElection()
	if n.votes >= n.quorum() {
		n.becomeLeader() // a single-server cluster
		return
	}
	n.out.Broadcast(n.peers, RequestVote{Term: n.term, LastIndex: n.log.lastIndex(), LastTerm: n.log.lastTerm()})
}

// handleVoteReply counts a granted vote for the current election; a
// majority makes this server leader. Replies from earlier elections and
// duplicates do not count.
func (n *node) handleVoteReply(from protocols.NodeID, m RequestVoteReply) {
	if n.role != candidate || m.Term != n.term || !m.Granted {
		return
	}
	i := n.peerIndex(from)
	if i < 0 || n.granted[i] {
		return
	}
	n.granted[i] = true
	n.votes++
	if n.votes >= n.quorum() {
		n.becomeLeader()
	}
}
