package pbft

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The messages of PBFT with signatures (Castro and Liskov, OSDI 1999, §4).
// Every message a replica may forward inside another (a certificate) is
// signed by its author over the digest of its canonical bytes (sign.go), so
// that a replica receiving a certificate can check each part without
// trusting whoever forwarded it. Messages only ever seen by their direct
// receiver (Status, State, Reply) travel on authenticated links and carry
// no signature. Messages are values: certificates are slices owned by the
// message and never mutated after sending.
//
// Traces show a digest as its low 24 bits in hex (d=3fa2c1) and a signature
// as Signature.String does, so that a line stays short; the full values are what the
// checks compare.

// Request is a client's operation, signed by the client so that no replica
// (a faulty primary in particular) can make one up: Sig is the client's
// signature over the request's digest.
type Request struct {
	Req kv.Request
	Sig protocols.Signature
}

// Kind implements protocols.Message.
func (Request) Kind() string { return "Request" }

// String renders the message as Request{c1#7 put(k1,c1.7)}.
func (m Request) String() string { return string(m.appendTo(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Request) AppendText(b []byte) ([]byte, error) { return m.appendTo(b), nil }

func (m Request) appendTo(b []byte) []byte {
	b = append(b, "Request{"...)
	b = appendReq(b, m.Req)
	return append(b, '}')
}

// Reply answers client Client: the result of its request Seq, as executed
// by the sending replica in View. A client accepts a result once f+1
// replicas sent the same one, so at least one of them is correct.
type Reply struct {
	View   uint64
	Client protocols.NodeID
	Seq    uint64 // the client's sequence number
	Value  string // a get's result; "" for a write
}

// Kind implements protocols.Message.
func (Reply) Kind() string { return "Reply" }

// String renders the message as Reply{v=0 c1#7 "c2.3"}.
func (m Reply) String() string { return string(m.appendTo(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Reply) AppendText(b []byte) ([]byte, error) { return m.appendTo(b), nil }

func (m Reply) appendTo(b []byte) []byte {
	b = append(b, "Reply{v="...)
	b = strconv.AppendUint(b, m.View, 10)
	b = append(b, ' ')
	b = append(b, m.Client...)
	b = append(b, '#')
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, ' ')
	b = strconv.AppendQuote(b, m.Value)
	return append(b, '}')
}

// PrePrepare is the primary's proposal: request Req (with its client's
// signature ReqSig) gets sequence number Seq in View. Digest is the
// request's digest, or the null digest for a null request (Req zero), which
// a new primary uses to fill gaps. Sig is primary(View)'s signature over
// (View, Seq, Digest); the digest binds the request.
type PrePrepare struct {
	View   uint64
	Seq    uint64
	Digest uint64
	Req    kv.Request
	ReqSig protocols.Signature
	Sig    protocols.Signature
}

// Kind implements protocols.Message.
func (PrePrepare) Kind() string { return "PrePrepare" }

// IsNull reports whether the pre-prepare proposes the null request.
func (m PrePrepare) IsNull() bool { return m.Req.Client == "" }

// String renders the message as
// PrePrepare{v=0 n=3 d=3fa2c1 c1#7 put(k1,c1.7) sig(n1:…)}, or with "null"
// for the null request.
func (m PrePrepare) String() string { return string(m.appendTo(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m PrePrepare) AppendText(b []byte) ([]byte, error) { return m.appendTo(b), nil }

func (m PrePrepare) appendTo(b []byte) []byte {
	b = append(b, "PrePrepare{"...)
	b = appendVND(b, m.View, m.Seq, m.Digest)
	b = append(b, ' ')
	if m.IsNull() {
		b = append(b, "null"...)
	} else {
		b = appendReq(b, m.Req)
	}
	b = append(b, ' ')
	b = appendSig(b, m.Sig)
	return append(b, '}')
}

// Prepare is a backup's vote that it accepted the pre-prepare (View, Seq,
// Digest); Sig is the backup's. Pre-prepare plus 2f prepares from distinct
// backups make the request prepared: no other request can be prepared with
// that view and sequence number.
type Prepare struct {
	View, Seq, Digest uint64
	Sig               protocols.Signature
}

// Kind implements protocols.Message.
func (Prepare) Kind() string { return "Prepare" }

// String renders the message as Prepare{v=0 n=3 d=3fa2c1 sig(n2:…)}.
func (m Prepare) String() string { return string(m.AppendTextBytes(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Prepare) AppendText(b []byte) ([]byte, error) { return m.AppendTextBytes(b), nil }

// AppendTextBytes is AppendText without the error.
func (m Prepare) AppendTextBytes(b []byte) []byte {
	b = append(b, "Prepare{"...)
	b = appendVND(b, m.View, m.Seq, m.Digest)
	b = append(b, ' ')
	b = appendSig(b, m.Sig)
	return append(b, '}')
}

// Commit is a replica's vote that the request is prepared at it in View.
// 2f+1 matching commits from distinct replicas make it committed: prepared
// at f+1 correct replicas, so every later view keeps it at Seq.
type Commit struct {
	View, Seq, Digest uint64
	Sig               protocols.Signature
}

// Kind implements protocols.Message.
func (Commit) Kind() string { return "Commit" }

// String renders the message as Commit{v=0 n=3 d=3fa2c1 sig(n2:…)}.
func (m Commit) String() string { return string(m.AppendTextBytes(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Commit) AppendText(b []byte) ([]byte, error) { return m.AppendTextBytes(b), nil }

// AppendTextBytes is AppendText without the error.
func (m Commit) AppendTextBytes(b []byte) []byte {
	b = append(b, "Commit{"...)
	b = appendVND(b, m.View, m.Seq, m.Digest)
	b = append(b, ' ')
	b = appendSig(b, m.Sig)
	return append(b, '}')
}

// Checkpoint says the sender's state after executing Seq has digest State.
// 2f+1 matching checkpoints from distinct replicas are a stable checkpoint's
// proof: the log up to Seq can be discarded, and the state handed to a
// replica that fell behind.
type Checkpoint struct {
	Seq, State uint64
	Sig        protocols.Signature
}

// Kind implements protocols.Message.
func (Checkpoint) Kind() string { return "Checkpoint" }

// String renders the message as Checkpoint{n=16 state=3fa2c1 sig(n2:…)}.
func (m Checkpoint) String() string { return string(m.appendTo(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Checkpoint) AppendText(b []byte) ([]byte, error) { return m.appendTo(b), nil }

func (m Checkpoint) appendTo(b []byte) []byte {
	b = append(b, "Checkpoint{n="...)
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, " state="...)
	b = appendDigest(b, m.State)
	b = append(b, ' ')
	b = appendSig(b, m.Sig)
	return append(b, '}')
}

// PreparedCert proves a request prepared: the pre-prepare and 2f matching
// prepares from distinct backups of its view.
type PreparedCert struct {
	PP       PrePrepare
	Prepares []Prepare
}

// ViewChange is a replica's vote to move to View, with what a new primary
// needs to keep every request that may have committed: its last stable
// checkpoint (Stable, its state digest State and the 2f+1 checkpoints that
// prove it; none for the initial state at 0) and a prepared certificate for
// every request prepared above it, the highest view's for each sequence
// number. Sig is the sender's over all of it.
type ViewChange struct {
	View     uint64
	Stable   uint64
	State    uint64
	Proof    []Checkpoint
	Prepared []PreparedCert // by increasing sequence number
	Sig      protocols.Signature
}

// Kind implements protocols.Message.
func (ViewChange) Kind() string { return "ViewChange" }

// String renders the message as
// ViewChange{v=2 stable=16 prepared=[17/1 18/1] sig(n3:…)}: each prepared
// certificate as seq/view.
func (m ViewChange) String() string {
	b := append([]byte("ViewChange{v="), strconv.FormatUint(m.View, 10)...)
	b = append(b, " stable="...)
	b = strconv.AppendUint(b, m.Stable, 10)
	b = append(b, " prepared=["...)
	for i, c := range m.Prepared {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, c.PP.Seq, 10)
		b = append(b, '/')
		b = strconv.AppendUint(b, c.PP.View, 10)
	}
	b = append(b, "] "...)
	b = appendSig(b, m.Sig)
	return string(append(b, '}'))
}

// NewView installs View: the 2f+1 view-change messages its primary
// gathered (VCs, by signer) and the pre-prepares it derived from them (PPs,
// the set O of the paper): one for every sequence number between the
// highest stable checkpoint in VCs and the highest prepared certificate,
// carrying the request of the certificate with the highest view, or the
// null request where there is none. Every replica recomputes PPs from VCs
// and rejects a NewView whose PPs differ. Sig is the new primary's.
type NewView struct {
	View uint64
	VCs  []ViewChange
	PPs  []PrePrepare
	Sig  protocols.Signature
}

// Kind implements protocols.Message.
func (NewView) Kind() string { return "NewView" }

// String renders the message as
// NewView{v=2 vcs=[n1 n3 n4] pps=[17:3fa2c1 18:null] sig(n3:…)}.
func (m NewView) String() string {
	b := append([]byte("NewView{v="), strconv.FormatUint(m.View, 10)...)
	b = append(b, " vcs=["...)
	for i, vc := range m.VCs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, vc.Sig.Signer...)
	}
	b = append(b, "] pps=["...)
	for i, pp := range m.PPs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, pp.Seq, 10)
		b = append(b, ':')
		if pp.IsNull() {
			b = append(b, "null"...)
		} else {
			b = appendDigest(b, pp.Digest)
		}
	}
	b = append(b, "] "...)
	b = appendSig(b, m.Sig)
	return string(append(b, '}'))
}

// Status is what a replica periodically tells the others about itself, so
// that they can send what it missed (the status messages of Castro's
// thesis, which drive retransmission): its view, whether the view is
// installed, its last stable checkpoint and the last sequence number it
// executed. It is not forwarded, so it is not signed.
type Status struct {
	View   uint64
	Active bool
	Stable uint64
	Exec   uint64
}

// Kind implements protocols.Message.
func (Status) Kind() string { return "Status" }

// String renders the message as Status{v=2 active stable=16 exec=20}
// (changing instead of active during a view change).
func (m Status) String() string { return string(m.appendTo(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Status) AppendText(b []byte) ([]byte, error) { return m.appendTo(b), nil }

func (m Status) appendTo(b []byte) []byte {
	b = append(b, "Status{v="...)
	b = strconv.AppendUint(b, m.View, 10)
	if m.Active {
		b = append(b, " active"...)
	} else {
		b = append(b, " changing"...)
	}
	b = append(b, " stable="...)
	b = strconv.AppendUint(b, m.Stable, 10)
	b = append(b, " exec="...)
	b = strconv.AppendUint(b, m.Exec, 10)
	return append(b, '}')
}

// CommitCert proves the request at Seq committed: 2f+1 matching commits
// from distinct replicas of one view, with the request and its client's
// signature. A replica that fell behind executes on it, as safely as on its
// own commit quorum.
type CommitCert struct {
	Seq     uint64
	Digest  uint64
	Req     kv.Request // zero for the null request
	ReqSig  protocols.Signature
	Commits []Commit
}

// Kind implements protocols.Message.
func (CommitCert) Kind() string { return "CommitCert" }

// View returns the view of the cert's commits.
func (m CommitCert) View() uint64 {
	if len(m.Commits) == 0 {
		return 0
	}
	return m.Commits[0].View
}

// String renders the message as CommitCert{v=0 n=17 d=3fa2c1 c1#5 commits=[n1 n2 n3]}.
func (m CommitCert) String() string {
	b := append([]byte("CommitCert{"), nil...)
	b = appendVND(b, m.View(), m.Seq, m.Digest)
	b = append(b, ' ')
	if m.Req.Client == "" {
		b = append(b, "null"...)
	} else {
		b = append(b, m.Req.ID()...)
	}
	b = append(b, " commits=["...)
	for i, c := range m.Commits {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, c.Sig.Signer...)
	}
	return string(append(b, "]}"...))
}

// State hands a stable checkpoint's state to a replica that fell behind the
// sender's stable checkpoint: the snapshot of the state machine after Seq
// and the 2f+1 checkpoints that prove its digest.
type State struct {
	Seq      uint64
	Snapshot kv.Snapshot
	Proof    []Checkpoint
}

// Kind implements protocols.Message.
func (State) Kind() string { return "State" }

// String renders the message as State{n=16 keys=3 proof=[n1 n2 n4]}.
func (m State) String() string {
	b := append([]byte("State{n="), strconv.FormatUint(m.Seq, 10)...)
	b = append(b, " keys="...)
	b = strconv.AppendInt(b, int64(len(m.Snapshot.Data)), 10)
	b = append(b, " proof=["...)
	for i, c := range m.Proof {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, c.Sig.Signer...)
	}
	return string(append(b, "]}"...))
}

// appendVND renders view, sequence number and digest as v=0 n=3 d=3fa2c1.
func appendVND(b []byte, v, n, d uint64) []byte {
	b = append(b, "v="...)
	b = strconv.AppendUint(b, v, 10)
	b = append(b, " n="...)
	b = strconv.AppendUint(b, n, 10)
	b = append(b, " d="...)
	return appendDigest(b, d)
}

// appendDigest renders a digest as its low 24 bits in hex, or "null".
func appendDigest(b []byte, d uint64) []byte {
	if d == nullDigest {
		return append(b, "null"...)
	}
	const hex = "0123456789abcdef"
	for shift := 20; shift >= 0; shift -= 4 {
		b = append(b, hex[(d>>uint(shift))&0xf])
	}
	return b
}

// shortDigest renders a digest as appendDigest does.
func shortDigest(d uint64) string { return string(appendDigest(nil, d)) }

// appendSig renders a signature as Signature.String does: sig(n2:3fa2c1d0),
// the signer and the low 32 bits of the digest it signs.
func appendSig(b []byte, s protocols.Signature) []byte {
	b = append(b, "sig("...)
	b = append(b, s.Signer...)
	b = append(b, ':')
	b = strconv.AppendUint(b, s.Digest&0xffffffff, 16)
	return append(b, ')')
}

// appendReq renders a request as c1#7 put(k1,c1.7).
func appendReq(b []byte, r kv.Request) []byte {
	b = append(b, r.ID()...)
	b = append(b, ' ')
	return append(b, r.Op.String()...)
}

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it: digests as their low 24
// bits, signatures as their signer and the low 32 bits of what they sign,
// certificates as their signers.

// hashDigest folds a digest as appendDigest shows it.
func hashDigest(h *protocols.Hash, d uint64) {
	if d == nullDigest {
		h.Uint64(1 << 32) // no 24-bit digest
		return
	}
	h.Uint64(d & 0xffffff)
}

// hashVND folds what appendVND shows.
func hashVND(h *protocols.Hash, v, n, d uint64) {
	h.Uint64(v)
	h.Uint64(n)
	hashDigest(h, d)
}

// hashSig folds a signature as appendSig shows it.
func hashSig(h *protocols.Hash, s protocols.Signature) {
	h.String(string(s.Signer))
	h.Uint64(s.Digest & 0xffffffff)
}

// hashReq folds a request as appendReq shows it.
func hashReq(h *protocols.Hash, r kv.Request) {
	h.String(string(r.Client))
	h.Uint64(r.Seq)
	r.Op.AppendHash(h)
}

// AppendHash implements protocols.HashAppender.
func (m Request) AppendHash(h *protocols.Hash) { hashReq(h, m.Req) }

// AppendHash implements protocols.HashAppender.
func (m Reply) AppendHash(h *protocols.Hash) {
	h.Uint64(m.View)
	h.String(string(m.Client))
	h.Uint64(m.Seq)
	h.String(m.Value)
}

// AppendHash implements protocols.HashAppender.
func (m PrePrepare) AppendHash(h *protocols.Hash) {
	hashVND(h, m.View, m.Seq, m.Digest)
	if m.IsNull() {
		h.String("") // null: no request has an empty client
	} else {
		hashReq(h, m.Req)
	}
	hashSig(h, m.Sig)
}

// AppendHash implements protocols.HashAppender.
func (m Prepare) AppendHash(h *protocols.Hash) {
	hashVND(h, m.View, m.Seq, m.Digest)
	hashSig(h, m.Sig)
}

// AppendHash implements protocols.HashAppender.
func (m Commit) AppendHash(h *protocols.Hash) {
	hashVND(h, m.View, m.Seq, m.Digest)
	hashSig(h, m.Sig)
}

// AppendHash implements protocols.HashAppender.
func (m Checkpoint) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Seq)
	hashDigest(h, m.State)
	hashSig(h, m.Sig)
}

// AppendHash implements protocols.HashAppender: each prepared
// certificate as its sequence number and view.
func (m ViewChange) AppendHash(h *protocols.Hash) {
	h.Uint64(m.View)
	h.Uint64(m.Stable)
	h.Int(len(m.Prepared))
	for _, c := range m.Prepared {
		h.Uint64(c.PP.Seq)
		h.Uint64(c.PP.View)
	}
	hashSig(h, m.Sig)
}

// AppendHash implements protocols.HashAppender: the view changes as their
// signers, the pre-prepares as their sequence numbers and digests.
func (m NewView) AppendHash(h *protocols.Hash) {
	h.Uint64(m.View)
	h.Int(len(m.VCs))
	for _, vc := range m.VCs {
		h.String(string(vc.Sig.Signer))
	}
	h.Int(len(m.PPs))
	for _, pp := range m.PPs {
		h.Uint64(pp.Seq)
		if pp.IsNull() {
			hashDigest(h, nullDigest) // shown as null whatever its digest
		} else {
			hashDigest(h, pp.Digest)
		}
	}
	hashSig(h, m.Sig)
}

// AppendHash implements protocols.HashAppender.
func (m Status) AppendHash(h *protocols.Hash) {
	h.Uint64(m.View)
	h.Bool(m.Active)
	h.Uint64(m.Stable)
	h.Uint64(m.Exec)
}

// AppendHash implements protocols.HashAppender: the request as its ID
// and the commits as their signers.
func (m CommitCert) AppendHash(h *protocols.Hash) {
	hashVND(h, m.View(), m.Seq, m.Digest)
	h.String(string(m.Req.Client))
	if m.Req.Client != "" {
		h.Uint64(m.Req.Seq)
	}
	h.Int(len(m.Commits))
	for _, c := range m.Commits {
		h.String(string(c.Sig.Signer))
	}
}

// AppendHash implements protocols.HashAppender: how many keys, and the
// proof's signers.
func (m State) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Seq)
	h.Int(len(m.Snapshot.Data))
	h.Int(len(m.Proof))
	for _, c := range m.Proof {
		h.String(string(c.Sig.Signer))
	}
}
