package pbft

import (
	"encoding/binary"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Digests and signatures. A message is signed over the digest
// (protocols.Digest, FNV-1a) of its canonical bytes: a tag naming the kind
// of statement, then its fields, strings length-prefixed so that no two
// statements share bytes. The tag keeps a prepare from being passed off as
// a commit with the same numbers. See design.md for what signatures do and
// do not protect against.

// nullDigest is the digest of the null request, which a new primary puts
// where no request can have committed.
var nullDigest = protocols.Digest([]byte("pbft/null-request"))

// enc builds canonical bytes.
type enc []byte

func (e enc) u64(v uint64) enc { return binary.BigEndian.AppendUint64(e, v) }

func (e enc) str(s string) enc {
	e = binary.AppendUvarint(e, uint64(len(s)))
	return append(e, s...)
}

func (e enc) sig(s protocols.Signature) enc { return e.str(string(s.Signer)).u64(s.Digest).u64(s.Tag) }

func (e enc) digest() uint64 { return protocols.Digest(e) }

// requestDigest is the digest a client signs and a pre-prepare carries.
func requestDigest(r kv.Request) uint64 {
	var buf [96]byte
	return enc(buf[:0]).str("request").str(string(r.Client)).u64(r.Seq).u64(uint64(r.Op.Kind)).str(r.Op.Key).str(r.Op.Value).digest()
}

// digestOf is the digest a pre-prepare for r carries: the null digest for
// the zero request.
func digestOf(r kv.Request) uint64 {
	if r.Client == "" {
		return nullDigest
	}
	return requestDigest(r)
}

// statement is the digest of a (view, seq, digest) statement of one kind:
// what pre-prepares, prepares and commits sign.
func statement(kind string, v, n, d uint64) uint64 {
	var buf [48]byte
	return enc(buf[:0]).str(kind).u64(v).u64(n).u64(d).digest()
}

func ppDigest(v, n, d uint64) uint64      { return statement("pre-prepare", v, n, d) }
func prepareDigest(v, n, d uint64) uint64 { return statement("prepare", v, n, d) }
func commitDigest(v, n, d uint64) uint64  { return statement("commit", v, n, d) }
func checkpointDigest(n, state uint64) uint64 {
	return statement("checkpoint", 0, n, state)
}

// vcDigest covers everything a view-change message says. Its certificates
// enter through their own signatures, which bind their contents.
func vcDigest(m ViewChange) uint64 {
	e := enc(make([]byte, 0, 64+40*len(m.Proof)+120*len(m.Prepared))).str("view-change").u64(m.View).u64(m.Stable).u64(m.State)
	for _, c := range m.Proof {
		e = e.u64(c.Seq).u64(c.State).sig(c.Sig)
	}
	for _, c := range m.Prepared {
		e = e.u64(c.PP.View).u64(c.PP.Seq).u64(c.PP.Digest).sig(c.PP.Sig)
		for _, p := range c.Prepares {
			e = e.sig(p.Sig)
		}
	}
	return e.digest()
}

// nvDigest covers a new-view message: the view-change messages it carries
// through their signatures, and its pre-prepares.
func nvDigest(m NewView) uint64 {
	e := enc(make([]byte, 0, 16+40*len(m.VCs)+40*len(m.PPs))).str("new-view").u64(m.View)
	for _, vc := range m.VCs {
		e = e.sig(vc.Sig)
	}
	for _, pp := range m.PPs {
		e = e.u64(pp.Seq).u64(pp.Digest).sig(pp.Sig)
	}
	return e.digest()
}

// stateDigest is the digest of a state machine's snapshot: what checkpoint
// messages sign and what a state transfer is checked against.
func stateDigest(s kv.Snapshot) uint64 {
	e := enc(make([]byte, 0, 256)).str("state")
	e = e.u64(uint64(len(s.Data)))
	for _, p := range s.Data {
		e = e.str(p.Key).str(p.Value)
	}
	e = e.u64(uint64(len(s.Sessions)))
	for _, c := range s.Sessions {
		e = e.str(string(c.Client)).u64(c.Seq).str(c.Result)
	}
	return e.digest()
}

// genesisState is the digest of the empty state: the stable checkpoint at
// sequence number 0, which needs no proof.
var genesisState = stateDigest(kv.NewMachine().Snapshot())

// signers counts the distinct signers of a quorum. With the bug
// duplicate-signers it counts signatures instead, so one replica's
// signature repeated fills a quorum.
type signers struct {
	ids []protocols.NodeID
	dup bool // BUG duplicate-signers
}

// add reports whether id was not counted before, and counts it.
func (s *signers) add(id protocols.NodeID) bool {
	if !s.dup {
		for _, x := range s.ids {
			if x == id {
				return false
			}
		}
	}
	s.ids = append(s.ids, id)
	return true
}

func (s *signers) len() int { return len(s.ids) }
