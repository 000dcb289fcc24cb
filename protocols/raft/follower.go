package raft

import "github.com/dsimlab/dsim/protocols"

// This file holds what a server does as a voter and a follower: grant or
// refuse votes, and accept or reject AppendEntries (Figure 2's receiver
// implementations). Any role receives these; a message from a later term
// has already turned the server into a follower (node.receive).

// handleRequestVote grants a vote if the request is for the current term,
// the server has not voted for someone else in it, and the candidate's log
// is at least as up to date as its own (§5.2, §5.4.1). The vote is
// persisted in this step, so it is durable before the reply leaves.
func (n *node) handleRequestVote(from protocols.NodeID, m RequestVote) {
	free := m.Term == n.term && (n.vote == "" || n.vote == from)
	upToDate := n.log.isUpToDate(m.LastIndex, m.LastTerm)
	if free && !upToDate {
		n.out.Probe(ProbeVoteDeniedLog)
	}
	grant := free && (upToDate || n.bugs.voteWithoutLogCheck) // BUG vote-without-log-check
	if grant {
		n.vote = from
		n.armElection() // granting a vote defers this server's own candidacy
		n.out.Note(Voted{Term: n.term, For: from})
	}
	n.out.Send(from, RequestVoteReply{Term: n.term, Granted: grant})
}

// handleAppendEntries is Figure 2's AppendEntries receiver.
func (n *node) handleAppendEntries(from protocols.NodeID, m AppendEntries) {
	if m.Term < n.term {
		// A deposed leader: the reply's term tells it to step down.
		n.out.Send(from, AppendEntriesReply{Term: n.term, Index: m.PrevIndex, XLen: n.log.lastIndex()})
		return
	}
	if n.role == leader {
		// Another leader in this term: impossible in correct Raft (Election
		// Safety). Refuse it and let the monitors report the cause.
		n.out.Send(from, AppendEntriesReply{Term: n.term, Index: m.PrevIndex, XLen: n.log.lastIndex()})
		return
	}
	if n.role == candidate || n.leader != from {
		n.becomeFollower(n.term, from) // someone won this term's election
	}
	n.armElection()

	// The consistency check: our log must hold PrevIndex with PrevTerm.
	if t, ok := n.log.term(m.PrevIndex); !ok || t != m.PrevTerm {
		r := AppendEntriesReply{Term: n.term, Index: m.PrevIndex, XLen: n.log.lastIndex()}
		if ok {
			r.XTerm, r.XIndex = t, n.log.termStart(m.PrevIndex)
		}
		n.out.Send(from, r)
		return
	}

	var changed int
	var truncated bool
	if n.bugs.staleAppendTruncates && len(m.Entries) > 0 {
		// BUG stale-append-truncates: drop everything after PrevIndex, even
		// entries that match and entries this request does not cover.
		changed, truncated = m.PrevIndex+1, m.PrevIndex+len(m.Entries) < n.log.lastIndex()
		n.log.truncate(changed)
		n.log.append(m.Entries...)
	} else {
		changed, truncated = n.log.merge(m.PrevIndex, m.Entries)
	}
	switch {
	case changed > 0:
		n.persistLog(changed)
		if truncated {
			n.out.Probe(ProbeLogTruncation)
		}
	case len(m.Entries) > 0:
		n.out.Probe(ProbeStaleAppend)
	}

	// Only entries this request vouched for may be marked committed: past
	// lastNew the log may still hold entries the leader never sent.
	lastNew := m.PrevIndex + len(m.Entries)
	if c := min(m.Commit, lastNew); c > n.commit {
		n.commit = c
		n.applyCommitted()
	}
	n.out.Send(from, AppendEntriesReply{Term: n.term, Success: true, Index: lastNew})
}
