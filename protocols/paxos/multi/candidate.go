package multi

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
)

// This file holds leader election: a server that hears from no leader runs
// phase 1 once for every slot it has not seen decided, with a ballot above
// every one it has seen. A phase-1 quorum of promises makes it the leader;
// a higher ballot anywhere makes it a replica again, and it backs off.

// electionTimeout fires when a replica has heard from no leader for an
// election timeout, or when a candidate's phase 1 got no quorum in time.
func (n *node) electionTimeout() {
	switch n.role {
	case leader:
		return
	case candidate:
		n.out.Probe(ProbeCandidateTimeout)
		n.failures++
	}
	n.campaign()
}

// campaign starts phase 1 with a ballot of a round above every round seen
// (its own promise included, which is durable, so a restarted server never
// reuses a ballot). The candidate promises its own ballot first; that
// promise is persisted at the end of the step, before the Prepares leave.
func (n *node) campaign() {
	round := max(n.seen, n.promised.Round(), n.ballot.Round()) + 1
	n.ballot = synod.MakeBallot(round, n.num)
	n.seen = round
	n.role, n.leader = candidate, ""
	n.promised, n.promiseDirty = n.ballot, true
	n.from = n.decided + 1
	n.promises, n.recovered = 0, n.recovered[:0]
	n.out.Note(Prepared{Ballot: n.ballot, From: n.from})
	n.out.Broadcast(n.peers, Prepare{Ballot: n.ballot, From: n.from})
	n.armElection()
	n.out.Note(Promised{Ballot: n.ballot})
	n.addPromise(n.self, n.acceptedFrom(n.from))
}

// handlePromise counts a promise for the candidate's ballot.
func (n *node) handlePromise(from protocols.NodeID, m Promise) {
	n.seen = max(n.seen, m.Ballot.Round())
	if n.role != candidate || m.Ballot != n.ballot {
		return // late, duplicated, or for a ballot given up
	}
	if i := n.serverIndex(from); i >= 0 {
		n.addPromise(i, m.Accepted)
	}
}

// addPromise records the promise of the server at position i and merges
// what it accepted: for each slot, the proposal of the highest ballot
// reported. A phase-1 quorum of promises makes the candidate the leader.
func (n *node) addPromise(i int, accepted []PValue) {
	if n.promises.Has(i) {
		return
	}
	n.promises = n.promises.Add(i)
	for _, pv := range accepted {
		k := pv.Slot - n.from
		if k < 0 {
			continue
		}
		for len(n.recovered) <= k {
			n.recovered = append(n.recovered, PValue{})
		}
		if pv.Ballot > n.recovered[k].Ballot {
			n.recovered[k] = pv
		}
	}
	if n.promises.Len() >= n.q1 {
		n.becomeLeader()
	}
}

// handleNack gives up a candidacy or a leadership that an acceptor refused:
// it has promised a higher ballot. The server becomes a replica and backs
// off before trying again.
func (n *node) handleNack(m Nack) {
	n.seen = max(n.seen, m.Promised.Round())
	if n.role == replica || m.Ballot != n.ballot || m.Promised <= n.ballot {
		return
	}
	n.out.Probe(ProbePreempted)
	n.failures++
	n.stepDown()
}

// stepDown makes a candidate or leader a replica, with a fresh election
// timeout (widened by any failures in a row).
func (n *node) stepDown() {
	if n.role == leader {
		n.out.Probe(ProbeStepDown)
		n.out.CancelTimer(timerHeartbeat)
		clear(n.pending)
	}
	n.role = replica
	n.armElection()
}
