package raft

import (
	"fmt"

	"github.com/dsimlab/dsim/clock"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// A Service replaces the plain KV state machine of a Raft server with
// another one: a sharded KV group that also migrates shards, a shard
// controller that holds configurations. Raft stays what it is (elections,
// replication, commitment, membership, persistence, every monitor); the
// service decides what clients and other services may ask, what to put in
// the log, and what applying an entry does. It is the seam through which
// systems built from Raft groups reuse this package: New is NewService
// with no service, and its servers behave exactly as before.
//
// A service sees the world only through its Host and the calls below, so
// it follows the node contract: no goroutines, no clock but the inputs'
// virtual time, state rebuilt from the log after a restart (the log is
// replayed as the commit index is learned again, in a follower that
// answers nobody).
type Service interface {
	// Start is called at the start of every incarnation, after Raft's own
	// start: arm the service's timers here.
	Start()
	// Receive handles a message Raft does not know, and every kv.Request.
	Receive(from protocols.NodeID, m protocols.Message)
	// Timer handles a timer the service set (names start with "svc/").
	Timer(name string)
	// Apply applies a committed entry's command (e.Req or e.Cmd; a no-op
	// and a configuration change are not passed), in log order, and
	// returns the request and outcome the kv.Applied note reports for it
	// (a zero request for a service command).
	Apply(index int, e Entry) (kv.Request, kv.Outcome)
	// Fields are extra status fields for the detail pane.
	Fields() []protocols.Field
}

// AdminService is a Service that takes operators' commands (Admin
// inputs) of its own: Admin reports whether the command was the service's;
// Raft's own (membership changes, snapshot) are tried otherwise.
type AdminService interface {
	Admin(cmd []string) bool
}

// Command is a service's own log command (Entry.Cmd): a value, never
// changed once proposed, whose String is stable (it is digested into the
// log's prefix chain and shown in the status pane).
type Command interface {
	Kind() string
	String() string
}

// Host is what a Raft server offers its service.
type Host interface {
	// ID is the server's ID; Peers the other servers of its Raft group.
	ID() protocols.NodeID
	Peers() []protocols.NodeID
	// Leads reports whether the server leads its group now; LeaderHint
	// names the leader it believes in ("" when none), Term its term.
	Leads() bool
	LeaderHint() protocols.NodeID
	Term() uint64
	// Propose appends a command (Entry.Cmd) or a client request
	// (Entry.Req) to the log if the server leads, and reports whether it
	// did. The entry commits, and is applied, only if it survives.
	Propose(cmd Command) bool
	ProposeRequest(r kv.Request) bool
	// Out is the effects of the step being run: sends, timers, notes.
	Out() *protocols.Effects
	// Now is the server's local clock at the input being handled.
	Now() clock.Time
}

// ServiceOf returns the service of a server NewService built, or nil, for
// a protocol's end-of-run checks.
func ServiceOf(n protocols.Node) Service {
	if r, ok := n.(*node); ok {
		return r.svc
	}
	return nil
}

// ServiceFactory builds a server's service, once per incarnation.
type ServiceFactory func(h Host, cfg protocols.Config) Service

// ServiceTimerPrefix starts the names of a service's timers.
const ServiceTimerPrefix = "svc/"

// NewService returns a factory for Raft servers that replicate svc's state
// machine instead of the plain KV one. Each server's Raft group is its
// Config.Peers: a caller that runs several groups in one cluster hands each
// server the peers of its own group. Snapshots are not supported with a
// service (the service would have to encode its state); NewService panics
// if opts asks for them or is invalid.
func NewService(opts Options, svc ServiceFactory) protocols.Factory {
	if svc == nil {
		return New(opts)
	}
	if opts.snapshots() {
		panic(fmt.Sprintf("%v: snapshots are not supported with a service", ErrBadOptions))
	}
	mk := New(opts)
	return func(cfg protocols.Config) protocols.Node {
		n := mk(cfg).(*node)
		n.svc = svc(host{n}, cfg)
		return n
	}
}

// host is the Host a node offers its service.
type host struct{ n *node }

func (h host) ID() protocols.NodeID             { return h.n.id }
func (h host) Peers() []protocols.NodeID        { return h.n.peers }
func (h host) Leads() bool                      { return h.n.role == leader }
func (h host) LeaderHint() protocols.NodeID     { return h.n.leader }
func (h host) Term() uint64                     { return h.n.term }
func (h host) Out() *protocols.Effects          { return h.n.out }
func (h host) Now() clock.Time                  { return h.n.now }
func (h host) Propose(cmd Command) bool         { return h.n.propose(Entry{Cmd: cmd}) }
func (h host) ProposeRequest(r kv.Request) bool { return h.n.propose(Entry{Req: r}) }

// propose appends e in the leader's term and replicates it, as a client
// request is (handleClientRequest).
func (n *node) propose(e Entry) bool {
	if n.role != leader {
		return false
	}
	e.Term = n.term
	n.appendEntry(e)
	idx := n.log.lastIndex()
	for i := range n.prs {
		if n.target[i] && n.prs[i].next == idx {
			n.sendAppend(i)
		}
	}
	n.maybeCommit()
	return true
}
