package chain

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// This file holds the query path. In chain replication only the tail
// answers a get, from its own history: every update in it is committed,
// and every committed update is in it. With CRAQ every member answers: a
// clean key (its latest version acknowledged by the tail) from its own
// history, which then holds the committed version; a dirty one by asking
// the tail which version is committed and answering that version, which it
// holds, since its history extends the tail's.
//
// Either way the server must hold a lease from the master for its epoch,
// and a new member must have caught up. The master removes a server only
// after every lease it granted it has lapsed, so a server the master
// removed, alive and reachable by clients, cannot answer from the history
// the new chain has left behind (SC-C5).

// mayRead reports whether the server may answer reads at all, and whether
// it holds a lease and the history its role needs (a tail: serving; any
// other CRAQ member: caught up and not joining).
func (n *server) mayRead() (ok, lease, ready bool) {
	lease, ready = n.leaseValid(), n.ready && !n.isJoining()
	if n.isTail() {
		ready = n.serving()
	}
	okLease, okReady, tail := lease, ready, n.isTail()
	if n.bugs.noLeaseReads {
		okLease = true // BUG no-lease-reads: the configuration it knows is enough
	}
	if n.bugs.earlyTailReads && n.isJoining() {
		// BUG early-tail-reads: the last server of the chain is its tail.
		okReady, tail = true, true
	}
	ok = n.member() && okLease && okReady && (n.opts.CRAQ || tail)
	return ok, lease, ready
}

// readsAsTail reports whether it answers reads from its own history as
// the tail does (the bug early-tail-reads makes a joining server think so).
func (n *server) readsAsTail() bool {
	return n.isTail() || (n.bugs.earlyTailReads && n.isJoining())
}

func (n *server) handleRead(from protocols.NodeID, r kv.Request) {
	ok, lease, ready := n.mayRead()
	if !ok {
		if n.member() && (n.opts.CRAQ || n.isTail()) && !lease {
			n.out.Probe(ProbeNoLease)
		} else {
			n.out.Probe(ProbeNotTail)
		}
		hint := n.cfg.tail()
		if !n.member() {
			hint = n.cfg.reader(n.opts.CRAQ, r.Seq) // a spare: any member may answer
		}
		n.out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.NotLeader, LeaderHint: hint})
		return
	}
	key := r.Op.Key
	latest := n.vers.latest(key)
	switch {
	case n.readsAsTail():
		n.answer(r, AtTail, latest, lease, ready)
	case latest <= n.acked:
		n.out.Probe(ProbeCleanRead)
		n.answer(r, Clean, latest, lease, ready)
		n.vers.trim(key, n.acked)
	case n.bugs.dirtyRead:
		n.answer(r, Dirty, latest, lease, ready) // BUG dirty-read: its own latest version, unconfirmed
	default:
		n.out.Probe(ProbeVersionQuery)
		n.out.Send(n.cfg.tail(), VersionQuery{Epoch: n.cfg.Epoch, Req: r})
	}
}

// answer sends the client key's value as of version.
func (n *server) answer(r kv.Request, how How, version int, lease, ready bool) {
	v, _ := n.vers.at(r.Op.Key, version)
	n.out.Send(r.Client, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: v})
	n.out.Note(ServedRead{Epoch: n.cfg.Epoch, Client: r.Client, Seq: r.Seq, How: how, Version: version, Lease: lease, Ready: ready})
	// Which position carries the read load: the probes count the reads
	// each answered, so a run shows how CRAQ spreads what chain
	// replication leaves to the tail alone.
	switch {
	case n.readsAsTail():
		n.out.Probe(ProbeReadAtTail)
	case n.isHead():
		n.out.Probe(ProbeReadAtHead)
	default:
		n.out.Probe(ProbeReadAtMiddle)
	}
}

// handleVersionQuery is the tail's: it names the key's committed version,
// if it may answer reads itself.
func (n *server) handleVersionQuery(from protocols.NodeID, m VersionQuery) {
	if ok, _, _ := n.mayRead(); !ok || !n.readsAsTail() || m.Epoch != n.cfg.Epoch {
		return // the asking member's client retries
	}
	n.out.Send(from, VersionReply{Epoch: m.Epoch, Req: m.Req, Version: n.vers.latest(m.Req.Op.Key)})
}

// handleVersionReply answers the client with the version the tail named.
// The member holds it: its history extends the tail's.
func (n *server) handleVersionReply(from protocols.NodeID, m VersionReply) {
	ok, lease, ready := n.mayRead()
	if !ok || m.Epoch != n.cfg.Epoch || from != n.cfg.tail() {
		return
	}
	if _, have := n.vers.at(m.Req.Op.Key, m.Version); !have {
		return
	}
	n.answer(m.Req, Confirmed, m.Version, lease, ready)
}
