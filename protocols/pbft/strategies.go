package pbft

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// PBFT's own byzantine strategies. A byzantine replica runs an honest
// replica and rewrites what it sends, using only what the replica has: its
// own keys, its state and the messages it received. It can sign as itself
// only, so every other replica's signature it sends is one it received, or
// a forgery that a correct replica's check rejects. The generic strategies
// (silent, crash-like, selective, replay) come with dsim.

// The strategies' names.
const (
	StrategyEquivocate       = "equivocate"
	StrategyLieToClients     = "lie-to-clients"
	StrategyDoubleVote       = "double-vote"
	StrategyForgeCertificate = "forge-certificate"
)

// Strategies lists PBFT's byzantine strategies.
var Strategies = []protocols.Strategy{
	{Name: StrategyEquivocate, New: noArgs(StrategyEquivocate, (*faulty).equivocate),
		Help: "as primary, proposes two requests for one sequence number: one to some backups and the other to the rest, or both to every backup in different orders; as a backup, votes for nothing to some replicas"},
	{Name: StrategyLieToClients, New: noArgs(StrategyLieToClients, (*faulty).lie),
		Help: "answers every request it sees at once, and every one it executes, with a wrong result"},
	{Name: StrategyDoubleVote, New: noArgs(StrategyDoubleVote, (*faulty).doubleVote),
		Help: "sends a prepare and a commit, twice each, for every digest it sees proposed or voted for at a sequence number"},
	{Name: StrategyForgeCertificate, New: noArgs(StrategyForgeCertificate, (*faulty).forge),
		Help: "claims in its view changes requests prepared that it cannot prove, proposes in its new views what its view changes do not imply, and answers replicas behind with a made-up state under a forged checkpoint proof"},
}

// noArgs makes a strategy's New, which takes no arguments.
func noArgs(name string, act func(*faulty, protocols.Input, *protocols.Effects)) func([]string) (protocols.Wrapper, error) {
	return func(args []string) (protocols.Wrapper, error) {
		if len(args) > 0 {
			return nil, fmt.Errorf("strategy %s takes no arguments, got %q", name, strings.Join(args, " "))
		}
		return func(honest protocols.Node, cfg protocols.Config) protocols.Node {
			r, _ := honest.(*replica)
			return &faulty{honest: honest, r: r, name: name, keys: cfg.Keys, rand: cfg.Rand, act: act}
		}, nil
	}
}

// faulty is a replica running a byzantine strategy.
type faulty struct {
	honest protocols.Node
	r      *replica // the honest replica; nil if honest is not a PBFT replica (the strategy then does nothing)
	name   string
	keys   protocols.Keys
	rand   *rand.Rand
	fx     protocols.Effects
	act    func(b *faulty, in protocols.Input, out *protocols.Effects)

	twins  []twin    // equivocate: the second proposal of each (view, seq)
	voted  []voteKey // double-vote: the statements voted for
	lied   []kv.Request
	forged int        // forge-certificate: forgeries made, alternating styles
	fakeVC ViewChange // forge-certificate: the forgery of the last view-change message
	fakeNV NewView    // forge-certificate: the forgery of the last new-view message
}

// Step implements protocols.Node: the honest replica steps, its records,
// timers and notes pass through, and the strategy decides what is sent.
func (b *faulty) Step(in protocols.Input, out *protocols.Effects) {
	b.fx.Reset()
	b.honest.Step(in, &b.fx)
	out.Records = append(out.Records, b.fx.Records...)
	out.NoSync = out.NoSync || b.fx.NoSync
	out.Timers = append(out.Timers, b.fx.Timers...)
	out.Notes = append(out.Notes, b.fx.Notes...)
	if b.r == nil {
		out.Sends = append(out.Sends, b.fx.Sends...)
		return
	}
	b.act(b, in, out)
}

// Status implements protocols.Node: the honest replica's, with the strategy.
func (b *faulty) Status() protocols.Status {
	st := b.honest.Status()
	st.Fields = append(slices.Clone(st.Fields), protocols.Field{Name: "byzantine", Value: b.name})
	return st
}

// Unwrap implements protocols.Unwrapper.
func (b *faulty) Unwrap() protocols.Node { return b.honest }

// otherDigest is a digest no request has, for votes that support nothing.
func otherDigest(d uint64) uint64 {
	if d == nullDigest {
		return d ^ 0x9e3779b97f4a7c15
	}
	return nullDigest
}

// twin is an equivocating primary's second proposal for a (view, seq) and
// who gets which.
type twin struct {
	pp    PrePrepare
	to    []protocols.NodeID // split: the backups that get only the second proposal
	both  bool               // every backup gets both proposals, in an order of its own
	first []protocols.NodeID // both: the backups that get the second proposal first
}

// equivocate: as primary, every pre-prepare gets a twin with another
// request (another client's pending one, or the null request) for the same
// sequence number. Either the backups are split, a random part getting the
// twin instead of the original, or every backup gets both, some the twin
// first: each correct backup accepts the first it gets, so they disagree.
// The primary's commits follow the proposal each backup got (both, when
// it got both). As a backup, each vote goes out as cast to some replicas
// and for a digest that supports nothing to the others.
func (b *faulty) equivocate(_ protocols.Input, out *protocols.Effects) {
	for _, s := range b.fx.Sends {
		switch m := s.Msg.(type) {
		case PrePrepare:
			t := b.twin(m)
			switch {
			case t.both && slices.Contains(t.first, s.To):
				out.Send(s.To, t.pp)
				out.Send(s.To, m)
			case t.both:
				out.Send(s.To, m)
				out.Send(s.To, t.pp)
			case slices.Contains(t.to, s.To):
				out.Send(s.To, t.pp)
			default:
				out.Send(s.To, m)
			}
		case Commit:
			if t, ok := b.twinOf(m.View, m.Seq); ok && (t.both || slices.Contains(t.to, s.To)) {
				if t.both {
					out.Send(s.To, m)
				}
				out.Send(s.To, Commit{View: m.View, Seq: m.Seq, Digest: t.pp.Digest, Sig: b.keys.Sign(commitDigest(m.View, m.Seq, t.pp.Digest))})
				continue
			}
			if b.r.primaryOf(m.View) != b.r.id && b.rand.IntN(2) == 0 {
				d := otherDigest(m.Digest)
				out.Send(s.To, Commit{View: m.View, Seq: m.Seq, Digest: d, Sig: b.keys.Sign(commitDigest(m.View, m.Seq, d))})
				continue
			}
			out.Send(s.To, m)
		case Prepare:
			if b.rand.IntN(2) == 0 {
				d := otherDigest(m.Digest)
				out.Send(s.To, Prepare{View: m.View, Seq: m.Seq, Digest: d, Sig: b.keys.Sign(prepareDigest(m.View, m.Seq, d))})
				continue
			}
			out.Send(s.To, m)
		default:
			out.Send(s.To, s.Msg)
		}
	}
}

func (b *faulty) twinOf(v, n uint64) (twin, bool) {
	for _, t := range b.twins {
		if t.pp.View == v && t.pp.Seq == n {
			return t, true
		}
	}
	return twin{}, false
}

// twin returns the twin of pp, making it the first time.
func (b *faulty) twin(pp PrePrepare) twin {
	if t, ok := b.twinOf(pp.View, pp.Seq); ok {
		return t
	}
	b.twins = slices.DeleteFunc(b.twins, func(t twin) bool { return t.pp.Seq <= b.r.h })
	var req kv.Request
	var sig protocols.Signature
	for _, p := range b.r.pending {
		if p.Req != pp.Req && p.Req.Seq > b.r.sm.LastSeq(p.Req.Client) {
			req, sig = p.Req, p.Sig
			break
		}
	}
	if req.Client == "" && pp.Req.Client != "" && b.rand.IntN(4) == 0 {
		// No other request to propose: one time in four, make one up, in
		// the client's name, with a signature the client never made.
		req = kv.Request{Client: pp.Req.Client, Seq: pp.Req.Seq, Op: kv.PutOp(pp.Req.Op.Key, "forged-by-"+string(b.r.id))}
		sig = b.madeUp(req.Client, requestDigest(req))
	}
	t := twin{pp: PrePrepare{View: pp.View, Seq: pp.Seq, Digest: digestOf(req), Req: req, ReqSig: sig}}
	t.pp.Sig = b.keys.Sign(ppDigest(pp.View, pp.Seq, t.pp.Digest))
	backups := b.r.others()
	b.rand.Shuffle(len(backups), func(i, j int) { backups[i], backups[j] = backups[j], backups[i] })
	split := backups[:1+b.rand.IntN(len(backups)-1)]
	if t.both = b.rand.IntN(2) == 0; t.both {
		t.first = split
	} else {
		t.to = split
	}
	b.twins = append(b.twins, t)
	return t
}

// voteKey names a statement voted for.
type voteKey struct{ v, n, d uint64 }

// doubleVote: every digest seen at a (view, seq), in a pre-prepare or a
// vote, gets this replica's prepare and commit, twice each; its honest
// votes go out twice too.
func (b *faulty) doubleVote(in protocols.Input, out *protocols.Effects) {
	for _, s := range b.fx.Sends {
		out.Send(s.To, s.Msg)
		switch s.Msg.(type) {
		case Prepare, Commit:
			out.Send(s.To, s.Msg)
		}
	}
	var k voteKey
	switch m := in.Msg.(type) {
	case PrePrepare:
		k = voteKey{m.View, m.Seq, m.Digest}
	case Prepare:
		k = voteKey{m.View, m.Seq, m.Digest}
	case Commit:
		k = voteKey{m.View, m.Seq, m.Digest}
	default:
		return
	}
	if k.n <= b.r.h || slices.Contains(b.voted, k) {
		return
	}
	b.voted = slices.DeleteFunc(b.voted, func(x voteKey) bool { return x.n <= b.r.h })
	b.voted = append(b.voted, k)
	p := Prepare{View: k.v, Seq: k.n, Digest: k.d, Sig: b.keys.Sign(prepareDigest(k.v, k.n, k.d))}
	c := Commit{View: k.v, Seq: k.n, Digest: k.d, Sig: b.keys.Sign(commitDigest(k.v, k.n, k.d))}
	for _, to := range b.r.others() {
		out.Send(to, p)
		out.Send(to, p)
		out.Send(to, c)
		out.Send(to, c)
	}
}

// lie: a request it sees (from a client, passed on, or in a pre-prepare)
// is answered at once with a wrong result, and so is every request it
// executes. A get's lie is "" where the key holds a value, or a value
// nobody wrote; a write's is the ack a write gets, sent before the write
// is ordered.
func (b *faulty) lie(in protocols.Input, out *protocols.Effects) {
	switch m := in.Msg.(type) {
	case Request:
		b.lieAbout(m.Req, out)
	case PrePrepare:
		b.lieAbout(m.Req, out)
	}
	for _, s := range b.fx.Sends {
		if r, ok := s.Msg.(Reply); ok {
			if v, wrong := b.lieFor(s.To, r.Seq); wrong {
				r.Value = v
			}
			out.Send(s.To, r)
			continue
		}
		out.Send(s.To, s.Msg)
	}
}

// lieAbout answers a request with a lie, once.
func (b *faulty) lieAbout(req kv.Request, out *protocols.Effects) {
	if req.Client == "" || slices.Contains(b.lied, req) || req.Seq <= b.r.sm.LastSeq(req.Client) {
		return
	}
	if len(b.lied) > 64 {
		b.lied = b.lied[32:]
	}
	b.lied = append(b.lied, req)
	out.Send(req.Client, Reply{View: b.r.view, Client: req.Client, Seq: req.Seq, Value: b.wrong(req.Op)})
}

// lieFor returns the lie for the reply to the client's request seq, if it
// is a get this replica saw.
func (b *faulty) lieFor(client protocols.NodeID, seq uint64) (string, bool) {
	for _, req := range b.lied {
		if req.Client == client && req.Seq == seq {
			return b.wrong(req.Op), req.Op.Kind == kv.Get
		}
	}
	return "", false
}

func (b *faulty) wrong(op kv.Op) string {
	if op.Kind != kv.Get {
		return ""
	}
	if b.r.sm.Value(op.Key) != "" {
		return ""
	}
	return "lie-" + string(b.r.id)
}

// forge: its view-change messages claim, for every sequence number above
// its checkpoint up to one past the highest it knows, the null request
// prepared in the view just before the new one, with signatures it made up
// (for the primary and the backups); as a new primary, its new-view
// proposes the null request everywhere, whatever the view changes it
// carries imply; and it answers each replica's status with a made-up state
// for a checkpoint ahead of it, under a proof of 2f+1 checkpoint
// signatures: its own repeated, or its own and others' it made up,
// alternately.
func (b *faulty) forge(in protocols.Input, out *protocols.Effects) {
	for _, s := range b.fx.Sends {
		switch m := s.Msg.(type) {
		case ViewChange:
			if b.fakeVC.View != m.View || b.fakeVC.Stable != m.Stable {
				b.fakeVC = b.forgeVC(m)
			}
			out.Send(s.To, b.fakeVC)
		case NewView:
			if b.fakeNV.View != m.View {
				b.fakeNV = b.forgeNV(m)
			}
			out.Send(s.To, b.fakeNV)
		default:
			out.Send(s.To, s.Msg)
		}
	}
	if st, ok := in.Msg.(Status); ok && in.From != b.r.id && b.r.isReplica(in.From) {
		out.Send(in.From, b.forgeState(st))
	}
}

// madeUp is a signature by signer that signer never made.
func (b *faulty) madeUp(signer protocols.NodeID, digest uint64) protocols.Signature {
	return protocols.Signature{Signer: signer, Digest: digest, Tag: b.rand.Uint64()}
}

// sign signs digest as signer: really if signer is this replica.
func (b *faulty) sign(signer protocols.NodeID, digest uint64) protocols.Signature {
	if signer == b.r.id {
		return b.keys.Sign(digest)
	}
	return b.madeUp(signer, digest)
}

func (b *faulty) forgeVC(vc ViewChange) ViewChange {
	r := b.r
	w := vc.View - 1
	primary := r.primaryOf(w)
	forged := vc
	forged.Prepared = nil
	for n := vc.Stable + 1; n <= min(r.top+1, vc.Stable+uint64(r.opts.Window)); n++ {
		pp := PrePrepare{View: w, Seq: n, Digest: nullDigest}
		pp.Sig = b.sign(primary, ppDigest(w, n, nullDigest))
		c := PreparedCert{PP: pp}
		for _, id := range r.all {
			if len(c.Prepares) == r.q-1 {
				break
			}
			if id != primary {
				c.Prepares = append(c.Prepares, Prepare{View: w, Seq: n, Digest: nullDigest, Sig: b.sign(id, prepareDigest(w, n, nullDigest))})
			}
		}
		forged.Prepared = append(forged.Prepared, c)
	}
	forged.Sig = b.keys.Sign(vcDigest(forged))
	return forged
}

// forgeNV proposes the null request at every number of the new view, so
// that committed requests would lose their numbers: signed properly, by
// the new primary, but not what its view changes imply.
func (b *faulty) forgeNV(nv NewView) NewView {
	forged := nv
	forged.PPs = make([]PrePrepare, len(nv.PPs))
	for i, pp := range nv.PPs {
		forged.PPs[i] = PrePrepare{View: pp.View, Seq: pp.Seq, Digest: nullDigest, Sig: b.keys.Sign(ppDigest(pp.View, pp.Seq, nullDigest))}
	}
	forged.Sig = b.keys.Sign(nvDigest(forged))
	return forged
}

func (b *faulty) forgeState(m Status) State {
	r := b.r
	k := uint64(r.opts.CheckpointInterval)
	seq := (max(m.Exec, r.exec, r.h)/k + 1) * k
	snap := r.sm.Snapshot()
	if len(snap.Data) == 0 {
		snap.Data = []kv.Pair{{Key: "k1"}}
	}
	snap.Data[0].Value = "forged-by-" + string(r.id)
	st := stateDigest(snap)
	d := checkpointDigest(seq, st)
	proof := []Checkpoint{{Seq: seq, State: st, Sig: b.keys.Sign(d)}}
	b.forged++
	for _, id := range r.all {
		if len(proof) == r.q {
			break
		}
		if id == r.id {
			continue
		}
		signer := id
		if b.forged%2 == 0 {
			signer = r.id // its own signature again
		}
		proof = append(proof, Checkpoint{Seq: seq, State: st, Sig: b.sign(signer, d)})
	}
	return State{Seq: seq, Snapshot: snap, Proof: proof}
}
