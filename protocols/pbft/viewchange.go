package pbft

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
)

// The view change (§4.4). A backup that waited too long for a request
// suspects the primary: it stops accepting messages of its view and sends
// a view-change message for the next view, carrying its stable checkpoint
// and a prepared certificate for every request prepared above it. The
// primary of the new view gathers 2f+1 of them and sends a new-view
// message with the pre-prepares they imply; every replica checks that
// derivation and enters the view. A request that committed was prepared at
// f+1 correct replicas, one of which is among any 2f+1 senders, so its
// certificate reaches the new view and keeps its sequence number there.
//
// Liveness (§4.5): a replica that sees f+1 others ask for later views
// joins them (so a view change is not late by a timeout per replica); it
// starts the view-change timer only once 2f+1 asked for its view, and each
// view change that executes nothing doubles that timeout.

// startViewChange moves to view v and asks for it.
func (r *replica) startViewChange(v uint64) {
	if v <= r.view {
		return
	}
	r.view, r.active, r.hasNV = v, false, false
	if r.reqTimer {
		r.reqTimer = false
		r.out.CancelTimer(timerRequest)
	}
	if r.vcTimer {
		r.vcTimer = false
		r.out.CancelTimer(timerViewChange)
	}
	r.leaveView()
	r.attempts++
	r.out.Probe(ProbeViewChange)
	r.myVC = r.viewChange(v)
	r.persist(ViewRecord{VC: r.myVC})
	r.sentVCs = append(r.sentVCs, r.myVC)
	if len(r.sentVCs) > 4 {
		r.sentVCs = r.sentVCs[1:]
	}
	r.broadcast(r.myVC)
	r.storeVC(r.myVC)
	r.pruneFuture()
	r.afterVC()
}

// leaveView forgets what belongs to the view the replica is leaving: its
// pre-prepares and votes. Prepared certificates and commits stay.
func (r *replica) leaveView() {
	for _, s := range r.log {
		s.pp, s.hasPP, s.prepared = PrePrepare{}, false, false
		s.prepares, s.commits = nil, nil
	}
	r.assigned = map[protocols.NodeID]uint64{}
}

// viewChange builds this replica's view-change message for v.
func (r *replica) viewChange(v uint64) ViewChange {
	m := ViewChange{View: v, Stable: r.h, State: r.hState, Proof: r.hProof}
	for n := r.h + 1; n <= r.top; n++ {
		if s := r.log[n]; s != nil && s.hasCert {
			m.Prepared = append(m.Prepared, s.cert)
		}
	}
	m.Sig = r.keys.Sign(vcDigest(m))
	return m
}

// storeVC keeps a valid view-change message: the latest per sender and
// view, for views above the installed one, a few views per sender.
func (r *replica) storeVC(m ViewChange) {
	for i, vc := range r.vcs {
		if vc.Sig.Signer == m.Sig.Signer && vc.View == m.View {
			r.vcs[i] = m
			return
		}
	}
	r.vcs = append(r.vcs, m)
	n := 0
	for _, vc := range r.vcs {
		if vc.Sig.Signer == m.Sig.Signer {
			n++
		}
	}
	if n > 4 { // drop the sender's lowest view
		low := -1
		for i, vc := range r.vcs {
			if vc.Sig.Signer == m.Sig.Signer && (low < 0 || vc.View < r.vcs[low].View) {
				low = i
			}
		}
		r.vcs = slices.Delete(r.vcs, low, low+1)
	}
}

func (r *replica) onViewChange(m ViewChange) {
	if m.View < r.view || (m.View == r.view && r.active) || m.Sig.Signer == r.id || !r.validVC(m, false) {
		return
	}
	r.storeVC(m)
	if v := r.joinTarget(); v > r.view {
		r.out.Probe(ProbeViewChangeJoined)
		r.startViewChange(v)
		return
	}
	if m.View == r.view {
		r.afterVC()
	}
}

// joinTarget returns the view to join when f+1 other replicas ask for
// views above this one's: the highest view that f+1 of them ask for at
// least, so that a correct replica is among those asking. Zero if fewer
// than f+1 ask.
func (r *replica) joinTarget() uint64 {
	var highest []uint64 // per sender, the highest view it asks for above ours
	var who []protocols.NodeID
	for _, vc := range r.vcs {
		if vc.View <= r.view || vc.Sig.Signer == r.id {
			continue
		}
		if i := slices.Index(who, vc.Sig.Signer); i >= 0 {
			highest[i] = max(highest[i], vc.View)
			continue
		}
		who = append(who, vc.Sig.Signer)
		highest = append(highest, vc.View)
	}
	if len(highest) < r.f+1 {
		return 0
	}
	slices.Sort(highest)
	return highest[len(highest)-(r.f+1)]
}

// afterVC acts on the view-change messages for the view being changed to:
// with 2f+1, a backup starts its timer, and the new primary sends the new
// view.
func (r *replica) afterVC() {
	if r.active {
		return
	}
	var chosen []ViewChange
	for _, vc := range r.vcs {
		if vc.View == r.view {
			chosen = append(chosen, vc)
		}
	}
	if len(chosen) < r.q {
		return
	}
	if r.primaryOf(r.view) != r.id {
		if !r.vcTimer {
			r.vcTimer = true
			r.out.SetTimer(timerViewChange, r.opts.ViewChangeTimeout<<min(max(r.attempts-1, 0), 3))
		}
		return
	}
	// The new primary: its own message and the others', by sender, a quorum.
	slices.SortFunc(chosen, func(a, b ViewChange) int {
		switch {
		case a.Sig.Signer == r.id:
			return -1
		case b.Sig.Signer == r.id:
			return 1
		}
		return protocols.Compare(a.Sig.Signer, b.Sig.Signer)
	})
	chosen = chosen[:r.q]
	slices.SortFunc(chosen, func(a, b ViewChange) int { return protocols.Compare(a.Sig.Signer, b.Sig.Signer) })
	plan := deriveO(r.view, chosen, uint64(r.opts.Window))
	for i := range plan.pps {
		pp := &plan.pps[i]
		pp.Sig = r.keys.Sign(ppDigest(pp.View, pp.Seq, pp.Digest))
	}
	nv := NewView{View: r.view, VCs: chosen, PPs: plan.pps}
	nv.Sig = r.keys.Sign(nvDigest(nv))
	r.broadcast(nv)
	r.installView(nv, plan)
}

func (r *replica) onNewView(m NewView) {
	if m.View < r.view || (m.View == r.view && r.active) || !r.validNV(m) {
		return
	}
	r.installView(m, deriveO(m.View, m.VCs, uint64(r.opts.Window)))
}

// installView enters the view of a checked new-view message: it adopts the
// highest stable checkpoint among its view changes, accepts its
// pre-prepares and, as a backup, prepares them.
func (r *replica) installView(nv NewView, plan newViewPlan) {
	if nv.View > r.view {
		r.leaveView()
	}
	r.view, r.active, r.nv, r.hasNV = nv.View, true, nv, true
	r.persist(NewViewRecord{NV: nv})
	if r.vcTimer {
		r.vcTimer = false
		r.out.CancelTimer(timerViewChange)
	}
	r.vcs = slices.DeleteFunc(r.vcs, func(vc ViewChange) bool { return vc.View <= nv.View })
	r.out.Note(NewViewInstalled{View: nv.View})
	r.out.Probe(ProbeNewView)
	if plan.stable > r.h {
		r.adoptStable(plan.stable, plan.state, plan.proof)
	}
	r.assigned = map[protocols.NodeID]uint64{}
	primary := r.isPrimary()
	for _, pp := range nv.PPs {
		if pp.Seq <= r.h {
			continue
		}
		if !pp.IsNull() {
			r.out.Probe(ProbeNewViewKept)
			r.assigned[pp.Req.Client] = max(r.assigned[pp.Req.Client], pp.Req.Seq)
		}
		s := r.slot(pp.Seq)
		s.pp, s.hasPP = pp, true
		r.out.Note(PrePrepared{View: pp.View, Seq: pp.Seq, Digest: pp.Digest})
		if !primary {
			p := r.prepare(pp.Seq, pp.Digest)
			r.addPrepare(s, p)
			r.broadcast(p)
		}
	}
	if primary {
		// Numbering goes on after the last re-proposed request; stray slots
		// above it (votes a faulty replica sent) must not leave a gap.
		r.next = max(r.h, plan.stable) + 1
		if n := len(nv.PPs); n > 0 {
			r.next = max(r.next, nv.PPs[n-1].Seq+1)
		}
	}
	// Messages of this view that came early.
	early := r.future
	r.future = nil
	for _, m := range early {
		if viewOf(m) >= nv.View {
			r.receive("", m)
		}
	}
	for n := r.h + 1; n <= r.top; n++ {
		if s := r.log[n]; s != nil {
			r.checkPrepared(n, s)
		}
	}
	if primary {
		r.assign()
		return
	}
	for _, p := range r.pending {
		r.out.Send(r.primaryOf(r.view), p)
	}
	r.resetRequestTimer()
}

// viewOf returns the view of a buffered message.
func viewOf(m protocols.Message) uint64 {
	switch m := m.(type) {
	case PrePrepare:
		return m.View
	case Prepare:
		return m.View
	case Commit:
		return m.View
	}
	return 0
}

// pruneFuture drops buffered messages of views below the current one.
func (r *replica) pruneFuture() {
	r.future = slices.DeleteFunc(r.future, func(m protocols.Message) bool { return viewOf(m) < r.view })
}

// viewChangeTimeout: 2f+1 asked for the view, but no new-view came in
// time. On to the next.
func (r *replica) viewChangeTimeout() {
	if !r.active {
		r.out.Probe(ProbeViewChangeTimeout)
		r.startViewChange(r.view + 1)
	}
}
