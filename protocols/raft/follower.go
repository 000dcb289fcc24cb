package raft

import "github.com/dsimlab/dsim/protocols"

// This file holds what a server does as a voter and a follower: grant or
// refuse votes and pre-votes, and accept or reject AppendEntries (Figure
// 2's receiver implementations). Any role receives these; a message from a
// later term has already turned the server into a follower (node.receive).

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
		n.setHardState(n.term, from)
		n.armElection() // granting a vote defers this server's own candidacy
		n.out.Note(Voted{Term: n.term, For: from})
	}
	n.out.Send(from, RequestVoteReply{Term: n.term, Granted: grant})
}

// handlePreVote says whether this server would vote for the sender in the
// term after the sender's (thesis §9.6): if that term is later than its own,
// the sender's log is at least as up to date as its own, and it has not
// heard from a leader within an election timeout. It changes neither its
// term nor its vote, and persists nothing. Whether the sender is in this
// server's configuration does not matter: that configuration may be stale,
// refusing servers outside it deadlocked elections for good, and a
// removed server is refused anyway while a leader is heard (design.md,
// "Membership changes").
func (n *node) handlePreVote(from protocols.NodeID, m PreVote) {
	grant := m.Term > n.term && (n.log.isUpToDate(m.LastIndex, m.LastTerm) || n.bugs.voteWithoutLogCheck)
	if grant && n.inLease() {
		n.out.Probe(ProbePreVoteDeniedLeader)
		grant = false
	}
	if grant {
		n.out.Send(from, PreVoteReply{Term: m.Term, Granted: true})
		return
	}
	n.out.Send(from, PreVoteReply{Term: n.term})
}

// handleAppendEntries is Figure 2's AppendEntries receiver.
func (n *node) handleAppendEntries(from protocols.NodeID, m *AppendEntries) {
	if m.Term < n.term {
		// A deposed leader: the reply's term tells it to step down.
		n.replyAppend(from, AppendEntriesReply{Term: n.term, Index: m.PrevIndex, XLen: n.log.lastIndex(), Round: m.Round})
		return
	}
	if n.role == leader {
		// Another leader in this term: impossible in correct Raft (Election
		// Safety). Refuse it and let the monitors report the cause.
		n.replyAppend(from, AppendEntriesReply{Term: n.term, Index: m.PrevIndex, XLen: n.log.lastIndex(), Round: m.Round})
		return
	}
	if n.role != follower || !protocols.SameString(n.leader, from) {
		n.becomeFollower(n.term, from) // someone won this term's election
	}
	n.heardFromLeader()

	prev, prevTerm, entries, digests := m.PrevIndex, m.PrevTerm, m.Entries, m.chain
	if base := n.log.base; prev < base {
		// The request starts inside this server's snapshot, whose entries
		// are committed and so match the leader's: skip them.
		skip := base - prev
		if skip >= len(entries) {
			n.replySuccess(from, base, m.Round)
			return
		}
		prev, prevTerm, entries = base, entries[skip-1].Term, entries[skip:]
		if digests != nil {
			digests = digests[skip:]
		}
	}

	// The consistency check: our log must hold PrevIndex with PrevTerm.
	if t, ok := n.log.term(prev); !ok || t != prevTerm {
		r := AppendEntriesReply{Term: n.term, Index: prev, XLen: n.log.lastIndex(), Round: m.Round}
		if ok {
			r.XTerm, r.XIndex = t, n.log.termStart(prev)
		}
		n.replyAppend(from, r)
		return
	}

	var changed int
	var truncated bool
	if n.bugs.staleAppendTruncates && len(entries) > 0 {
		// BUG stale-append-truncates: drop everything after PrevIndex, even
		// entries that match and entries this request does not cover.
		changed, truncated = prev+1, prev+len(entries) < n.log.lastIndex()
		n.log.truncate(changed)
		n.log.append(entries...)
	} else {
		changed, truncated = n.log.merge(prev, entries, digests, m.homeChunk())
	}
	switch {
	case changed > 0:
		// Either way the log holds the request's entries from changed on.
		n.persistLogAs(changed, entries[changed-prev-1:], m.rec)
		n.refreshConfig()
		if truncated {
			n.out.Probe(ProbeLogTruncation)
		}
	case len(entries) > 0:
		n.out.Probe(ProbeStaleAppend)
	}

	// Only entries this request vouched for may be marked committed: past
	// lastNew the log may still hold entries the leader never sent.
	lastNew := prev + len(entries)
	if c := min(m.Commit, lastNew); c > n.commit {
		n.commit = c
		if n.pendingConf && n.commit >= n.log.lastConfIndex() {
			n.refreshTargets()
		}
		n.applyCommitted()
	}
	n.replySuccess(from, lastNew, m.Round)
}

// replyAppend sends an AppendEntriesReply, as a pointer into the server's
// slab of them: the reply to every AppendEntries would otherwise be an
// allocation of its own. A reply equal to the last one sent (a heartbeat
// answered like the one before) is that one again: a message is never
// changed once sent, so sharing it is safe.
func (n *node) replyAppend(to protocols.NodeID, r AppendEntriesReply) {
	if last := n.lastReply; last == nil || !sameReply(last, &r) {
		n.lastReply = n.replies.Put(r)
	}
	n.out.Send(to, n.lastReply)
}

// replySuccess is replyAppend of a success at index, in round, of this
// server's term: the reply to nearly every AppendEntries, compared with the
// last one sent and built in its slot in place rather than on the stack
// and copied. A success has no backup hints, and every success is sent
// here, so a last reply that is a success has none either: the fields
// compared are all that can differ.
func (n *node) replySuccess(to protocols.NodeID, index int, round uint64) {
	r := n.lastReply
	if r == nil || !r.Success || r.Index != index || r.Round != round || r.Term != n.term {
		r = n.replies.Next()
		r.Term, r.Success, r.Index, r.Round = n.term, true, index, round
		n.lastReply = r
	}
	n.out.Send(to, r)
}

// sameReply is *a == *b, field by field: the comparison the compiler
// generates for the struct is a call of its own, made for every reply.
func sameReply(a, b *AppendEntriesReply) bool {
	return a.Term == b.Term && a.Success == b.Success && a.Index == b.Index &&
		a.XTerm == b.XTerm && a.XIndex == b.XIndex && a.XLen == b.XLen && a.Round == b.Round
}
