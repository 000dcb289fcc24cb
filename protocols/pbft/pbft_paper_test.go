package pbft

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Rules of Castro and Liskov's OSDI 1999 paper, one test each, named by
// section. The scripts in testdata walk whole runs; these pin single rules
// with messages signed in the tests' hands.

// paper returns a started cluster of four replicas (nothing in flight).
func paper(t *testing.T, opts Options) *prototest.Harness {
	t.Helper()
	h := prototest.New(7)
	h.AddServers(New(opts), protocols.Servers(4)...)
	for _, m := range Monitors() {
		h.AddMonitor(m)
	}
	h.Start()
	h.Drop(prototest.Filter{}, 0)
	h.Output()
	return h
}

func replicaOf(h *prototest.Harness, id protocols.NodeID) *replica {
	return h.Node(id).(*replica)
}

// signedPP is a pre-prepare as primary signs it.
func signedPP(h *prototest.Harness, primary protocols.NodeID, v, n uint64, req kv.Request) PrePrepare {
	pp := PrePrepare{View: v, Seq: n, Digest: digestOf(req), Req: req}
	if req.Client != "" {
		pp.ReqSig = h.Keys().For(req.Client).Sign(requestDigest(req))
	}
	pp.Sig = h.Keys().For(primary).Sign(ppDigest(v, n, pp.Digest))
	return pp
}

func prepareBy(h *prototest.Harness, id protocols.NodeID, v, n, d uint64) Prepare {
	return Prepare{View: v, Seq: n, Digest: d, Sig: h.Keys().For(id).Sign(prepareDigest(v, n, d))}
}

// §4.1: a client accepts a result once f+1 replicas sent the same one.
func TestPaper41ClientWaitsForFPlusOneMatchingReplies(t *testing.T) {
	ring := protocols.NewKeyring(1)
	c := NewClient(kv.ClientOptions{Keys: 1, Mix: kv.Mix{Get: 1}}, false)(protocols.Config{
		ID: "c1", Peers: protocols.Servers(4), Rand: rand.New(rand.NewPCG(1, 2)), Keys: ring.For("c1"),
	})
	var fx protocols.Effects
	c.Step(protocols.Input{Kind: protocols.Start}, &fx)
	require.Len(t, fx.Sends, 1, "a new request goes to the primary only")
	assert.Equal(t, protocols.NodeID("n1"), fx.Sends[0].To)
	req := fx.Sends[0].Msg.(Request)
	assert.True(t, ring.For("n1").Verify(req.Sig, requestDigest(req.Req)), "the request is signed by its client")

	completed := func(from protocols.NodeID, value string) bool {
		fx.Reset()
		c.Step(protocols.Input{Kind: protocols.Receive, From: from, Msg: Reply{Client: "c1", Seq: req.Req.Seq, Value: value}}, &fx)
		for _, n := range fx.Notes {
			if _, ok := n.(kv.Completed); ok {
				return true
			}
		}
		return false
	}
	assert.False(t, completed("n3", "lie"), "one reply is one replica's word")
	assert.False(t, completed("n3", "lie"), "a repeated reply counts once")
	assert.False(t, completed("n2", "truth"), "two replies that disagree")
	assert.True(t, completed("n4", "truth"), "f+1 = 2 matching replies")
}

// §4.2: a backup accepts a pre-prepare only if it has not accepted another
// with the same view and sequence number.
func TestPaper42OnePrePreparePerViewAndNumber(t *testing.T) {
	h := paper(t, Options{})
	a := kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k", "a")}
	b := kv.Request{Client: "c2", Seq: 1, Op: kv.PutOp("k", "b")}
	h.Inject("n1", "n2", signedPP(h, "n1", 0, 1, a))
	h.Inject("n1", "n2", signedPP(h, "n1", 0, 1, b))
	out := h.Output()
	assert.Contains(t, out, "note equivocation-seen")
	s := replicaOf(h, "n2").log[1]
	assert.Equal(t, digestOf(a), s.pp.Digest, "the first pre-prepare stays")
}

// §4.2: the pre-prepare stands for the primary's vote; a prepare from the
// primary does not count toward the 2f.
func TestPaper42PrimaryPreparesDoNotCount(t *testing.T) {
	h := paper(t, Options{})
	a := kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k", "a")}
	pp := signedPP(h, "n1", 0, 1, a)
	h.Inject("n1", "n2", pp)
	h.Inject("n1", "n2", prepareBy(h, "n1", 0, 1, pp.Digest))
	assert.False(t, replicaOf(h, "n2").log[1].prepared, "own prepare and the primary's are not 2f backups")
	h.Inject("n3", "n2", prepareBy(h, "n3", 0, 1, pp.Digest))
	assert.True(t, replicaOf(h, "n2").log[1].prepared)
}

// §4.2: a prepare counts once per replica, whoever forwards it.
func TestPaper42DistinctBackups(t *testing.T) {
	h := paper(t, Options{})
	a := kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k", "a")}
	pp := signedPP(h, "n1", 0, 1, a)
	h.Inject("n1", "n2", pp)
	p3 := prepareBy(h, "n3", 0, 1, pp.Digest)
	h.Inject("n3", "n4", p3)
	h.Inject("n4", "n2", p3) // a replay of n3's prepare, by n4
	h.Inject("n3", "n2", p3)
	s := replicaOf(h, "n4").log[1]
	require.NotNil(t, s)
	assert.False(t, s.prepared, "n4 has no pre-prepare")
	assert.True(t, replicaOf(h, "n2").log[1].prepared, "n2: own prepare and n3's")
	assert.Len(t, replicaOf(h, "n2").log[1].prepares, 2, "n3's prepare is kept once")
}

// §4.2: sequence numbers are accepted within the watermarks (h, h+L].
func TestPaper42Watermarks(t *testing.T) {
	h := paper(t, Options{CheckpointInterval: 2, Window: 4})
	a := kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k", "a")}
	h.Inject("n1", "n2", signedPP(h, "n1", 0, 5, a))
	assert.Nil(t, replicaOf(h, "n2").log[5], "5 is above h+L = 4")
	h.Inject("n1", "n2", signedPP(h, "n1", 0, 4, a))
	assert.NotNil(t, replicaOf(h, "n2").log[4])
}

// §4.2 with §2: a request needs its client's signature, so a primary
// cannot make one up; a pre-prepare needs the primary's.
func TestPaper42SignaturesChecked(t *testing.T) {
	h := paper(t, Options{})
	a := kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k", "a")}
	forged := signedPP(h, "n1", 0, 1, a)
	forged.ReqSig = h.Keys().For("n1").Sign(requestDigest(a)) // the primary signs in the client's place
	forged.Sig = h.Keys().For("n1").Sign(ppDigest(0, 1, forged.Digest))
	h.Inject("n1", "n2", forged)
	assert.Contains(t, h.Output(), "note bad-request")
	assert.Nil(t, replicaOf(h, "n2").log[1])

	byOther := signedPP(h, "n3", 0, 1, a) // signed by a replica that is not the primary
	h.Inject("n1", "n2", byOther)
	assert.Contains(t, h.Output(), "note bad-signature")
	assert.Nil(t, replicaOf(h, "n2").log[1])
}

// §4.4: a new-view's pre-prepares must be those its view changes imply.
func TestPaper44NewViewIsRecomputed(t *testing.T) {
	h := paper(t, Options{})
	a := kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k", "a")}
	pp := signedPP(h, "n1", 0, 1, a)
	cert := PreparedCert{PP: pp, Prepares: []Prepare{prepareBy(h, "n2", 0, 1, pp.Digest), prepareBy(h, "n3", 0, 1, pp.Digest)}}
	var vcs []ViewChange
	for _, id := range []protocols.NodeID{"n2", "n3", "n4"} {
		vc := ViewChange{View: 1, State: genesisState}
		if id != "n4" {
			vc.Prepared = []PreparedCert{cert}
		}
		vc.Sig = h.Keys().For(id).Sign(vcDigest(vc))
		vcs = append(vcs, vc)
	}
	keys := h.Keys().For("n2")
	newView := func(d uint64, req kv.Request) NewView {
		p := PrePrepare{View: 1, Seq: 1, Digest: d, Req: req}
		if req.Client != "" {
			p.ReqSig = pp.ReqSig
		}
		p.Sig = keys.Sign(ppDigest(1, 1, d))
		nv := NewView{View: 1, VCs: vcs, PPs: []PrePrepare{p}}
		nv.Sig = keys.Sign(nvDigest(nv))
		return nv
	}
	h.Inject("n2", "n4", newView(nullDigest, kv.Request{}))
	assert.Contains(t, h.Output(), "note bad-new-view", "dropping the prepared request for the null one")
	assert.True(t, replicaOf(h, "n4").active && replicaOf(h, "n4").view == 0)

	h.Inject("n2", "n4", newView(pp.Digest, a))
	r := replicaOf(h, "n4")
	assert.True(t, r.active)
	assert.Equal(t, uint64(1), r.view)
	assert.Equal(t, pp.Digest, r.log[1].pp.Digest, "the request keeps its number")
}

// §4.5: a replica joins a view change once f+1 others ask for later views,
// not before.
func TestPaper45JoinOnFPlusOne(t *testing.T) {
	h := paper(t, Options{})
	vc := func(id protocols.NodeID, v uint64) ViewChange {
		m := ViewChange{View: v, State: genesisState}
		m.Sig = h.Keys().For(id).Sign(vcDigest(m))
		return m
	}
	h.Inject("n3", "n2", vc("n3", 1))
	assert.True(t, replicaOf(h, "n2").active, "f = 1 replica asking may be the faulty one")
	h.Inject("n4", "n2", vc("n4", 3))
	r := replicaOf(h, "n2")
	assert.False(t, r.active)
	assert.Equal(t, uint64(1), r.view, "the highest view f+1 replicas ask for at least")
	assert.Contains(t, h.Output(), "note view-change-joined")
}
