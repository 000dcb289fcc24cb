package multi

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// This file holds the replica's side, which every server plays: learning
// which command was decided in each slot, and executing slots strictly in
// order on the KV state machine.

// learnCommit learns the slots up to the leader's commit point that the
// replica accepted in the leader's ballot b: the leader proposes one
// command per slot per ballot, so what it accepted in b is what the leader
// decided. A slot accepted in another ballot may hold a proposal that was
// never chosen; the leader sends those decisions explicitly (Decide).
func (n *node) learnCommit(b Ballot, commit int) {
	for s := n.decided + 1; s <= min(commit, n.top()); s++ {
		st := &n.log[s]
		if st.decided || st.accBallot == 0 {
			continue
		}
		if st.accBallot == b || n.bugs.commitAnyBallot { // BUG commit-any-ballot: any ballot will do
			n.out.Probe(ProbeCommitFromBallot)
			n.decide(s, st.accCmd, b)
		}
	}
	n.execute()
}

// handleDecide learns the decisions a leader sent, and tells it how far the
// replica has now seen decided, so the next batch can follow. A decision
// is a fact whoever sends it, but a Decide of a ballot above the promise
// shows a later leader, and the replica promises that ballot: a leader of
// an earlier one steps down. Otherwise its commit point would go on to
// cover slots decided in the later ballot, and a follower told that commit
// point in its heartbeats would take what it accepted in the earlier
// ballot for those slots as decided (learnCommit): a different command in
// the same slot (multipaxos/chaos seed 5318, "agreement").
func (n *node) handleDecide(from protocols.NodeID, m Decide) {
	n.raisePromise(m.Ballot)
	for i, cmd := range m.Cmds {
		n.decide(m.From+i, cmd, m.Ballot)
	}
	n.execute()
	n.out.Send(from, Accepted{Ballot: m.Ballot, Decided: n.decided})
}

// decide records that cmd was decided in slot s, learned under ballot b,
// and advances the commit point past every slot now decided in a row.
func (n *node) decide(s int, cmd kv.Request, b Ballot) {
	st := n.slot(s)
	if st.decided {
		return
	}
	st.decided, st.cmd, st.ballot = true, cmd, b
	n.newDec = append(n.newDec, PValue{Slot: s, Ballot: b, Cmd: cmd})
	n.out.Note(Decided{Slot: s, Cmd: cmd})
	if s > n.decided+1 {
		n.out.Probe(ProbeOutOfOrder)
	}
	n.advanceDecided()
}

// advanceDecided moves the commit point past every decided slot in a row.
func (n *node) advanceDecided() {
	for n.decided+1 < len(n.log) && n.log[n.decided+1].decided {
		n.decided++
	}
}

// execute applies the decided slots in order, up to the commit point. A
// leader answers each client whose request it executes; a request decided
// in two slots (a retry proposed again) executes once, and the second slot
// answers from the dedup table.
func (n *node) execute() {
	for n.executed < n.decided {
		n.executed++
		st := &n.log[n.executed]
		result, outcome := "", kv.Executed
		if st.cmd.Client != "" {
			result, outcome = n.sm.Apply(st.cmd)
		}
		n.out.Note(Applied{Index: n.executed, Term: uint64(st.ballot), Req: st.cmd, Outcome: outcome})
		if st.cmd.Client == "" {
			continue
		}
		delete(n.pending, reqKey{st.cmd.Client, st.cmd.Seq})
		if n.role == leader && outcome != kv.Stale {
			n.out.Send(st.cmd.Client, kv.Reply{Seq: st.cmd.Seq, Status: kv.OK, Value: result})
		}
	}
}
