package pbft

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: digests as their
// low 24 bits, signatures as their signer and the low 32 bits of what they
// sign, certificates as their signers. A change of a digest's or a
// signature's high bits shows in no line, so the table changes low ones.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	req := kv.Request{Client: "c1", Seq: 7, Op: kv.PutOp("k1", "c1.7"), Deadline: 9, Context: "x", Attempt: 2}
	reqHidden := []string{"Deadline", "Context", "Attempt"}
	under := func(prefix string, fields ...string) []string {
		var out []string
		for _, f := range fields {
			out = append(out, prefix+f)
		}
		return out
	}
	sig := protocols.Signature{Signer: "n2", Digest: 0x3fa2c1d0, Tag: 5}
	pp := PrePrepare{View: 1, Seq: 3, Digest: 0x3fa2c1, Req: req, ReqSig: sig, Sig: sig}
	commit := Commit{View: 1, Seq: 3, Digest: 0x3fa2c1, Sig: sig}
	proof := []Checkpoint{{Seq: 16, State: 0xabc, Sig: sig}}
	vc := ViewChange{View: 2, Stable: 16, State: 0xabc, Proof: proof, Prepared: []PreparedCert{{PP: pp, Prepares: []Prepare{{View: 1, Seq: 3, Sig: sig}}}}, Sig: sig}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{Request{Req: req, Sig: sig}, append(under("Req.", reqHidden...), "Sig")},
		{Reply{View: 1, Client: "c1", Seq: 7, Value: "c2.3"}, nil},
		{pp, append(under("Req.", reqHidden...), "ReqSig", "Sig.Tag")},
		{PrePrepare{View: 1, Seq: 3, Digest: nullDigest, Sig: sig}, []string{"Req.Seq", "Req.Op", "Req.Deadline", "Req.Context", "Req.Attempt", "ReqSig", "Sig.Tag"}},
		{Prepare{View: 1, Seq: 3, Digest: 0x3fa2c1, Sig: sig}, []string{"Sig.Tag"}},
		{commit, []string{"Sig.Tag"}},
		{Checkpoint{Seq: 16, State: 0xabc, Sig: sig}, []string{"Sig.Tag"}},
		{vc, []string{"State", "Proof", "Prepared[0].PP.Digest", "Prepared[0].PP.Req", "Prepared[0].PP.ReqSig", "Prepared[0].PP.Sig", "Prepared[0].Prepares", "Sig.Tag"}},
		{NewView{View: 2, VCs: []ViewChange{vc}, PPs: []PrePrepare{pp, {Seq: 4, Digest: nullDigest}}, Sig: sig},
			[]string{"VCs[0].View", "VCs[0].Stable", "VCs[0].State", "VCs[0].Proof", "VCs[0].Prepared", "VCs[0].Sig.Digest", "VCs[0].Sig.Tag",
				"PPs[0].View", "PPs[0].Req", "PPs[0].ReqSig", "PPs[0].Sig", "Sig.Tag"}},
		{Status{View: 2, Active: true, Stable: 16, Exec: 20}, nil},
		{CommitCert{Seq: 3, Digest: 0x3fa2c1, Req: req, ReqSig: sig, Commits: []Commit{commit}},
			[]string{"Req.Op", "Req.Deadline", "Req.Context", "Req.Attempt", "ReqSig", "Commits[0].Seq", "Commits[0].Digest", "Commits[0].Sig.Digest", "Commits[0].Sig.Tag"}},
		{State{Seq: 16, Snapshot: kv.Snapshot{Data: []kv.Pair{{Key: "k", Value: "v"}}}, Proof: proof},
			[]string{"Snapshot.Data[0]", "Snapshot.Sessions", "Proof[0].Seq", "Proof[0].State", "Proof[0].Sig.Digest", "Proof[0].Sig.Tag"}},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
