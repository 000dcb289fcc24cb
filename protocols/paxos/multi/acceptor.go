package multi

import "github.com/dsimlab/dsim/protocols"

// This file holds the acceptor's side, which every server plays: one
// promise covers every slot (Multi-Paxos's phase 1 for all future slots at
// once), and proposals are accepted slot by slot in the promised ballot.

// raisePromise moves the promise up to b (never down) and makes the server
// a replica of b's owner: a candidate or leader whose ballot is lower can no
// longer win. It returns whether the promise rose.
func (n *node) raisePromise(b Ballot) bool {
	n.seen = max(n.seen, b.Round())
	if b <= n.promised {
		return false
	}
	n.promised = b
	n.promiseDirty = true
	if n.role != replica {
		n.stepDown()
	}
	n.leader = ""
	return true
}

// handlePrepare promises a ballot at least as high as its promise and
// reports, for every slot from m.From on, the highest-ballot proposal it
// accepted there. An equal ballot is a duplicate of the prepare it
// promised and gets the same answer. Promising resets the election timer,
// giving the candidate time to finish.
func (n *node) handlePrepare(from protocols.NodeID, m Prepare) {
	if m.Ballot < n.promised {
		n.out.Send(from, Nack{Ballot: m.Ballot, Promised: n.promised})
		return
	}
	n.raisePromise(m.Ballot)
	n.out.Note(Promised{Ballot: m.Ballot})
	n.out.Send(from, Promise{Ballot: m.Ballot, From: m.From, Accepted: n.acceptedFrom(m.From)})
	n.armElection()
}

// acceptedFrom lists the proposals accepted in slots from s on.
func (n *node) acceptedFrom(s int) []PValue {
	var out []PValue
	for i := max(s, 1); i < len(n.log); i++ {
		if st := &n.log[i]; st.accBallot != 0 {
			out = append(out, PValue{Slot: i, Ballot: st.accBallot, Cmd: st.accCmd})
		}
	}
	return out
}

// accept accepts a proposal in ballot b, which must be the promise: the
// acceptor's half of phase 2. It is persisted at the end of the step,
// before the Accepted reply leaves.
func (n *node) accept(p Proposal, b Ballot) {
	st := n.slot(p.Slot)
	st.accBallot, st.accCmd = b, p.Cmd
	n.newAcc = append(n.newAcc, PValue{Slot: p.Slot, Ballot: b, Cmd: p.Cmd})
	n.out.Note(Voted{Slot: p.Slot, Ballot: b, Cmd: p.Cmd})
}

// handleAccept accepts the leader's proposals (none for a Heartbeat) if its
// ballot is at least the promise (accepting a ballot promises it), learns the slots the leader's
// commit point covers, and answers with what it accepted and how far it
// has seen decided. A lower ballot is refused: its leader has been
// superseded.
func (n *node) handleAccept(from protocols.NodeID, m Accept) {
	if m.Ballot < n.promised {
		n.out.Send(from, Nack{Ballot: m.Ballot, Promised: n.promised})
		return
	}
	n.raisePromise(m.Ballot)
	if n.role != replica {
		// Its own ballot is below the promise now; raisePromise stepped
		// down. An equal ballot is its own, which it never sends itself.
		return
	}
	n.leader, n.failures = from, 0
	n.armElection()
	var slots []int
	if len(m.Proposals) > 0 {
		slots = make([]int, len(m.Proposals))
	}
	for i, p := range m.Proposals {
		n.accept(p, m.Ballot)
		slots[i] = p.Slot
	}
	n.learnCommit(m.Ballot, m.Commit)
	n.out.Send(from, Accepted{Ballot: m.Ballot, Slots: slots, Decided: n.decided})
}
