package primarybackup

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// This file holds the primary's side: taking up a view, the state
// transfer, client requests, forwarding, and the commit point.

// takeUp starts this server's term as primary of view.Num (on learning the
// view, or on restarting with it). With a backup, it first sends the whole
// log and serves nobody until the backup has acknowledged it (rule 6:
// every operation is before or after the transfer); without one it is
// ready at once.
func (n *server) takeUp() {
	n.ready, n.backupHave, n.lastHave, n.told, n.sent = false, 0, 0, 0, 0
	n.refilled = -1
	n.ownFrom = n.log.last()
	if n.view.Backup == "" {
		n.becomeReady()
		return
	}
	if n.bugs.ackBeforeTransfer {
		// BUG ack-before-transfer: acknowledge the view before the backup
		// has the state.
		n.established = n.view.Num
		n.ping()
	}
	n.sendTransfer()
	n.out.SetTimer(timerResend, n.opts.RetryInterval)
}

// sendTransfer sends the backup the whole log.
func (n *server) sendTransfer() {
	n.transferLen = n.log.last()
	n.sent = n.transferLen
	n.out.Probe(ProbeStateTransfer)
	n.out.Send(n.view.Backup, Transfer{View: n.view, Entries: n.log.slice(1, n.log.last()), Commit: n.commit})
	n.told = max(n.told, n.commit)
}

// becomeReady is reached when the backup holds the whole log (or there is
// no backup): everything in the log is now committed, because the only
// servers that can lead a later view both hold it. The primary applies it
// and acknowledges the view at once.
func (n *server) becomeReady() {
	n.ready = true
	n.established = n.view.Num
	n.commit = n.log.last()
	n.apply()
	n.ping()
}

// handleRequest takes a client's operation. Only a ready primary orders
// operations; anyone else turns the client away, with a hint when it
// knows the primary. Gets are ordered too: a get answered by a primary
// that a later view has replaced would be stale, and the backup's
// acknowledgement is what proves this view is still current.
func (n *server) handleRequest(from protocols.NodeID, r kv.Request) {
	if !n.isPrimary() {
		n.out.Probe(ProbeNotPrimary)
		hint := n.view.Primary
		if hint == n.id {
			hint = ""
		}
		n.out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.NotLeader, LeaderHint: hint})
		return
	}
	if !n.ready {
		n.out.Probe(ProbeNotReady)
		n.out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.NotLeader})
		return
	}
	if v, ok := n.sm.Cached(r.Client, r.Seq); ok {
		// Applied means committed: the answer is final.
		n.out.Probe(ProbeDuplicateRequest)
		n.out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: v})
		n.out.Note(Served{View: n.view.Num, Client: r.Client, Seq: r.Seq})
		return
	}
	if r.Seq < n.sm.LastSeq(r.Client) {
		return // the client has moved on; nobody waits for this answer
	}
	idx := n.log.last() + 1
	e := Entry{View: n.view.Num, Req: r}
	n.log.append(e)
	n.out.Persist(LogAppend{From: idx, Entries: n.log.slice(idx, idx)})
	if n.view.Backup == "" || n.opts.Async || n.bugs.replyBeforeAck {
		// No backup: nobody else can lead the next view, so the entry is
		// committed. Asynchronous: the primary answers now and the backup
		// catches up later, which is the whole bargain (and what loses
		// the entry if this primary dies first).
		// BUG reply-before-ack: the synchronous primary does the same.
		if n.view.Backup != "" && n.backupHave < idx-1 {
			n.out.Probe(ProbeAsyncBackupBehind)
		}
		n.commit = idx
		n.apply()
	}
	if n.view.Backup != "" && n.sent == idx-1 {
		// Everything before was sent: send this entry now, without waiting
		// for the acknowledgements in flight. A backup that fell behind
		// gets it with the rest at the next resend.
		n.forward(idx)
	}
}

// forward sends the backup the entries from index from on (at most
// MaxBatch of them) and the commit point.
func (n *server) forward(from int) {
	hi := min(n.log.last(), from+n.opts.MaxBatch-1)
	n.out.Send(n.view.Backup, Forward{View: n.view, Index: from, Entries: n.log.slice(from, hi), Commit: n.commit})
	n.told = max(n.told, n.commit)
	n.sent = max(n.sent, hi)
}

// handleForwardReply learns what the backup holds. In the synchronous
// protocol an entry the backup holds is committed: the primary applies it
// and answers its client (rule 1).
func (n *server) handleForwardReply(from protocols.NodeID, m ForwardReply) {
	if !n.isPrimary() || from != n.view.Backup {
		return
	}
	if m.Status == ReplyStaleView && m.View > n.view.Num {
		// A later view exists, so this server is no longer primary; the
		// backup will not take its forwards. Stop serving, and ask the
		// view service what the view is.
		n.deposed, n.ready = true, false
		n.out.Probe(ProbeStaleFenced)
		n.out.CancelTimer(timerResend)
		n.ping()
		return
	}
	if m.View != n.view.Num {
		return // an answer from an earlier view
	}
	switch m.Status {
	case ReplyNeedTransfer:
		n.sendTransfer()
	case ReplyGap:
		// A forward was lost: send again from where the backup's log ends,
		// once per loss (the later forwards in flight report the same gap;
		// if the refill is lost too, the resend tick notices).
		n.ack(m.Have)
		if m.Have > n.refilled {
			n.refill()
		}
	case ReplyOK:
		n.ack(m.Have)
	}
}

// ack learns that the backup's log holds the primary's up to have. In the
// synchronous protocol that commits it: the primary applies the entries
// and answers their clients (rule 1).
func (n *server) ack(have int) {
	n.backupHave = max(n.backupHave, min(have, n.log.last()))
	if !n.ready {
		if have >= n.transferLen {
			n.becomeReady()
		}
		return
	}
	if n.backupHave > n.commit {
		n.commit = n.backupHave
		n.apply()
	}
}

// refill resends the entries after the backup's log, as far as one batch
// goes.
func (n *server) refill() {
	n.refilled = n.backupHave
	n.forward(n.backupHave + 1)
}

// resend runs every RetryInterval while this server is primary: it resends
// the state transfer until the backup acknowledges it; then, when the
// backup acknowledged nothing new since the last tick, whatever it still
// lacks; else the commit point if the backup has not heard it.
func (n *server) resend() {
	if !n.isPrimary() || n.view.Backup == "" {
		return
	}
	switch {
	case !n.ready:
		n.sendTransfer()
	case n.backupHave < n.log.last() && n.backupHave == n.lastHave:
		n.refill()
	case n.told < n.commit:
		n.forward(n.log.last() + 1)
	}
	n.lastHave = n.backupHave
	n.out.SetTimer(timerResend, n.opts.RetryInterval)
}
