package synod

import "github.com/dsimlab/dsim/protocols"

// This file holds the acceptor's side (Paxos Made Simple §2.2, with the
// "accepting is promising" reading of Paxos Made Moderately Complex): an
// acceptor promises a ballot higher than any it promised, reporting what it
// has accepted, and accepts a proposal unless it promised a higher ballot.
// Its state changes are persisted in the step that makes them, so they are
// durable before the reply that depends on them leaves.

// handlePrepare promises a ballot higher than its promise and reports the
// highest-ballot proposal it accepted. A repeated prepare for the ballot it
// promised (a duplicate) gets the same promise again; a lower ballot gets a
// rejection naming the promise that beats it.
func (n *node) handlePrepare(from protocols.NodeID, m Prepare) {
	if !n.acceptor {
		return
	}
	if m.Ballot < n.promised {
		n.send(from, Nack{Ballot: m.Ballot, Promised: n.promised})
		return
	}
	if m.Ballot > n.promised {
		n.promised = m.Ballot
		n.persistAcceptor()
	}
	n.out.Note(Promised{Ballot: m.Ballot})
	n.send(from, Promise{Ballot: m.Ballot, Accepted: n.accepted, Value: n.acceptedValue})
	n.outbid(m.Ballot)
}

// outbid ends the round of a proposer whose own acceptor has just promised
// a higher ballot: that acceptor will refuse the round's accept request, so
// the proposer backs off and tries a higher ballot. With no backoff two
// such proposers outbid each other for ever: the duel of Paxos Made Simple
// §2.4.
func (n *node) outbid(b Ballot) {
	if n.proposer && (n.phase == preparing || n.phase == proposing) && b > n.ballot {
		n.seen = max(n.seen, b.Round())
		n.out.Probe(ProbePreempted)
		n.fail()
	}
}

// handleAccept accepts a proposal whose ballot is at least the promise, and
// tells the proposer and every learner. Accepting a ballot promises it too:
// an acceptor that missed the prepare and accepts ballot 302 must refuse
// ballot 201 from then on, or its vote could go backwards.
func (n *node) handleAccept(from protocols.NodeID, m Accept) {
	if !n.acceptor {
		return
	}
	if m.Ballot < n.promised {
		n.send(from, Nack{Ballot: m.Ballot, Promised: n.promised})
		return
	}
	if !n.bugs.acceptKeepsPromise { // BUG accept-keeps-promise: the promise stays where it was
		n.promised = m.Ballot
	}
	n.accepted, n.acceptedValue = m.Ballot, m.Value
	n.persistAcceptor()
	n.out.Note(Voted{Ballot: m.Ballot, Value: m.Value})
	reply := Accepted{Ballot: m.Ballot, Value: m.Value}
	n.send(from, reply)
	for _, l := range n.learners {
		if l != from {
			n.send(l, reply)
		}
	}
}
