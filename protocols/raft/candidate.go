package raft

import "github.com/dsimlab/dsim/protocols"

// This file holds elections from the candidate's side (§5.2), with the
// thesis' pre-vote round before them (§9.6).

// electionTimeout fires when a follower heard from no leader and granted no
// vote for a whole election timeout, or when a candidate's election ended
// without a winner: either way, start a new election. When contact is
// tracked the timer first fires at the end of the contact phase, after the
// shortest election timeout, and runs on for the rest of the drawn one.
func (n *node) electionTimeout() {
	if n.role == leader {
		return // a stale timer; leaders do not time out
	}
	if n.contact {
		// An election timeout without a word from the leader: it may be
		// gone, so stop sending clients to it.
		n.contact = false
		n.leader = ""
		if rest := n.electionRest; rest > 0 {
			n.electionRest = 0
			n.out.SetTimer(timerElection, rest)
			return
		}
	}
	if !n.promotable() {
		n.idle = true // a learner or a spare never campaigns
		return
	}
	switch n.role {
	case candidate:
		n.out.Probe(ProbeSplitVote)
	case preCandidate:
		n.out.Probe(ProbePreVoteFailed)
	}
	if n.opts.PreVote {
		n.preCampaign()
		return
	}
	n.campaign()
}

// preCampaign asks the voters whether they would elect this server in the
// next term, without changing its term or its vote: only if a majority
// says yes does it run a real election (thesis §9.6). A server cut off
// from the cluster thus never inflates its term, and rejoining it deposes
// nobody.
func (n *node) preCampaign() {
	n.role = preCandidate
	n.setLeader("")
	n.resetVotes()
	n.armElection()
	if n.votes >= n.quorum() {
		n.campaign() // a single voter
		return
	}
	n.out.Probe(ProbePreVote)
	m := PreVote{Term: n.term + 1, LastIndex: n.log.lastIndex(), LastTerm: n.log.lastTerm()}
	for i, p := range n.peers {
		if n.voter[i] {
			n.out.Send(p, m)
		}
	}
}

// campaign starts an election in the next term: vote for itself, ask every
// voter, and arm a fresh random timeout in case nobody wins. The new term
// and the self-vote are persisted in this step, before any RequestVote
// leaves.
func (n *node) campaign() {
	n.setHardState(n.term+1, n.id)
	n.role = candidate
	n.setLeader("")
	n.out.Note(Voted{Term: n.term, For: n.id})
	n.resetVotes()
	n.armElection()
	if n.votes >= n.quorum() {
		n.becomeLeader() // a single voter
		return
	}
	m := RequestVote{Term: n.term, LastIndex: n.log.lastIndex(), LastTerm: n.log.lastTerm()}
	for i, p := range n.peers {
		if n.voter[i] {
			n.out.Send(p, m)
		}
	}
}

// resetVotes starts counting votes afresh, with this server's own if it
// votes in its latest configuration (thesis §4.2.2: a server removing
// itself campaigns without counting itself).
func (n *node) resetVotes() {
	if len(n.granted) != len(n.peers) {
		n.granted = make([]bool, len(n.peers))
	}
	clear(n.granted)
	n.votes = 0
	if n.selfSuffrage == Voter {
		n.votes = 1
	}
}

// handleVoteReply counts a granted vote for the current election; a
// majority makes this server leader. Replies from earlier elections,
// duplicates and replies from servers that do not vote in its
// configuration do not count.
func (n *node) handleVoteReply(from protocols.NodeID, m RequestVoteReply) {
	if n.role != candidate || m.Term != n.term || !m.Granted {
		return
	}
	if n.countVote(from) {
		n.becomeLeader()
	}
}

// handlePreVoteReply counts a granted pre-vote for the next term; a
// majority starts the real election. A refusal from a later term has
// already made this server a follower in it (node.receive).
func (n *node) handlePreVoteReply(from protocols.NodeID, m PreVoteReply) {
	if n.role != preCandidate || m.Term != n.term+1 || !m.Granted {
		return
	}
	if n.countVote(from) {
		n.campaign()
	}
}

// countVote records from's vote and reports whether a majority has now
// voted.
func (n *node) countVote(from protocols.NodeID) bool {
	i := n.peerIndex(from)
	if i < 0 || !n.voter[i] || n.granted[i] {
		return false
	}
	n.granted[i] = true
	n.votes++
	return n.votes >= n.quorum()
}
