package multiprimary

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

const timerSync = "sync" // send the state to one peer

// node is one multi-primary server: it accepts clients' reads and writes
// for every key, and merges what its peers send.
type node struct {
	id    protocols.NodeID
	peers []protocols.NodeID
	opts  Options
	bugs  bugs
	rand  *rand.Rand
	out   *protocols.Effects

	keys   []keyState // sorted by key
	writes int        // client writes accepted, this incarnation

	served  map[protocols.NodeID]uint64
	replies map[protocols.NodeID]kv.Reply
}

// keyState is one key's versions: one for an LWW key, the siblings for a
// VV key.
type keyState struct {
	key      string
	versions []Version
}

// New returns a factory for multi-primary servers. It panics on invalid
// options; call Validate first.
func New(opts Options) protocols.Factory {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	b, _ := parseBug(opts.Bug)
	return func(cfg protocols.Config) protocols.Node {
		n := &node{id: cfg.ID, peers: cfg.Peers, opts: opts, bugs: b, rand: cfg.Rand,
			served: map[protocols.NodeID]uint64{}, replies: map[protocols.NodeID]kv.Reply{}}
		for _, r := range cfg.Store {
			switch r := r.(type) {
			case KeyRecord:
				n.state(r.Key).versions = r.Versions
			}
		}
		return n
	}
}

// Step implements protocols.Node.
func (n *node) Step(in protocols.Input, out *protocols.Effects) {
	n.out = out
	defer func() { n.out = nil }()
	switch in.Kind {
	case protocols.Start:
		n.out.SetTimer(timerSync, n.jitter())
	case protocols.Timer:
		if in.Timer == timerSync {
			n.sync()
			n.out.SetTimer(timerSync, n.jitter())
		}
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case kv.Request:
			n.request(in.Now, m)
		case Update:
			n.merge(m.Key, m.Version, true)
		case State:
			n.onState(in.From, m)
		}
	}
}

func (n *node) jitter() clock.Duration {
	d := n.opts.SyncEvery
	return d/2 + clock.Duration(n.rand.Int64N(int64(d)))
}

func (n *node) state(key string) *keyState {
	i, found := slices.BinarySearchFunc(n.keys, key, func(k keyState, s string) int { return strings.Compare(k.key, s) })
	if !found {
		n.keys = slices.Insert(n.keys, i, keyState{key: key})
	}
	return &n.keys[i]
}

// lookup returns key's versions, or nil.
func (n *node) lookup(key string) []Version {
	i, found := slices.BinarySearchFunc(n.keys, key, func(k keyState, s string) int { return strings.Compare(k.key, s) })
	if !found {
		return nil
	}
	return n.keys[i].versions
}

// request serves a client: a get from this server's state, a write at
// once, pushed to the peers after. A retry of the latest request gets the
// same answer again; a put is never applied twice by one server.
func (n *node) request(now clock.Time, r kv.Request) {
	if last := n.served[r.Client]; r.Seq <= last {
		if rep, ok := n.replies[r.Client]; ok && rep.Seq == r.Seq {
			n.out.Send(r.Client, rep)
		} else {
			n.out.Probe(ProbeDuplicateReq)
		}
		return
	}
	n.served[r.Client] = r.Seq
	var reply kv.Reply
	switch r.Op.Kind {
	case kv.Get:
		reply = n.get(r.Op.Key)
	case kv.Put:
		reply = n.put(now, r)
	default:
		reply = kv.Reply{Status: kv.OK} // appends are refused at Build; a malformed op changes nothing
	}
	reply.Seq, reply.Status = r.Seq, kv.OK
	n.replies[r.Client] = reply
	n.out.Send(r.Client, reply)
}

// get answers with the key's value, or its siblings and their merged
// context.
func (n *node) get(key string) kv.Reply {
	vs := n.lookup(key)
	var reply kv.Reply
	switch {
	case len(vs) == 0:
	case len(vs) == 1:
		reply.Value = vs[0].Value
	default:
		values := make([]string, len(vs))
		for i, v := range vs {
			values[i] = v.Value
		}
		slices.Sort(values)
		values = slices.Compact(values)
		if len(values) == 1 {
			reply.Value = values[0]
		} else {
			n.out.Probe(ProbeSiblingRead)
			reply.Siblings = values
		}
	}
	if n.opts.usesVV(key) {
		var ctx VV
		for _, v := range vs {
			ctx = ctx.Merge(v.VV)
		}
		reply.Context = ctx.String()
	}
	return reply
}

// put makes the write's version (a stamp from this server's clock, or the
// client's context plus the client's own entry), merges it, and pushes it.
func (n *node) put(now clock.Time, r kv.Request) kv.Reply {
	w := r.ID()
	v := Version{Value: r.Op.Value}
	var reply kv.Reply
	if n.opts.usesVV(r.Op.Key) {
		// The writing client is the vector's actor and its sequence
		// number the count: unique per write, growing in the client's
		// session, and independent of the server (a per-server count
		// would make two clients' blind writes at one server look
		// ordered, and the second would silently replace the first).
		v.VV = ParseVV(r.Context).With(r.Client, r.Seq)
		reply.Context = v.VV.String()
		if before := len(n.lookup(r.Op.Key)); before > 1 && len(ParseVV(r.Context)) > 0 {
			n.out.Probe(ProbeMerge)
		}
	} else {
		v.Stamp = Stamp{Millis: int64(now / clock.Time(clock.Millisecond)), Writer: w}
	}
	n.writes++
	n.out.Note(Wrote{Client: r.Client, Seq: r.Seq, Key: r.Op.Key, Version: v})
	n.merge(r.Op.Key, v, false)
	if !n.opts.NoPush {
		n.out.Broadcast(n.peers, Update{Key: r.Op.Key, Version: v})
	}
	return reply
}

// merge joins v into key's versions, durably if anything changed, and
// reports whether it did. remote says v came from a peer.
func (n *node) merge(key string, v Version, remote bool) bool {
	v.VV = slices.Clone(v.VV) // never keep a pointer into a message
	n.out.Note(Merged{Key: key, Version: v})
	s := n.state(key)
	var next []Version
	switch {
	case n.opts.usesVV(key):
		next = joinVV(s.versions, v)
		if remote && n.bugs.dropSibling && !slices.ContainsFunc(s.versions, func(h Version) bool { return v.VV.LessEq(h.VV) }) {
			// BUG drop-sibling: a version from a peer that no held one
			// dominates replaces them all, concurrent ones too.
			next = []Version{v}
		}
	case n.bugs.noTieBreak:
		// BUG lww-no-tie-break: stamps compared by time only; on a tie
		// the value held stays.
		next = s.versions
		if len(s.versions) == 0 || s.versions[0].Stamp.Millis < v.Stamp.Millis {
			next = []Version{v}
		}
	default:
		next = joinLWW(s.versions, v)
	}
	if slices.EqualFunc(next, s.versions, same) {
		if !n.opts.usesVV(key) && !same(s.versions[0], v) {
			n.out.Probe(ProbeLWWDiscard)
		}
		return false
	}
	s.versions = next
	if len(next) > 1 {
		n.out.Probe(ProbeSiblings)
	}
	n.out.Persist(KeyRecord{Key: key, Versions: slices.Clone(next)})
	return true
}

// sync sends this server's whole state to one peer.
func (n *node) sync() {
	if len(n.peers) == 0 {
		return
	}
	n.out.Send(n.peers[n.rand.IntN(len(n.peers))], n.snapshot(false))
}

func (n *node) snapshot(reply bool) State {
	m := State{Reply: reply, Keys: make([]string, len(n.keys)), Versions: make([][]Version, len(n.keys))}
	for i, k := range n.keys {
		m.Keys[i] = k.key
		m.Versions[i] = slices.Clone(k.versions)
	}
	return m
}

// onState merges a peer's state and, unless it is a reply, answers with
// this server's own when the peer lacks something.
func (n *node) onState(from protocols.NodeID, m State) {
	for i, k := range m.Keys {
		for _, v := range m.Versions[i] {
			n.merge(k, v, true)
		}
	}
	if m.Reply {
		return
	}
	for _, k := range n.keys {
		i := slices.Index(m.Keys, k.key)
		if i < 0 || !slices.EqualFunc(k.versions, m.Versions[i], same) {
			n.out.Probe(ProbeStateReply)
			n.out.Send(from, n.snapshot(true))
			return
		}
	}
}

// Role implements protocols.RoleReporter.
func (n *node) Role() string { return "primary" }

// Status implements protocols.Node.
func (n *node) Status() protocols.Status {
	fields := make([]protocols.Field, 0, len(n.keys))
	for _, k := range n.keys {
		var b strings.Builder
		for i, v := range k.versions {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(v.String())
		}
		fields = append(fields, protocols.Field{Name: k.key, Value: b.String()})
	}
	return protocols.Status{Role: "primary", Commit: n.writes, Fields: fields}
}

// KVState returns this server's state per key, as the consistency
// ladder's eventual rung reads replicas after healing
// (checker/consistency.CheckEventual): the value, or the siblings' values
// encoded with kv.EncodeSiblings.
func (n *node) KVState() map[string]string {
	out := make(map[string]string, len(n.keys))
	for _, k := range n.keys {
		values := make([]string, len(k.versions))
		for i, v := range k.versions {
			values[i] = v.Value
		}
		out[k.key] = kv.EncodeSiblings(values)
	}
	return out
}
