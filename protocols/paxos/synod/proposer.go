package synod

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
)

// This file holds the proposer's side (Paxos Made Simple §2.2): a round is
// a ballot; phase 1 collects promises from a quorum of acceptors and finds
// the value of the highest ballot any of them accepted; phase 2 asks the
// acceptors to accept that value (or the proposer's own, if none had
// accepted anything); a quorum of acceptances means it is chosen.

// startRound begins a round with a ballot above every round this proposer
// used (the durable round) and every round a rejection told it about. The
// round is persisted in the same step, so it is durable before the
// prepare requests leave: a restart can never reuse the ballot.
func (n *node) startRound() {
	if n.phase == done {
		return
	}
	n.round = max(n.round, n.seen) + 1
	if !n.bugs.reuseBallot { // BUG reuse-ballot: the round lives in memory only
		n.out.Persist(RoundRecord{Round: n.round})
	}
	n.ballot = MakeBallot(n.round, n.num)
	n.phase, n.promises, n.best, n.bestValue = preparing, 0, 0, ""
	n.out.Note(Prepared{Ballot: n.ballot})
	n.out.SetTimer(timerRound, n.opts.RoundTimeout)
	n.broadcast(n.acceptors, Prepare{Ballot: n.ballot})
}

// handlePromise counts a promise for the current ballot and remembers the
// highest-ballot acceptance reported. With a phase-1 quorum of promises
// the proposer moves to phase 2.
func (n *node) handlePromise(from protocols.NodeID, m Promise) {
	if !n.proposer || n.phase != preparing || m.Ballot != n.ballot {
		return // a late or duplicated promise
	}
	i := slices.Index(n.acceptors, from)
	if i < 0 || n.promises.Has(i) {
		return
	}
	n.promises = n.promises.Add(i)
	if m.Accepted > n.best {
		n.best, n.bestValue = m.Accepted, m.Value
	}
	if n.promises.Len() >= n.q1 {
		n.propose()
	}
}

// propose sends the accept requests: the value of the highest-ballot
// acceptance among the promises if there was one (it may already be
// chosen, and then it is the only safe value), else the proposer's own.
func (n *node) propose() {
	v := n.value
	if n.best != 0 && !n.bugs.ignoreAccepted { // BUG ignore-accepted: always its own value
		v = n.bestValue
		if v != n.value {
			n.out.Probe(ProbeAdopted)
		}
	}
	n.phase, n.proposal, n.acks = proposing, v, 0
	n.out.Note(Proposed{Ballot: n.ballot, Value: v, Quorum: n.promises.Members(n.acceptors)})
	n.broadcast(n.acceptors, Accept{Ballot: n.ballot, Value: v})
}

// handleAccepted counts an acceptance of the current proposal. A phase-2
// quorum means the value is chosen: the proposer knows the outcome and
// tells the learners.
func (n *node) handleAccepted(from protocols.NodeID, m Accepted) {
	if !n.proposer || n.phase != proposing || m.Ballot != n.ballot {
		return
	}
	i := slices.Index(n.acceptors, from)
	if i < 0 || n.acks.Has(i) {
		return
	}
	n.acks = n.acks.Add(i)
	if n.acks.Len() < n.q2 {
		return
	}
	v := n.proposal
	n.failures = 0
	n.learn(v)
	for _, l := range n.learners {
		if l != n.id {
			n.out.Send(l, Chosen{Value: v})
		}
	}
}

// handleNack abandons the current round if an acceptor refused it: a higher
// ballot is about, and this round can no longer succeed. The rejection says
// which round to outbid.
func (n *node) handleNack(m Nack) {
	if !n.proposer {
		return
	}
	n.seen = max(n.seen, m.Promised.Round())
	if (n.phase == preparing || n.phase == proposing) && m.Ballot == n.ballot {
		n.out.Probe(ProbePreempted)
		n.fail()
	}
}

// roundTimeout abandons a round that got no quorum in time: messages were
// lost, or too many acceptors are down or cut off.
func (n *node) roundTimeout() {
	if n.phase == preparing || n.phase == proposing {
		n.out.Probe(ProbeRoundTimeout)
		n.fail()
	}
}

// fail backs off before the next round: a random wait in
// [0, Backoff×2^k] after the k+1-th failure in a row. Two proposers that
// keep preempting each other (Paxos Made Simple §2.4: neither ever gets to
// phase 2) stop when one waits long enough for the other to finish.
func (n *node) fail() {
	n.failures++
	if n.failures >= 2 {
		n.out.Probe(ProbeDuel)
	}
	n.phase = waiting
	n.out.CancelTimer(timerRound)
	k := min(n.failures-1, 5)
	n.out.SetTimer(timerPropose, n.draw(n.opts.Backoff<<k))
}
