package pbft

import "github.com/dsimlab/dsim/protocols"

// Catching up. Messages get lost, replicas crash and partitions cut some
// off, so every replica periodically sends the others a Status (its view,
// whether it is installed, its stable checkpoint and its last executed
// sequence number), and a replica that sees another behind sends what it
// needs, each piece carrying its own proof, as in the status-driven
// retransmission of Castro's thesis: the new-view message of a later view,
// its own view-change message, the state of a stable checkpoint the other
// has not reached, the checkpoint messages of one it reached but does not
// know is stable, or commit certificates for what it has not executed.
// Nothing is taken on the sender's word.

// maxCertsPerStatus bounds the commit certificates sent for one status.
const maxCertsPerStatus = 8

// sendStatus tells every other replica where this one is, and arms the
// next status.
func (r *replica) sendStatus() {
	r.broadcast(Status{View: r.view, Active: r.active, Stable: r.h, Exec: r.exec})
	r.out.SetTimer(timerStatus, r.opts.StatusInterval)
}

func (r *replica) onStatus(from protocols.NodeID, m Status) {
	if from == r.id || !r.isReplica(from) {
		return
	}
	switch {
	case r.active && r.hasNV && (m.View < r.view || (m.View == r.view && !m.Active)):
		r.out.Send(from, r.nv) // it missed the view change
	case !r.active && m.View <= r.view:
		r.out.Send(from, r.myVC) // it may join, or count this replica's vote
	}
	if !m.Active && m.View < r.view {
		// It waits for a quorum in a view this replica already asked for and
		// left: its old view-change message may be the one missing.
		for _, vc := range r.sentVCs {
			if vc.View == m.View {
				r.out.Send(from, vc)
			}
		}
	}
	if m.Exec < r.h && r.hasSnap && r.exec >= r.h {
		r.out.Send(from, State{Seq: r.h, Snapshot: r.hSnap, Proof: r.hProof})
		return
	}
	if m.Stable < r.h {
		// It executed that far but missed the checkpoint messages that make
		// the checkpoint stable: its window would stop moving.
		for _, c := range r.hProof {
			r.out.Send(from, c)
		}
	}
	sent := 0
	for n := max(m.Exec, r.h) + 1; n <= r.top && sent < maxCertsPerStatus; n++ {
		if s := r.log[n]; s != nil && s.committed {
			r.out.Send(from, s.cc)
			sent++
		}
	}
}

// onCommitCert executes on another replica's proof that a request
// committed, for a sequence number this replica has not seen commit.
func (r *replica) onCommitCert(m CommitCert) {
	if !r.inWindow(m.Seq) {
		return
	}
	if s := r.log[m.Seq]; s != nil && s.committed {
		return
	}
	if !r.commitCert(m) {
		return
	}
	r.out.Probe(ProbeCommitCert)
	if !r.active {
		r.out.Probe(ProbeViewChangeStuck)
	}
	r.commit(m.Seq, r.slot(m.Seq), m)
}
