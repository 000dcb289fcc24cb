package dynamo

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The server's timers.
const (
	timerResend  = "resend"  // coordinator: resend, go sloppy, abort, expire
	timerHandoff = "handoff" // offer hints to their home replicas
	timerSync    = "sync"    // anti-entropy with one other replica
)

// node is one Dynamo server: a replica of the keys whose preference list
// starts near it (replica.go), a stand-in holding hints for others
// (handoff.go), and a coordinator of the client operations sent to it
// (coordinator.go).
type node struct {
	id      protocols.NodeID
	servers []protocols.NodeID // every server, this one included, sorted: the ring
	opts    Options
	bugs    bugs
	rand    *rand.Rand
	out     *protocols.Effects // set during Step only

	entries []entry // this server's own store, sorted by key
	hints   []hint  // writes kept for other servers, oldest first
	writes  int     // versions stored, this incarnation

	served  map[protocols.NodeID]uint64
	replies map[protocols.NodeID]kv.Reply
	storing map[protocols.NodeID]uint64
	inc     uint64
	phases  uint64
	ops     []*op
	ticking bool
}

type entry struct {
	key     string
	version Version
	value   string
}

type hint struct {
	home    protocols.NodeID
	key     string
	version Version
	value   string
}

// New returns a factory for Dynamo servers in a cluster of the given
// servers. It panics on invalid options; call Validate first.
func New(opts Options, servers int) protocols.Factory {
	if err := opts.Validate(servers); err != nil {
		panic(err)
	}
	opts = opts.withDefaults(servers)
	b, _ := parseBug(opts.Bug)
	return func(cfg protocols.Config) protocols.Node {
		n := &node{
			id: cfg.ID, servers: protocols.SortIDs(append([]protocols.NodeID{cfg.ID}, cfg.Peers...)),
			opts: opts, bugs: b, rand: cfg.Rand,
			served: map[protocols.NodeID]uint64{}, replies: map[protocols.NodeID]kv.Reply{}, storing: map[protocols.NodeID]uint64{},
		}
		for _, r := range cfg.Store {
			switch r := r.(type) {
			case EntryRecord:
				e := n.entry(r.Key)
				e.version, e.value = r.Version, r.Value
			case HintRecord:
				n.hints = append(n.hints, hint{home: r.Home, key: r.Key, version: r.Version, value: r.Value})
			case HintDone:
				n.hints = slices.DeleteFunc(n.hints, func(h hint) bool {
					return h.home == r.Home && h.key == r.Key && h.version == r.Version
				})
			case Served:
				n.served[r.Client] = max(n.served[r.Client], r.Seq)
			case Storing:
				n.storing[r.Client] = max(n.storing[r.Client], r.Seq)
			case Incarnation:
				n.inc = max(n.inc, r.N)
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
		n.inc++
		n.out.Persist(Incarnation{N: n.inc})
		n.out.SetTimer(timerHandoff, n.opts.HandoffEvery)
		if n.opts.SyncEvery > 0 {
			n.out.SetTimer(timerSync, n.jitter(n.opts.SyncEvery))
		}
	case protocols.Timer:
		switch in.Timer {
		case timerResend:
			n.ticking = false
			n.tick()
		case timerHandoff:
			n.handoff()
			n.out.SetTimer(timerHandoff, n.opts.HandoffEvery)
		case timerSync:
			n.sync()
			n.out.SetTimer(timerSync, n.jitter(n.opts.SyncEvery))
		}
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case kv.Request:
			n.request(m)
		case Read:
			n.out.Send(in.From, n.read(m))
		case Write:
			n.out.Send(in.From, n.write(m))
		case ReadReply:
			n.readReply(in.From, m)
		case WriteAck:
			n.writeAck(in.From, m)
		case Handoff:
			n.store(m.Key, m.Version, m.Value, false)
			n.out.Send(in.From, HandoffAck{Key: m.Key, Version: m.Version})
		case HandoffAck:
			n.handoffAck(in.From, m)
		case Digest:
			n.digest(in.From, m)
		case Sync:
			if n.store(m.Key, m.Version, m.Value, false) {
				n.out.Probe(ProbeSync)
			}
		}
	}
}

// jitter spreads periodic work over [d/2, 3d/2) so servers do not act in
// lockstep.
func (n *node) jitter(d clock.Duration) clock.Duration {
	return d/2 + clock.Duration(n.rand.Int64N(int64(d)))
}

// preference returns key's preference list: every server, in ring order
// from the key's position. The first N are its home replicas.
func (n *node) preference(key string) []protocols.NodeID {
	return Preference(n.servers, key)
}

// Preference returns key's preference list over the sorted servers: every
// server in ring order from the key's position (a digest of the key).
func Preference(servers []protocols.NodeID, key string) []protocols.NodeID {
	p := int(protocols.Digest([]byte(key)) % uint64(len(servers)))
	return append(slices.Clone(servers[p:]), servers[:p]...)
}

// isHome reports whether this server is one of key's N home replicas.
func (n *node) isHome(key string) bool {
	return slices.Contains(n.preference(key)[:n.opts.N], n.id)
}

func (n *node) entry(key string) *entry {
	i, found := slices.BinarySearchFunc(n.entries, key, func(e entry, k string) int { return strings.Compare(e.key, k) })
	if !found {
		n.entries = slices.Insert(n.entries, i, entry{key: key})
	}
	return &n.entries[i]
}

// lookup returns key's entry, or nil.
func (n *node) lookup(key string) *entry {
	i, found := slices.BinarySearchFunc(n.entries, key, func(e entry, k string) int { return strings.Compare(e.key, k) })
	if !found {
		return nil
	}
	return &n.entries[i]
}

// Role implements protocols.RoleReporter: a server coordinating an
// operation is its coordinator.
func (n *node) Role() string {
	if len(n.ops) > 0 {
		return "coordinator"
	}
	return "replica"
}

// Status implements protocols.Node.
func (n *node) Status() protocols.Status {
	role := n.Role()
	fields := make([]protocols.Field, 0, len(n.entries)+2)
	for _, e := range n.entries {
		name := e.key
		if !n.isHome(e.key) {
			name += " (not home)"
		}
		fields = append(fields, protocols.Field{Name: name, Value: e.version.String() + " " + strconv.Quote(e.value)})
	}
	fields = append(fields, protocols.Field{Name: "hints", Value: itoa(len(n.hints))}, protocols.Field{Name: "ops", Value: itoa(len(n.ops))})
	return protocols.Status{Role: role, Commit: n.writes, Fields: fields}
}

// HoldsKey reports whether this server is one of key's N home replicas:
// Dynamo's replicas are per key.
func (n *node) HoldsKey(key string) bool { return n.isHome(key) }

// KVState implements kv.PartialReplica, for the eventual-convergence check
// after healing: the keys this server is a home replica of, with their
// values. The runner compares each key across its home replicas, which is
// what Dynamo promises.
func (n *node) KVState() map[string]string {
	out := map[string]string{}
	for _, e := range n.entries {
		if n.isHome(e.key) && e.value != "" {
			out[e.key] = e.value
		}
	}
	return out
}
