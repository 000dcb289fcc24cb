package multi

import (
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// This file holds the leader's side: taking office (recovering every slot
// from the promises and filling holes with no-ops), phase 2 for each new
// command, retransmission, the commit point, catching lagging replicas up,
// and client requests.

// becomeLeader takes office with a phase-1 quorum of promises. For every
// slot from the first one it has not seen decided up to the highest one
// anyone reported, it proposes, in its own ballot: the decided command if
// it knows it; else the command of the highest ballot the promises reported
// there, which may have been chosen and is then the only safe one (Paxos
// Made Simple §3); else a no-op, so that the replicas, which execute slots
// strictly in order, are not stuck behind a hole forever.
func (n *node) becomeLeader() {
	n.role, n.leader, n.failures = leader, n.id, 0
	n.out.CancelTimer(timerElection)
	n.out.Note(BecameLeader{Ballot: n.ballot, From: n.from, Quorum: n.promises.Members(n.servers)})
	n.out.Probe(ProbeLeaderElected)
	clear(n.pending)
	top := max(n.from-1+len(n.recovered), n.top())
	for s := n.from; s <= top; s++ {
		var cmd kv.Request
		var rec PValue
		if k := s - n.from; k < len(n.recovered) {
			rec = n.recovered[k]
		}
		st := n.slot(s)
		switch {
		case st.decided:
			cmd = st.cmd
		case rec.Ballot != 0 && !n.bugs.skipRecovery: // BUG skip-recovery: every undecided slot is a hole
			cmd = rec.Cmd
			n.out.Probe(ProbeRecovered)
		case s < top:
			n.out.Probe(ProbeGapFilled)
		}
		n.propose(s, cmd)
	}
	n.next = top + 1
	for i := range n.prs {
		n.prs[i] = progress{sent: n.from - 1}
		n.sendAccepts(i, n.from, never, true)
	}
	n.out.SetTimer(timerHeartbeat, n.opts.HeartbeatInterval)
	n.advanceDecided() // a leader with a phase-2 quorum of one decides alone
	n.execute()
}

// never is a resend time before every proposal: resend nothing.
const never = clock.Time(-1 << 62)

// propose proposes cmd for slot s in the leader's ballot and accepts it
// itself. The Accepts to the others are sent by the caller.
func (n *node) propose(s int, cmd kv.Request) {
	n.out.Note(Proposed{Slot: s, Ballot: n.ballot, Cmd: cmd})
	n.accept(Proposal{Slot: s, Cmd: cmd}, n.ballot)
	st := n.slot(s)
	st.propBal, st.acks, st.proposedAt = n.ballot, 0, n.now
	if cmd.Client != "" {
		n.pending[reqKey{cmd.Client, cmd.Seq}] = s
	}
	n.ack(s, n.self)
}

// ack counts the acceptance of slot s by the server at position i. A
// phase-2 quorum of acceptances in the leader's ballot decides the slot.
func (n *node) ack(s, i int) {
	st := n.slot(s)
	if st.propBal != n.ballot || st.accBallot != n.ballot {
		return
	}
	st.acks = st.acks.Add(i)
	if !st.decided && st.acks.Len() >= n.q2 {
		n.decide(s, st.accCmd, n.ballot)
	}
}

// sendAccepts sends peer i an Accept carrying the proposals from slot s on
// that it has not acknowledged (at most MaxBatch of them), with the commit
// point: those never sent to it, and those proposed at or before resend
// (a lost Accept or reply). With none to carry it sends nothing, or a
// Heartbeat if beat is set.
func (n *node) sendAccepts(i, s int, resend clock.Time, beat bool) {
	pos := n.serverIndex(n.peers[i])
	pr := &n.prs[i]
	var props []Proposal
	for ; s < n.next && len(props) < n.opts.MaxBatch; s++ {
		st := &n.log[s]
		if st.propBal == n.ballot && !st.acks.Has(pos) && (s > pr.sent || st.proposedAt <= resend) {
			props = append(props, Proposal{Slot: s, Cmd: st.accCmd})
		}
	}
	pr.sent = max(pr.sent, s-1)
	switch {
	case len(props) > 0:
		n.out.Send(n.peers[i], Accept{Ballot: n.ballot, Proposals: props, Commit: n.decided})
	case beat:
		n.out.Send(n.peers[i], Heartbeat{Ballot: n.ballot, Commit: n.decided})
	}
}

// heartbeat sends every replica an Accept with the proposals it has not
// acknowledged though they were sent a heartbeat interval ago or more
// (retransmitting lost ones), or a Heartbeat if there are none, either
// carrying the commit point, which lets replicas learn decisions; and lets a
// lagging replica's catch-up start over, in case a Decide was lost.
func (n *node) heartbeat() {
	if n.role != leader {
		return
	}
	for i := range n.peers {
		n.sendAccepts(i, n.decided+1, n.now.Add(-n.opts.HeartbeatInterval), true)
		n.prs[i].catchUp = 0
		n.catchUp(i)
	}
	n.out.SetTimer(timerHeartbeat, n.opts.HeartbeatInterval)
}

// handleAccepted counts a replica's acceptances, notes how far it has seen
// decided, and keeps it supplied: the next batch of proposals if it lags
// in accepting, decisions if it lags in learning.
func (n *node) handleAccepted(from protocols.NodeID, m Accepted) {
	if n.role != leader || m.Ballot != n.ballot {
		return
	}
	i, pos := n.peerIndex(from), n.serverIndex(from)
	if i < 0 {
		return
	}
	for _, s := range m.Slots {
		n.ack(s, pos)
	}
	pr := &n.prs[i]
	pr.decided = max(pr.decided, m.Decided)
	n.advanceDecided()
	n.execute()
	if pr.sent < n.next-1 {
		n.sendAccepts(i, pr.sent+1, never, false)
	}
	n.catchUp(i)
}

// catchUp sends peer i the decisions it lacks and cannot learn from the
// commit point: slots past its own commit point that it did not accept in
// this ballot (it was down, cut off, or lost the Accept). One Decide is in
// flight at a time; the heartbeat lets a lost one be sent again.
func (n *node) catchUp(i int) {
	pr := &n.prs[i]
	s := pr.decided + 1
	if s > n.decided || s <= pr.catchUp {
		return
	}
	if st := &n.log[s]; st.propBal == n.ballot && st.acks.Has(n.serverIndex(n.peers[i])) {
		return // it accepted the leader's proposal: the commit point tells it
	}
	end := min(n.decided, s+n.opts.MaxBatch-1)
	cmds := make([]kv.Request, 0, end-s+1)
	for k := s; k <= end; k++ {
		cmds = append(cmds, n.log[k].cmd)
	}
	pr.catchUp = end
	n.out.Probe(ProbeCatchUp)
	n.out.Send(n.peers[i], Decide{Ballot: n.ballot, From: s, Cmds: cmds})
}

// handleRequest takes a client's request. A leader proposes it in the next
// free slot and answers when it executes it; a retry of a request already
// executed is answered from the dedup table at once, and one still in
// flight is left to its slot. Everyone else turns the client away with a
// hint. Gets go through the log like writes, so reads are linearizable
// without leases.
func (n *node) handleRequest(from protocols.NodeID, r kv.Request) {
	if n.role != leader {
		n.out.Probe(ProbeNotLeader)
		n.out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.NotLeader, LeaderHint: n.leader})
		return
	}
	if v, ok := n.sm.Cached(r.Client, r.Seq); ok {
		n.out.Probe(ProbeDuplicateRequest)
		n.out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: v})
		return
	}
	if r.Seq < n.sm.LastSeq(r.Client) {
		return // the client has moved on; nobody waits for this answer
	}
	if _, inflight := n.pending[reqKey{r.Client, r.Seq}]; inflight {
		return
	}
	s := n.next
	n.next++
	n.propose(s, r)
	for i := range n.peers {
		if n.prs[i].sent == s-1 { // caught-up replicas get it now; the others in their next batch
			n.sendAccepts(i, s, never, false)
		}
	}
	n.advanceDecided() // a phase-2 quorum of one decides alone
	n.execute()
}
