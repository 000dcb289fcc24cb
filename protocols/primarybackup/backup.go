package primarybackup

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// This file holds the backup's side: taking the state transfer and the
// forwards of its primary, and only of its primary (rule 2).

// admit decides whether a transfer or forward of view v from `from` may be
// taken. A later view than this server knows is adopted first (views come
// only from the view service; the primary passes its view on). One from an
// earlier view is refused with the view this server knows, which tells a
// deposed primary that it is deposed.
func (n *server) admit(from protocols.NodeID, v View) bool {
	if v.Num > n.view.Num {
		n.out.Probe(ProbeViewFromMessage)
		n.adopt(v)
	}
	if v.Num < n.view.Num {
		if n.bugs.staleViewForward && v.Backup == n.id && v.Primary == from {
			return true // BUG stale-view-forward: the view named us backup once; good enough
		}
		n.out.Probe(ProbeStaleRejected)
		n.out.Send(from, ForwardReply{View: n.view.Num, Status: ReplyStaleView, Have: n.log.last()})
		return false
	}
	// The same number is the same view.
	return n.view.Backup == n.id && n.view.Primary == from
}

// handleTransfer takes the primary's whole log in place of its own. A
// transfer of the view it last took one in that is shorter than its log is
// an old copy, overtaken by forwards since: it keeps its log.
func (n *server) handleTransfer(from protocols.NodeID, m Transfer) {
	if !n.admit(from, m.View) {
		return
	}
	if m.View.Num != n.sv || len(m.Entries) >= n.log.last() {
		old := n.log
		n.log.replace(m.Entries)
		n.sv = m.View.Num
		n.out.Persist(LogReplace{View: n.sv, Entries: m.Entries})
		if n.applied > 0 && !n.log.hasPrefix(&old, n.applied) {
			// What it applied is not all in the new log (entries an
			// asynchronous primary never forwarded, or an earlier
			// lineage's): start the state machine again.
			n.out.Probe(ProbeTransferReset)
			n.out.Note(Reset{})
			n.sm, n.applied, n.commit = kv.NewMachine(), 0, 0
		}
	}
	n.out.Note(Accepted{View: m.View.Num, From: from, Have: n.log.last(), Transfer: true})
	n.learnCommit(m.Commit)
	n.out.Send(from, ForwardReply{View: m.View.Num, Status: ReplyOK, Have: n.log.last()})
}

// handleForward appends the primary's entries that continue its log.
func (n *server) handleForward(from protocols.NodeID, m Forward) {
	if !n.admit(from, m.View) {
		return
	}
	if n.sv != m.View.Num {
		// Its log is not this view's primary's yet: forwards cannot
		// extend it.
		n.out.Send(from, ForwardReply{View: m.View.Num, Status: ReplyNeedTransfer, Have: n.log.last()})
		return
	}
	last := n.log.last()
	if m.Index > last+1 {
		n.out.Probe(ProbeForwardGap)
		n.learnCommit(m.Commit)
		n.out.Send(from, ForwardReply{View: m.View.Num, Status: ReplyGap, Have: last})
		return
	}
	if skip := last + 1 - m.Index; skip < len(m.Entries) {
		es := m.Entries[skip:]
		n.log.append(es...)
		n.out.Persist(LogAppend{From: last + 1, Entries: es})
	}
	n.out.Note(Accepted{View: m.View.Num, From: from, Have: n.log.last()})
	n.learnCommit(m.Commit)
	n.out.Send(from, ForwardReply{View: m.View.Num, Status: ReplyOK, Have: n.log.last()})
}

// learnCommit applies the primary's commit point, as far as its log goes.
func (n *server) learnCommit(c int) {
	if c = min(c, n.log.last()); c > n.commit {
		n.commit = c
		n.apply()
	}
}
