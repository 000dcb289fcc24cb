package primarybackup

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The role words nodes report in Status.Role.
const (
	RolePrimary     = "primary"
	RoleBackup      = "backup"
	RoleIdle        = "idle"
	RoleDeposed     = "deposed"
	RoleViewService = "view-service"
)

// The server's timers.
const (
	timerPing   = "ping"   // every PingInterval: ping the view service
	timerResend = "resend" // every RetryInterval while primary: resend what the backup lacks
)

// New returns a factory for a primary-backup cluster: the lowest-numbered
// server is the view service, the others are replicas. Replicas accept
// kv.Request from clients directly. New panics if opts is invalid; call
// Validate first.
func New(opts Options) protocols.Factory {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	b, _ := parseBug(opts.Bug, opts.Async)
	return func(cfg protocols.Config) protocols.Node {
		vs := viewServiceOf(cfg)
		if cfg.ID == vs {
			return newViewService(cfg, opts, b)
		}
		n := &server{id: cfg.ID, vs: vs, opts: opts, bugs: b, log: newLog(), sm: kv.NewMachine()}
		n.recover(cfg.Store)
		return n
	}
}

// viewServiceOf returns the view service's ID: the lowest of the servers.
func viewServiceOf(cfg protocols.Config) protocols.NodeID {
	vs := cfg.ID
	for _, p := range cfg.Peers {
		if protocols.Compare(p, vs) < 0 {
			vs = p
		}
	}
	return vs
}

// server is one replica: primary, backup or idle, as the latest view it
// knows says.
type server struct {
	id   protocols.NodeID
	vs   protocols.NodeID
	opts Options
	bugs bugs
	out  *protocols.Effects // set during Step only

	// Durable (see storage.go).
	view View   // the latest view it knows
	log  opLog  // every operation it holds, in order
	sv   uint64 // the view of the last state transfer it took as backup

	// Volatile.
	deposed bool // a backup answered with a later view: not primary until it learns that view
	commit  int  // entries up to here are on the backup too (or need not be)
	applied int
	sm      *kv.Machine

	// Primary state, for view.Num, in this incarnation.
	ready       bool   // the backup acknowledged the state transfer (or there is none)
	established uint64 // the latest view it was ready in as primary: what it pings
	transferLen int    // the log's length when the last transfer was sent
	backupHave  int    // the backup's log is the primary's up to here
	lastHave    int    // backupHave at the previous resend tick
	sent        int    // the highest index sent to the backup
	refilled    int    // the backup's log length when the last refill was sent
	told        int    // the commit point last sent to the backup
	ownFrom     int    // entries after this one were appended by this primary: it answers them
}

// Step implements protocols.Node.
func (n *server) Step(in protocols.Input, out *protocols.Effects) {
	n.out = out
	switch in.Kind {
	case protocols.Start:
		n.start()
	case protocols.Timer:
		switch in.Timer {
		case timerPing:
			n.ping()
			n.out.SetTimer(timerPing, n.opts.PingInterval)
		case timerResend:
			n.resend()
		}
	case protocols.Receive:
		n.receive(in.From, in.Msg)
	}
	n.out = nil
}

// start begins an incarnation with the recovered view and log and an empty
// state machine: the commit point is learned again (from the primary, or
// by taking up the view as primary).
func (n *server) start() {
	if n.log.last() > 0 || n.view.Num > 0 {
		n.out.Probe(ProbeRestartRecovered)
	}
	n.ping()
	n.out.SetTimer(timerPing, n.opts.PingInterval)
	if n.isPrimary() {
		n.takeUp()
	}
}

func (n *server) receive(from protocols.NodeID, msg protocols.Message) {
	switch m := msg.(type) {
	case ViewReply:
		if from == n.vs {
			n.adopt(m.View)
		}
	case Transfer:
		n.handleTransfer(from, m)
	case Forward:
		n.handleForward(from, m)
	case ForwardReply:
		n.handleForwardReply(from, m)
	case kv.Request:
		n.handleRequest(from, m)
	}
}

func (n *server) isPrimary() bool { return n.view.Primary == n.id && !n.deposed }

// ping tells the view service this server is alive, and which view it has
// taken up: a primary acknowledges a view only once it is ready in it.
func (n *server) ping() {
	v := n.view.Num
	if n.view.Primary == n.id {
		v = n.established
	}
	n.out.Send(n.vs, Ping{View: v})
}

// adopt takes up a view later than the one it knows, whoever told it
// (views come only from the view service, and primaries pass them on).
func (n *server) adopt(v View) {
	if v.Num <= n.view.Num {
		return
	}
	n.view, n.deposed = v, false
	n.out.Persist(ViewRecord{View: v})
	n.ready = false
	n.out.CancelTimer(timerResend)
	if n.isPrimary() {
		n.takeUp()
	}
}

// apply applies committed entries in order. A primary answers the clients
// of the entries it appended itself; the others' clients retry and are
// answered from the dedup table.
func (n *server) apply() {
	for n.applied < n.commit {
		n.applied++
		e := n.log.entry(n.applied)
		result, outcome := n.sm.Apply(e.Req)
		n.out.Note(Applied{Index: n.applied, Term: e.View, Req: e.Req, Outcome: outcome})
		if n.isPrimary() && n.applied > n.ownFrom && outcome != kv.Stale {
			n.out.Send(e.Req.Client, kv.Reply{Seq: e.Req.Seq, Status: kv.OK, Value: result})
			n.out.Note(Served{View: n.view.Num, Client: e.Req.Client, Seq: e.Req.Seq, Index: n.applied})
		}
	}
}

func (n *server) role() string {
	switch {
	case n.view.Primary == n.id && n.deposed:
		return RoleDeposed
	case n.view.Primary == n.id:
		return RolePrimary
	case n.view.Backup == n.id:
		return RoleBackup
	}
	return RoleIdle
}

// Role implements protocols.RoleReporter.
func (n *server) Role() string { return n.role() }

// Leads implements protocols.LeaderReporter: what Status shows as Leader
// and Term.
func (n *server) Leads() (bool, uint64) { return n.isPrimary(), n.view.Num }

// Status implements protocols.Node.
func (n *server) Status() protocols.Status {
	st := protocols.Status{
		Role:   n.role(),
		Leader: n.isPrimary(),
		Term:   n.view.Num,
		Commit: n.commit,
		LogLen: n.log.last(),
	}
	for i := max(1, n.log.last()-7); i <= n.log.last(); i++ {
		e := n.log.entry(i)
		st.Log = append(st.Log, protocols.LogEntry{Index: i, Term: e.View, Text: e.text()})
	}
	st.Fields = []protocols.Field{
		{Name: "view", Value: n.view.String()},
		{Name: "applied", Value: strconv.Itoa(n.applied)},
	}
	if n.isPrimary() {
		ready := "yes"
		if !n.ready {
			ready = "no: waiting for the backup to take the state transfer"
		}
		st.Fields = append(st.Fields, protocols.Field{Name: "ready", Value: ready})
		if n.view.Backup != "" {
			st.Fields = append(st.Fields, protocols.Field{Name: "backup-has", Value: strconv.Itoa(n.backupHave)})
		}
	}
	return st
}
