package chain

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// This file holds the update path: the head takes a write, each server
// appends it and passes it on, the tail commits it and answers, and its
// acknowledgement travels back up, emptying every Sent list on the way.

// handleWrite takes a client's put or append at the head. Anyone else turns
// the client away with the head's name.
func (n *server) handleWrite(from protocols.NodeID, r kv.Request) {
	if !n.isHead() {
		n.out.Probe(ProbeNotHead)
		n.out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.NotLeader, LeaderHint: n.cfg.head()})
		return
	}
	if r.Seq < n.sm.LastSeq(r.Client) {
		return // the client has moved on; nobody waits for this answer
	}
	// A retry of a write already in the history is appended again: only
	// the tail may answer, and it answers this copy from its dedup table.
	idx := n.log.last() + 1
	n.log.append(Entry{Epoch: n.cfg.Epoch, Req: r})
	n.out.Persist(LogAppend{From: idx, Entries: n.log.slice(idx, idx)})
	n.applyFrom(idx)
	n.passOn(idx)
}

// passOn moves updates from index from on along: a serving tail commits
// them; a server with a successor forwards them if the successor is caught
// up with what it was sent (one that is not gets them at its next Need or
// resend). A tail whose successor is joining does both.
func (n *server) passOn(from int) {
	if n.serving() {
		n.commit(n.log.last())
	}
	if n.succ != "" && n.next == from {
		n.forward(from, n.log.last(), false)
	}
}

// forward sends the successor the updates lo..hi.
func (n *server) forward(lo, hi int, sync bool) {
	n.out.Send(n.succ, Forward{Epoch: n.cfg.Epoch, Index: lo, Entries: n.log.slice(lo, hi), Sync: sync})
	n.next = max(n.next, hi+1)
}

// fromPred reports whether a chain message comes from the predecessor of
// this server's current configuration (C-EPOCH): anything else is a former
// neighbour or an earlier epoch, and is dropped.
func (n *server) fromPred(from protocols.NodeID, epoch uint64) bool {
	if epoch == n.cfg.Epoch && from == n.pred && n.member() {
		return true
	}
	n.out.Probe(ProbeStaleDropped)
	return false
}

func (n *server) fromSucc(from protocols.NodeID, epoch uint64) bool {
	if epoch == n.cfg.Epoch && from == n.succ && n.member() {
		return true
	}
	n.out.Probe(ProbeStaleDropped)
	return false
}

// handleForward appends the updates that continue its history, and passes
// them on. A Forward past its end means one was lost: it asks for the rest,
// once per gap.
func (n *server) handleForward(from protocols.NodeID, m Forward) {
	if !n.fromPred(from, m.Epoch) {
		return
	}
	wasServing, acked := n.serving(), n.acked
	last := n.log.last()
	if m.Sync && m.Index <= last+1 {
		n.predSynced = true
		n.synced, n.syncTo = true, max(n.syncTo, m.end())
	}
	if m.Index > last+1 {
		n.gap = true
		if n.needAt != last {
			n.out.Probe(ProbeGap)
			n.sendNeed()
		}
		return
	}
	if skip := last + 1 - m.Index; skip < len(m.Entries) {
		es := m.Entries[skip:]
		n.log.append(es...)
		n.out.Persist(LogAppend{From: last + 1, Entries: es})
		n.applyFrom(last + 1)
		n.out.Note(Accepted{Epoch: n.cfg.Epoch, From: from, Upto: n.log.last()})
		n.needAt, n.gap = -1, false
	}
	if !n.ready && n.synced && n.log.last() >= n.syncTo {
		n.ready = true
		n.out.Persist(Membership{Since: n.since, Ready: true})
		n.out.Probe(ProbeCaughtUp)
		n.ping() // tell the master at once
	}
	if !wasServing {
		n.commitAsTail()
	}
	if n.log.last() > last {
		n.passOn(last + 1)
		return
	}
	// Nothing new: tell the predecessor what the tail has, which a
	// restarted predecessor has forgotten.
	if n.acked > 0 && n.acked == acked {
		n.out.Send(n.pred, Ack{Epoch: n.cfg.Epoch, Upto: n.acked})
	}
}

// commit is the tail's: updates up to upto are in its history, so in every
// history before it; they are committed. It answers their clients (a
// retried write from the dedup table, a stale one not at all) and sends the
// acknowledgement up the chain.
func (n *server) commit(upto int) {
	if upto <= n.acked {
		return
	}
	n.out.Note(Committed{Epoch: n.cfg.Epoch, Upto: upto})
	for i := n.acked + 1; i <= upto; i++ {
		e := n.log.entry(i)
		switch n.outcomes[i] {
		case kv.Stale:
			continue
		case kv.Duplicate:
			n.out.Probe(ProbeDuplicateWrite)
		}
		n.out.Send(e.Req.Client, kv.Reply{Seq: e.Req.Seq, Status: kv.OK})
		n.out.Note(Replied{Client: e.Req.Client, Seq: e.Req.Seq, Index: i})
	}
	n.acked = upto
	if n.pred != "" {
		n.out.Send(n.pred, Ack{Epoch: n.cfg.Epoch, Upto: upto})
	}
}

// handleAck takes the tail's acknowledgement from the successor and passes
// it up: what it covers leaves Sent.
func (n *server) handleAck(from protocols.NodeID, m Ack) {
	if !n.fromSucc(from, m.Epoch) {
		return
	}
	if up := min(m.Upto, n.log.last()); up > n.acked {
		n.acked = up
		if n.pred != "" {
			n.out.Send(n.pred, Ack{Epoch: n.cfg.Epoch, Upto: up})
		}
	}
}

// handleNeed answers a successor that reports where its history ends: it
// sends everything after that, all of it at once, and where its own ends,
// which a new member must reach before it is ready.
func (n *server) handleNeed(from protocols.NodeID, m Need) {
	if !n.fromSucc(from, m.Epoch) {
		return
	}
	lo := m.Have + 1
	if i := n.cfg.index(from); n.bugs.forgetSent && n.cfg.Chain[i].Since < n.cfg.Epoch {
		// BUG forget-sent: what was acknowledged, or counted so, is not
		// sent again to a successor that was in the chain before.
		lo = max(lo, n.acked+1)
	}
	if lo <= n.log.last() {
		n.out.Probe(ProbeSyncSuffix)
	}
	n.forward(lo, n.log.last(), true)
}

// retry runs every RetryInterval: a server whose predecessor has not
// answered its sync request in this epoch, or that saw a gap not yet
// filled, asks again; one whose Sent list made no progress for two ticks
// sends it again (a lost Forward with nothing after it to reveal the gap).
func (n *server) retry() {
	if n.pred != "" && (!n.predSynced || n.gap) && n.member() {
		n.sendNeed()
	}
	if n.succ == "" || n.acked >= n.log.last() || n.acked != n.lastAcked {
		n.stalled = 0
	} else if n.stalled++; n.stalled >= 2 {
		n.stalled = 0
		n.out.Probe(ProbeSentResent)
		n.forward(n.acked+1, min(n.log.last(), n.acked+n.opts.MaxBatch), false)
	}
	n.lastAcked = n.acked
}
