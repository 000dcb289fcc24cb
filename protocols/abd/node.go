package abd

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The server's timer.
const timerResend = "resend" // resend unanswered phase messages; expire old operations

// node is one ABD server: a replica of every register (replica.go) and a
// coordinator of the client operations sent to it (coordinator.go).
type node struct {
	id      protocols.NodeID
	servers []protocols.NodeID // every server, this one included, sorted
	quorum  int
	opts    Options
	bugs    bugs
	out     *protocols.Effects // set during Step only

	regs     []register                    // the registers, sorted by key
	stores   int                           // values replaced, this incarnation
	served   map[protocols.NodeID]uint64   // the latest request served per client
	replies  map[protocols.NodeID]kv.Reply // the answer to it, once decided (lost on a crash)
	attempts map[protocols.NodeID]uint32   // the latest send of it taken on or given up on
	storing  map[protocols.NodeID]Storing  // the latest write per client that reached its store phase
	inc      uint64                        // this incarnation's number
	phases   uint64                        // phase IDs issued this incarnation
	ops      []*op                         // operations in flight, oldest first
	ticking  bool                          // the resend timer is armed
}

// register is one key's replica: the highest-tagged value this server
// has stored.
type register struct {
	key   string
	tag   Tag
	value string
}

// New returns a factory for ABD servers. It panics on invalid options;
// call Validate first.
func New(opts Options) protocols.Factory {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	b, _ := parseBug(opts.Bug)
	return func(cfg protocols.Config) protocols.Node {
		all := protocols.SortIDs(append([]protocols.NodeID{cfg.ID}, cfg.Peers...))
		n := &node{id: cfg.ID, servers: all, quorum: protocols.Quorum(len(all)), opts: opts, bugs: b, served: map[protocols.NodeID]uint64{}, replies: map[protocols.NodeID]kv.Reply{}, attempts: map[protocols.NodeID]uint32{}, storing: map[protocols.NodeID]Storing{}}
		for _, r := range cfg.Store {
			switch r := r.(type) {
			case StoredRecord:
				// A record is written only when it replaces the value, so
				// the latest one per key is the register's value.
				reg := n.register(r.Key)
				reg.tag, reg.value = r.Tag, r.Value
			case Served:
				if r.Seq >= n.served[r.Client] {
					n.served[r.Client], n.attempts[r.Client] = r.Seq, max(n.attempts[r.Client], r.Attempt)
				}
			case Storing:
				if r.Seq >= n.storing[r.Client].Seq {
					n.storing[r.Client] = r
				}
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
	case protocols.Timer:
		if in.Timer == timerResend {
			n.ticking = false
			n.tick()
		}
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case kv.Request:
			n.request(m)
		case Query:
			n.out.Send(in.From, n.query(m))
		case Store:
			n.out.Send(in.From, n.store(m))
		case QueryReply:
			n.queryReply(in.From, m)
		case StoreAck:
			n.storeAck(in.From, m)
		}
	}
}

// register returns key's register, adding an empty one if needed.
func (n *node) register(key string) *register {
	i, found := slices.BinarySearchFunc(n.regs, key, func(r register, k string) int { return strings.Compare(r.key, k) })
	if !found {
		n.regs = slices.Insert(n.regs, i, register{key: key})
	}
	return &n.regs[i]
}

// Status implements protocols.Node.
// Role implements protocols.RoleReporter: a server coordinating an
// operation is its coordinator.
func (n *node) Role() string {
	if len(n.ops) > 0 {
		return "coordinator"
	}
	return "replica"
}

func (n *node) Status() protocols.Status {
	role := n.Role()
	fields := make([]protocols.Field, 0, len(n.regs)+1)
	for _, r := range n.regs {
		fields = append(fields, protocols.Field{Name: r.key, Value: r.tag.String() + " " + strconv.Quote(r.value)})
	}
	fields = append(fields, protocols.Field{Name: "ops", Value: strconv.Itoa(len(n.ops))})
	return protocols.Status{Role: role, Commit: n.stores, Fields: fields}
}
