package pbft

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// A replica's durable store is a write-ahead log of records, replayed in
// order on restart. Each is persisted in the step that makes the change,
// and the driver syncs a step's records before its messages leave, so a
// replica never sends a vote it could forget: after a restart it is in the
// same view, holds the pre-prepares it accepted, the certificates it
// formed and the requests it saw commit, and cannot vote differently where
// it already voted (a restarted replica that did would be as harmful as a
// faulty one, with no fault budget to spare). Its state machine comes back
// from the last stable checkpoint's snapshot and the committed requests
// above it are executed again. See design.md.

// ViewRecord records that the replica started a view change, with the
// view-change message it sent: after a restart it sends the same one, and
// resends it to replicas still waiting for a quorum in that view.
type ViewRecord struct{ VC ViewChange }

// String renders the record as view 2 (changing).
func (r ViewRecord) String() string {
	return "view " + strconv.FormatUint(r.VC.View, 10) + " (changing)"
}

// NewViewRecord records the new-view message that installed a view, with
// the pre-prepares it carries; the replica resends it to replicas behind.
type NewViewRecord struct{ NV NewView }

// String renders the record as new-view 2 (3 pre-prepares).
func (r NewViewRecord) String() string {
	return "new-view " + strconv.FormatUint(r.NV.View, 10) + " (" + strconv.Itoa(len(r.NV.PPs)) + " pre-prepares)"
}

// AcceptRecord records a pre-prepare the replica accepted (a backup) or
// sent (the primary).
type AcceptRecord struct{ PP PrePrepare }

// String renders the record as accept v=0 n=3 d=3fa2c1.
func (r AcceptRecord) String() string {
	return "accept " + string(appendVND(nil, r.PP.View, r.PP.Seq, r.PP.Digest))
}

// PreparedRecord records a prepared certificate, before the replica's
// commit for it leaves.
type PreparedRecord struct{ Cert PreparedCert }

// String renders the record as prepared v=0 n=3 d=3fa2c1.
func (r PreparedRecord) String() string {
	return "prepared " + string(appendVND(nil, r.Cert.PP.View, r.Cert.PP.Seq, r.Cert.PP.Digest))
}

// CommitRecord records that a request committed, with the certificate.
type CommitRecord struct{ Cert CommitCert }

// String renders the record as committed v=0 n=3 d=3fa2c1.
func (r CommitRecord) String() string {
	return "committed " + string(appendVND(nil, r.Cert.View(), r.Cert.Seq, r.Cert.Digest))
}

// StableRecord records a stable checkpoint with its state and proof.
type StableRecord struct {
	Seq      uint64
	Snapshot kv.Snapshot
	Proof    []Checkpoint
}

// String renders the record as stable n=16 keys=3.
func (r StableRecord) String() string {
	return "stable n=" + strconv.FormatUint(r.Seq, 10) + " keys=" + strconv.Itoa(len(r.Snapshot.Data))
}

// persist appends a record to the store. With the bug amnesia only stable
// checkpoints reach the disk.
func (r *replica) persist(rec protocols.Record) {
	if _, stable := rec.(StableRecord); r.bugs.amnesia && !stable {
		return // BUG amnesia: the view, the log and the votes live in memory only
	}
	r.out.Persist(rec)
}

// recoverState rebuilds the durable state from the store, before Start.
func (r *replica) recoverState(store []protocols.Record) {
	if len(store) == 0 {
		return
	}
	r.recovered = true
	accepted := map[uint64]PrePrepare{}
	certs := map[uint64]PreparedCert{}
	commits := map[uint64]CommitCert{}
	accept := func(pp PrePrepare) {
		if old, ok := accepted[pp.Seq]; !ok || pp.View >= old.View {
			accepted[pp.Seq] = pp
		}
	}
	for _, rec := range store {
		switch rec := rec.(type) {
		case ViewRecord:
			r.view, r.active, r.hasNV = rec.VC.View, false, false
			r.myVC = rec.VC
			r.sentVCs = append(r.sentVCs, rec.VC)
			if len(r.sentVCs) > 4 {
				r.sentVCs = r.sentVCs[1:]
			}
		case NewViewRecord:
			r.view, r.active, r.nv, r.hasNV = rec.NV.View, true, rec.NV, true
			for _, pp := range rec.NV.PPs {
				accept(pp)
			}
		case AcceptRecord:
			accept(rec.PP)
		case PreparedRecord:
			if old, ok := certs[rec.Cert.PP.Seq]; !ok || rec.Cert.PP.View >= old.PP.View {
				certs[rec.Cert.PP.Seq] = rec.Cert
			}
		case CommitRecord:
			commits[rec.Cert.Seq] = rec.Cert
		case StableRecord:
			if rec.Seq > r.h {
				r.h, r.hState, r.hProof = rec.Seq, stateDigest(rec.Snapshot), rec.Proof
				r.hSnap, r.hasSnap = rec.Snapshot, true
			}
		}
	}
	if r.hasSnap {
		r.sm = r.hSnap.Restore()
	}
	r.exec = r.h
	r.next = r.h + 1
	r.assigned = map[protocols.NodeID]uint64{}
	for n, pp := range accepted {
		if n <= r.h || !r.active || pp.View != r.view {
			continue
		}
		s := r.slot(n)
		s.pp, s.hasPP = pp, true
		r.next = max(r.next, n+1)
		if !pp.IsNull() {
			r.assigned[pp.Req.Client] = max(r.assigned[pp.Req.Client], pp.Req.Seq)
		}
	}
	for n, c := range certs {
		if n <= r.h {
			continue
		}
		s := r.slot(n)
		s.cert, s.hasCert = c, true
		s.prepared = s.hasPP && c.PP.View == r.view && c.PP.Digest == s.pp.Digest
	}
	for n, c := range commits {
		if n <= r.h {
			continue
		}
		s := r.slot(n)
		s.committed, s.cc = true, c
	}
}

// start begins an incarnation: it executes again what committed above the
// last stable checkpoint, resends the view-change message it sent if it
// was changing views, and tells the others where it is.
func (r *replica) start() {
	if r.recovered {
		r.out.Probe(ProbeRestartRecovered)
	}
	if r.assigned == nil {
		r.assigned = map[protocols.NodeID]uint64{}
	}
	r.out.Note(Restored{Seq: r.h, State: r.hState})
	r.execute()
	if !r.active {
		r.broadcast(r.myVC)
		r.storeVC(r.myVC)
	}
	r.sendStatus()
}
