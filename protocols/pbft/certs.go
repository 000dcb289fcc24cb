package pbft

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Checking messages and certificates. A replica checks every signature it
// relies on: of the messages it receives and of every message inside the
// certificates they carry, whoever forwarded them, and it counts a quorum
// by distinct signers. That is what keeps a faulty replica, which can sign
// only as itself, from making up a quorum: it can withhold, replay and
// bundle others' signed messages, never mint one.

// signed checks a signature a replica relies on directly: by a replica,
// valid over digest.
func (r *replica) signed(sig protocols.Signature, digest uint64) bool {
	if !r.isReplica(sig.Signer) || !r.keys.Verify(sig, digest) {
		r.out.Probe(ProbeBadSignature)
		return false
	}
	return true
}

// embedded checks a signature inside a certificate. With the bug
// unverified-certificates it trusts the forwarder and checks only that the
// signer is a replica.
func (r *replica) embedded(sig protocols.Signature, digest uint64) bool {
	if r.bugs.unverifiedCertificates {
		return r.isReplica(sig.Signer) // BUG unverified-certificates: whoever forwarded it vouches for it
	}
	return r.signed(sig, digest)
}

// validRequest checks a client's request: signed by its client, which is
// not a replica. The null request needs no signature.
func (r *replica) validRequest(req kv.Request, sig protocols.Signature) bool {
	if req.Client == "" {
		return true
	}
	if sig.Signer != req.Client || r.isReplica(req.Client) || !r.keys.Verify(sig, requestDigest(req)) {
		r.out.Probe(ProbeBadRequest)
		return false
	}
	return true
}

// validPP checks a pre-prepare: signed by the primary of its view, with a
// digest that matches its request, a request its client signed.
func (r *replica) validPP(pp PrePrepare, inCert bool) bool {
	if pp.Sig.Signer != r.primaryOf(pp.View) || pp.Digest != digestOf(pp.Req) {
		r.out.Probe(ProbeBadSignature)
		return false
	}
	check := r.signed
	if inCert {
		check = r.embedded
	}
	return check(pp.Sig, ppDigest(pp.View, pp.Seq, pp.Digest)) && r.validRequest(pp.Req, pp.ReqSig)
}

// checkpointProof reports whether proof holds checkpoints for (seq, state)
// from a quorum of distinct replicas.
func (r *replica) checkpointProof(seq, state uint64, proof []Checkpoint) bool {
	if seq == 0 {
		return state == genesisState
	}
	who := r.newSigners()
	for _, c := range proof {
		if c.Seq == seq && c.State == state && r.embedded(c.Sig, checkpointDigest(c.Seq, c.State)) {
			who.add(c.Sig.Signer)
		}
	}
	if who.len() < r.q {
		r.out.Probe(ProbeBadCertificate)
		return false
	}
	return true
}

// preparedCert reports whether c proves its request prepared: a valid
// pre-prepare and a quorum less one of matching prepares from distinct
// backups of its view (the primary's pre-prepare stands for its vote).
func (r *replica) preparedCert(c PreparedCert) bool {
	if !r.validPP(c.PP, true) {
		return false
	}
	primary := r.primaryOf(c.PP.View)
	who := r.newSigners()
	for _, p := range c.Prepares {
		if p.View == c.PP.View && p.Seq == c.PP.Seq && p.Digest == c.PP.Digest && p.Sig.Signer != primary &&
			r.embedded(p.Sig, prepareDigest(p.View, p.Seq, p.Digest)) {
			who.add(p.Sig.Signer)
		}
	}
	if who.len() < r.q-1 {
		r.out.Probe(ProbeBadCertificate)
		return false
	}
	return true
}

// commitCert reports whether c proves its request committed: a quorum of
// matching commits of one view from distinct replicas, for the request it
// carries.
func (r *replica) commitCert(c CommitCert) bool {
	if c.Digest != digestOf(c.Req) || !r.validRequest(c.Req, c.ReqSig) || len(c.Commits) == 0 {
		return false
	}
	v := c.Commits[0].View
	who := r.newSigners()
	for _, m := range c.Commits {
		if m.View == v && m.Seq == c.Seq && m.Digest == c.Digest && r.embedded(m.Sig, commitDigest(m.View, m.Seq, m.Digest)) {
			who.add(m.Sig.Signer)
		}
	}
	if who.len() < r.q {
		r.out.Probe(ProbeBadCertificate)
		return false
	}
	return true
}

// validVC checks a view-change message: signed by its sender, its stable
// checkpoint proved, and each prepared certificate valid, of an earlier
// view, above the checkpoint and within the window, one per sequence
// number in increasing order.
func (r *replica) validVC(m ViewChange, inNewView bool) bool {
	check := r.signed
	if inNewView {
		check = r.embedded
	}
	if !check(m.Sig, vcDigest(m)) || !r.checkpointProof(m.Stable, m.State, m.Proof) {
		return false
	}
	last := m.Stable
	for _, c := range m.Prepared {
		if c.PP.View >= m.View || c.PP.Seq <= last || c.PP.Seq > m.Stable+uint64(r.opts.Window) || !r.preparedCert(c) {
			r.out.Probe(ProbeBadCertificate)
			return false
		}
		last = c.PP.Seq
	}
	return true
}

// validNV checks a new-view message: signed by the primary of its view,
// carrying valid view-change messages for that view from a quorum of
// distinct replicas, and pre-prepares signed by the primary that are
// exactly the ones those view changes imply.
func (r *replica) validNV(m NewView) bool {
	primary := r.primaryOf(m.View)
	if m.Sig.Signer != primary || !r.signed(m.Sig, nvDigest(m)) {
		return false
	}
	who := r.newSigners()
	for _, vc := range m.VCs {
		if vc.View != m.View || !r.validVC(vc, true) {
			r.out.Probe(ProbeBadNewView)
			return false
		}
		who.add(vc.Sig.Signer)
	}
	if who.len() < r.q {
		r.out.Probe(ProbeBadNewView)
		return false
	}
	o := deriveO(m.View, m.VCs, uint64(r.opts.Window))
	if len(o.pps) != len(m.PPs) {
		r.out.Probe(ProbeBadNewView)
		return false
	}
	for i, pp := range m.PPs {
		want := o.pps[i]
		if pp.View != want.View || pp.Seq != want.Seq || pp.Digest != want.Digest || pp.Req != want.Req ||
			pp.ReqSig != want.ReqSig || pp.Sig.Signer != primary || !r.signed(pp.Sig, ppDigest(pp.View, pp.Seq, pp.Digest)) {
			r.out.Probe(ProbeBadNewView)
			return false
		}
	}
	return true
}

// newViewPlan is what a set of view-change messages implies for the new
// view: the stable checkpoint to start from (the highest among them, with
// its proof) and the pre-prepares above it (unsigned).
type newViewPlan struct {
	stable, state uint64
	proof         []Checkpoint
	pps           []PrePrepare
}

// deriveO computes the new view's starting checkpoint and pre-prepares
// from the view-change messages (§4.4): min-s is the highest stable
// checkpoint among them, max-s the highest sequence number of a prepared
// certificate; every number in between gets the request of the certificate
// with the highest view for it, or the null request. Checks must come
// first; vcs are taken as valid.
func deriveO(view uint64, vcs []ViewChange, window uint64) newViewPlan {
	var p newViewPlan
	p.state = genesisState
	for _, vc := range vcs {
		if vc.Stable > p.stable {
			p.stable, p.state, p.proof = vc.Stable, vc.State, vc.Proof
		}
	}
	best := make([]*PreparedCert, window)
	top := p.stable
	for i := range vcs {
		for j := range vcs[i].Prepared {
			c := &vcs[i].Prepared[j]
			n := c.PP.Seq
			if n <= p.stable || n > p.stable+window {
				continue
			}
			if b := best[n-p.stable-1]; b == nil || c.PP.View > b.PP.View {
				best[n-p.stable-1] = c
			}
			top = max(top, n)
		}
	}
	for n := p.stable + 1; n <= top; n++ {
		pp := PrePrepare{View: view, Seq: n, Digest: nullDigest}
		if c := best[n-p.stable-1]; c != nil {
			pp.Digest, pp.Req, pp.ReqSig = c.PP.Digest, c.PP.Req, c.PP.ReqSig
		}
		p.pps = append(p.pps, pp)
	}
	return p
}
