package pbft

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
)

// Checkpoints and garbage collection (§4.3). Every K sequence numbers a
// replica takes a checkpoint of its state and sends its digest, signed, to
// the others. 2f+1 matching checkpoint messages from distinct replicas make
// it stable: the log up to there is discarded, the watermarks move, and
// the checkpoint with its proof is what a replica that fell behind receives
// instead of the requests it missed.

// takeCheckpoint snapshots the state after executing r.exec.
func (r *replica) takeCheckpoint() {
	snap := r.sm.Snapshot()
	st := stateDigest(snap)
	r.own = append(r.own, ownCheckpoint{seq: r.exec, state: st, snap: snap})
	r.out.Note(Checkpointed{Seq: r.exec, State: st})
	c := Checkpoint{Seq: r.exec, State: st, Sig: r.keys.Sign(checkpointDigest(r.exec, st))}
	r.broadcast(c)
	r.addCheckpoint(c)
}

func (r *replica) onCheckpoint(m Checkpoint) {
	if m.Seq <= r.h || m.Seq > r.h+2*uint64(r.opts.Window) || !r.signed(m.Sig, checkpointDigest(m.Seq, m.State)) {
		return
	}
	r.addCheckpoint(m)
}

// addCheckpoint records a checkpoint message (one per replica and sequence
// number; with the bug duplicate-signers every copy) and adopts the
// checkpoint once a quorum of distinct replicas agree on it.
func (r *replica) addCheckpoint(m Checkpoint) {
	for _, c := range r.cps {
		if c.Seq == m.Seq && c.Sig.Signer == m.Sig.Signer && (!r.bugs.duplicateSigners || c.State != m.State) {
			return
		}
	}
	if len(r.cps) >= 4*len(r.all)*(2*r.opts.Window/r.opts.CheckpointInterval+1) {
		return
	}
	r.cps = append(r.cps, m)
	who := r.newSigners()
	var proof []Checkpoint
	for _, c := range r.cps {
		if c.Seq == m.Seq && c.State == m.State && who.add(c.Sig.Signer) {
			proof = append(proof, c)
		}
	}
	if who.len() >= r.q {
		r.adoptStable(m.Seq, m.State, proof)
		r.assign() // the window moved
	}
}

// adoptStable makes (seq, state) the stable checkpoint, proved by proof:
// from a quorum of checkpoint messages, a new-view or a state transfer.
// If the replica has executed up to seq it keeps its own snapshot for
// others; if not, it waits for a state transfer.
func (r *replica) adoptStable(seq, state uint64, proof []Checkpoint) {
	if seq <= r.h {
		return
	}
	r.h, r.hState, r.hProof, r.hasSnap = seq, state, proof, false
	r.out.Note(Stabilized{Seq: seq, State: state})
	r.out.Probe(ProbeCheckpointStable)
	if r.exec >= seq {
		for _, o := range r.own {
			if o.seq == seq && o.state == state {
				r.hSnap, r.hasSnap = o.snap, true
			}
		}
	}
	if r.hasSnap {
		r.persist(StableRecord{Seq: seq, Snapshot: r.hSnap, Proof: proof})
	}
	r.collect()
	if r.isPrimary() {
		r.next = max(r.next, r.h+1)
	}
}

// collect discards what the stable checkpoint made useless: the log, own
// checkpoints and checkpoint messages at or below it, and buffered messages
// for sequence numbers below it.
func (r *replica) collect() {
	for n := range r.log {
		if n <= r.h {
			delete(r.log, n)
		}
	}
	r.top = max(r.top, r.h)
	r.own = slices.DeleteFunc(r.own, func(o ownCheckpoint) bool { return o.seq <= r.h })
	r.cps = slices.DeleteFunc(r.cps, func(c Checkpoint) bool { return c.Seq <= r.h })
}

// onState installs a stable checkpoint's state sent by a replica ahead of
// this one, once its proof checks out against the snapshot's digest.
func (r *replica) onState(from protocols.NodeID, m State) {
	if !r.isReplica(from) || m.Seq <= r.exec || len(m.Proof) == 0 {
		return
	}
	st := stateDigest(m.Snapshot)
	if !r.checkpointProof(m.Seq, st, m.Proof) {
		return
	}
	r.sm = m.Snapshot.Restore()
	r.exec = m.Seq
	r.out.Probe(ProbeStateTransfer)
	r.out.Note(Installed{Seq: m.Seq, State: st})
	if m.Seq >= r.h {
		if m.Seq > r.h {
			r.h, r.hState, r.hProof = m.Seq, st, m.Proof
			r.out.Note(Stabilized{Seq: m.Seq, State: st})
		}
		r.hSnap, r.hasSnap = m.Snapshot, true
		r.persist(StableRecord{Seq: m.Seq, Snapshot: m.Snapshot, Proof: m.Proof})
	}
	r.collect()
	r.dropExecuted()
	if r.isPrimary() {
		r.next = max(r.next, r.h+1)
	}
	r.execute()
	r.resetRequestTimer()
	r.assign()
}
