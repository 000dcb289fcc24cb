package pbft

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The normal case (§4.2): the primary assigns a client's request a
// sequence number in a pre-prepare; each backup that accepts it sends a
// prepare to all; a replica with the pre-prepare and 2f matching prepares
// from distinct backups has the request prepared and sends a commit; with
// 2f+1 matching commits from distinct replicas it is committed, and a
// replica executes committed requests in sequence-number order and replies
// to the client.

// maxVotes bounds the votes a slot keeps per phase, so a faulty replica
// voting for ever new digests cannot grow it without bound.
func (r *replica) maxVotes() int { return 4 * len(r.all) }

// onRequest handles a client's request, sent to this replica by the client
// or passed on by a backup.
func (r *replica) onRequest(from protocols.NodeID, m Request) {
	if !r.validRequest(m.Req, m.Sig) || m.Req.Client == "" {
		return
	}
	req := m.Req
	if req.Seq <= r.sm.LastSeq(req.Client) {
		// Executed already: a retry whose reply was lost, or a late copy.
		if res, ok := r.sm.Cached(req.Client, req.Seq); ok && from == req.Client {
			r.out.Probe(ProbeReplyResent)
			r.out.Send(req.Client, Reply{View: r.view, Client: req.Client, Seq: req.Seq, Value: res})
		}
		return
	}
	direct := from == req.Client
	r.addPending(m)
	if !r.active {
		return // the new primary gets it once the view is installed
	}
	if r.isPrimary() {
		if r.assigned[req.Client] >= req.Seq {
			if direct {
				r.retransmit(req)
			}
			return
		}
		r.assign()
		return
	}
	if direct {
		// The client timed out and sent it to everyone: the primary may be
		// faulty, or messages were lost. Resend this replica's votes for it,
		// pass it on to the primary, and start suspecting.
		r.retransmit(req)
		r.out.Probe(ProbeRelayed)
		r.out.Send(r.primaryOf(r.view), m)
	}
	r.armRequestTimer()
}

// addPending remembers a request until it executes: one per client, the
// latest.
func (r *replica) addPending(m Request) {
	for i, p := range r.pending {
		if p.Req.Client == m.Req.Client {
			if p.Req.Seq >= m.Req.Seq {
				return
			}
			r.pending = slices.Delete(r.pending, i, i+1)
			break
		}
	}
	r.pending = append(r.pending, m)
}

// dropExecuted forgets pending requests the state machine has executed.
func (r *replica) dropExecuted() {
	r.pending = slices.DeleteFunc(r.pending, func(p Request) bool { return p.Req.Seq <= r.sm.LastSeq(p.Req.Client) })
}

// retransmit resends what this replica sent for req in the current view:
// the primary its pre-prepare, a backup its prepare and commit. A client
// retries when something was lost; this repairs it without a view change.
func (r *replica) retransmit(req kv.Request) {
	for n := r.h + 1; n <= r.top; n++ {
		s := r.log[n]
		if s == nil || !s.hasPP || s.pp.Req != req {
			continue
		}
		r.out.Probe(ProbeRetransmit)
		if r.isPrimary() {
			r.broadcast(s.pp)
		} else {
			r.resendVotes(n, s)
		}
		return
	}
}

// resendVotes resends this replica's prepare and, once prepared, its commit
// for slot n of the current view.
func (r *replica) resendVotes(n uint64, s *slot) {
	if !r.isPrimary() {
		r.broadcast(r.prepare(n, s.pp.Digest))
	}
	if s.prepared {
		r.broadcast(r.commitVote(n, s.pp.Digest))
	}
}

func (r *replica) prepare(n, d uint64) Prepare {
	return Prepare{View: r.view, Seq: n, Digest: d, Sig: r.keys.Sign(prepareDigest(r.view, n, d))}
}

func (r *replica) commitVote(n, d uint64) Commit {
	return Commit{View: r.view, Seq: n, Digest: d, Sig: r.keys.Sign(commitDigest(r.view, n, d))}
}

// assign is the primary's: it gives each pending request not yet
// pre-prepared in this view the next sequence number, while the window
// allows.
func (r *replica) assign() {
	if !r.active || !r.isPrimary() {
		return
	}
	for _, p := range r.pending {
		if r.assigned[p.Req.Client] >= p.Req.Seq {
			continue
		}
		if !r.inWindow(r.next) {
			r.out.Probe(ProbeWindowFull)
			return
		}
		n := r.next
		r.next++
		pp := PrePrepare{View: r.view, Seq: n, Digest: requestDigest(p.Req), Req: p.Req, ReqSig: p.Sig}
		pp.Sig = r.keys.Sign(ppDigest(pp.View, n, pp.Digest))
		s := r.slot(n)
		s.pp, s.hasPP = pp, true
		r.assigned[p.Req.Client] = p.Req.Seq
		r.persist(AcceptRecord{PP: pp})
		r.out.Note(PrePrepared{View: pp.View, Seq: n, Digest: pp.Digest})
		r.broadcast(pp)
	}
}

// later reports whether a message of view v is not for the current view:
// one for a view not yet installed is kept for when it is, one for an
// earlier view dropped.
func (r *replica) later(v uint64, m protocols.Message) bool {
	switch {
	case v < r.view:
		return true
	case v > r.view || !r.active:
		if len(r.future) < 4*r.opts.Window {
			r.future = append(r.future, m)
			r.out.Probe(ProbeFutureBuffered)
		}
		return true
	}
	return false
}

// onPrePrepare is a backup accepting the primary's proposal: it must be
// signed by the primary of the current view, within the watermarks, and
// the first for its view and sequence number.
func (r *replica) onPrePrepare(m PrePrepare) {
	if r.later(m.View, m) || !r.inWindow(m.Seq) || r.isPrimary() || !r.validPP(m, false) {
		return
	}
	s := r.slot(m.Seq)
	if s.hasPP {
		if s.pp.Digest == m.Digest {
			r.resendVotes(m.Seq, s) // the primary resent it: something was lost
			return
		}
		r.out.Probe(ProbeEquivocation)
		if !r.bugs.acceptConflictingPrePrepare {
			return
		}
		// BUG accept-conflicting-preprepare: take the later proposal and
		// prepare it too.
		s.prepared = false
	}
	s.pp, s.hasPP = m, true
	r.persist(AcceptRecord{PP: m})
	r.out.Note(PrePrepared{View: m.View, Seq: m.Seq, Digest: m.Digest})
	p := r.prepare(m.Seq, m.Digest)
	r.addPrepare(s, p)
	r.broadcast(p)
	r.checkPrepared(m.Seq, s)
}

func (r *replica) onPrepare(m Prepare) {
	if r.later(m.View, m) || !r.inWindow(m.Seq) || m.Sig.Signer == r.primaryOf(m.View) ||
		!r.signed(m.Sig, prepareDigest(m.View, m.Seq, m.Digest)) {
		return
	}
	s := r.slot(m.Seq)
	if r.addPrepare(s, m) {
		r.checkPrepared(m.Seq, s)
	}
}

func (r *replica) onCommit(m Commit) {
	if r.later(m.View, m) || !r.inWindow(m.Seq) || !r.signed(m.Sig, commitDigest(m.View, m.Seq, m.Digest)) {
		return
	}
	s := r.slot(m.Seq)
	if r.addCommit(s, m) {
		r.checkCommitted(m.Seq, s)
	}
}

// addPrepare records a prepare unless its signer already voted so (with
// the bug duplicate-signers every copy is kept, and counted).
func (r *replica) addPrepare(s *slot, m Prepare) bool {
	for _, p := range s.prepares {
		if p.Sig.Signer != m.Sig.Signer {
			continue
		}
		if p.Digest != m.Digest {
			r.out.Probe(ProbeConflictingVote)
		} else if !r.bugs.duplicateSigners {
			return false
		}
	}
	if len(s.prepares) >= r.maxVotes() {
		return false
	}
	s.prepares = append(s.prepares, m)
	return true
}

// addCommit is addPrepare for commits.
func (r *replica) addCommit(s *slot, m Commit) bool {
	for _, c := range s.commits {
		if c.Sig.Signer != m.Sig.Signer {
			continue
		}
		if c.Digest != m.Digest {
			r.out.Probe(ProbeConflictingVote)
		} else if !r.bugs.duplicateSigners {
			return false
		}
	}
	if len(s.commits) >= r.maxVotes() {
		return false
	}
	s.commits = append(s.commits, m)
	return true
}

// checkPrepared: the pre-prepare and 2f matching prepares from distinct
// backups make the request prepared; the replica records the certificate
// (a view change carries it) and sends its commit.
func (r *replica) checkPrepared(n uint64, s *slot) {
	if !s.hasPP || s.prepared || !r.active || s.pp.View != r.view {
		return
	}
	primary := r.primaryOf(r.view)
	who := r.newSigners()
	var proof []Prepare
	for _, p := range s.prepares {
		if p.View == r.view && p.Digest == s.pp.Digest && p.Sig.Signer != primary && who.add(p.Sig.Signer) {
			proof = append(proof, p)
			if who.len() == r.q-1 {
				break
			}
		}
	}
	if who.len() < r.q-1 {
		return
	}
	s.prepared = true
	s.cert, s.hasCert = PreparedCert{PP: s.pp, Prepares: proof}, true
	r.persist(PreparedRecord{Cert: s.cert})
	c := r.commitVote(n, s.pp.Digest)
	r.addCommit(s, c)
	r.broadcast(c)
	r.checkCommitted(n, s)
}

// checkCommitted: prepared, and 2f+1 matching commits from distinct
// replicas, make the request committed.
func (r *replica) checkCommitted(n uint64, s *slot) {
	if !s.prepared || s.committed {
		return
	}
	who := r.newSigners()
	var proof []Commit
	for _, c := range s.commits {
		if c.View == r.view && c.Digest == s.pp.Digest && who.add(c.Sig.Signer) {
			proof = append(proof, c)
			if who.len() == r.q {
				break
			}
		}
	}
	if who.len() < r.q {
		return
	}
	r.commit(n, s, CommitCert{Seq: n, Digest: s.pp.Digest, Req: s.pp.Req, ReqSig: s.pp.ReqSig, Commits: proof})
}

// commit records that the request at n committed, and executes what it can.
func (r *replica) commit(n uint64, s *slot, cc CommitCert) {
	s.committed, s.cc = true, cc
	r.persist(CommitRecord{Cert: cc})
	r.out.Note(Committed{View: cc.View(), Seq: n, Digest: cc.Digest, Req: cc.Req})
	r.execute()
}

// execute runs committed requests in sequence-number order, from the last
// executed on, and takes a checkpoint every K.
func (r *replica) execute() {
	if r.exec < r.h {
		return // it adopted a checkpoint it has not reached: it waits for the state
	}
	progressed := false
	for {
		s := r.log[r.exec+1]
		if s == nil || !s.committed {
			break
		}
		r.exec++
		r.apply(r.exec, s.cc)
		progressed = true
		if r.exec%uint64(r.opts.CheckpointInterval) == 0 {
			r.takeCheckpoint()
		}
	}
	if progressed {
		r.attempts = 0
		r.resetRequestTimer()
		r.assign() // the window may have moved
	}
}

// apply executes the request at n and answers its client.
func (r *replica) apply(n uint64, cc CommitCert) {
	req := cc.Req
	if req.Client == "" {
		r.out.Probe(ProbeNullRequest)
		r.out.Note(Applied{Index: int(n), Term: cc.View(), Outcome: kv.Executed})
		return
	}
	res, outcome := r.sm.Apply(req)
	r.out.Note(Applied{Index: int(n), Term: cc.View(), Req: req, Outcome: outcome})
	if outcome != kv.Stale {
		r.out.Send(req.Client, Reply{View: r.view, Client: req.Client, Seq: req.Seq, Value: res})
	}
	r.dropExecuted()
}

// armRequestTimer starts the backup's suspicion of the primary, if it
// waits for a request and is not suspecting already.
func (r *replica) armRequestTimer() {
	if r.reqTimer || !r.active || r.isPrimary() || len(r.pending) == 0 {
		return
	}
	r.reqTimer = true
	r.out.SetTimer(timerRequest, r.opts.RequestTimeout)
}

// resetRequestTimer restarts it after progress: it runs again only if the
// replica still waits for some request.
func (r *replica) resetRequestTimer() {
	if r.reqTimer {
		r.reqTimer = false
		r.out.CancelTimer(timerRequest)
	}
	r.armRequestTimer()
}

// requestTimeout: a request waited too long; the primary is suspect.
func (r *replica) requestTimeout() {
	if r.active && !r.isPrimary() && len(r.pending) > 0 {
		r.startViewChange(r.view + 1)
	}
}
