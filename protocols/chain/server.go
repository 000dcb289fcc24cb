package chain

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The role words nodes report in Status.Role.
const (
	RoleHead     = "head"
	RoleMiddle   = "middle"
	RoleTail     = "tail"
	RoleHeadTail = "head-tail"
	RoleJoining  = "joining"
	RoleIdle     = "idle"
	RoleMaster   = "master"
)

// The server's timers. Leases run on four timers, one per ping in flight,
// so that a lease is measured from the moment its ping left.
const (
	timerPing  = "ping"  // every PingInterval: ping the master
	timerRetry = "retry" // every RetryInterval: repeat a sync request, resend Sent
)

var leaseTimers = [4]string{"lease0", "lease1", "lease2", "lease3"}

// New returns a factory for a chain: the lowest-numbered server is the
// master, the others are chain servers. Servers accept kv.Request from
// clients directly: writes at the head, reads at the tail (or, with CRAQ,
// at any member). New panics if opts is invalid; call Validate first.
func New(opts Options) protocols.Factory {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	b, _ := parseBug(opts.Bug, opts.CRAQ)
	return func(cfg protocols.Config) protocols.Node {
		master := cfg.ID
		for _, p := range cfg.Peers {
			if protocols.Compare(p, master) < 0 {
				master = p
			}
		}
		if cfg.ID == master {
			return newMaster(cfg, opts)
		}
		n := &server{id: cfg.ID, master: master, opts: opts, bugs: b, log: newHistory()}
		n.recover(cfg.Store)
		return n
	}
}

// server is one chain server: head, middle, tail, a member catching up, or
// idle, as the latest configuration it knows says.
type server struct {
	id     protocols.NodeID
	master protocols.NodeID
	opts   Options
	bugs   bugs
	out    *protocols.Effects // set during Step only

	// Durable (see storage.go).
	cfg   Config
	since uint64 // the epoch its membership began; 0 when not a member
	ready bool   // it holds every update its membership needs
	log   history

	// Volatile, rebuilt from the history on start.
	sm       *kv.Machine
	outcomes []kv.Outcome // what applying each update did, by index
	vers     versions

	pred, succ protocols.NodeID // its neighbours in cfg
	acked      int              // updates up to here are in the tail's history (Sent is after it)
	next       int              // the next index to send the successor
	predSynced bool             // its predecessor answered its sync request in this epoch
	gap        bool             // a Forward arrived past the end of its history, and nothing since filled it
	needAt     int              // the Have of the last gap complaint, so it complains once
	synced     bool             // a new member's predecessor answered its Need...
	syncTo     int              // ...saying its history ends here: the new member is ready once its own reaches it
	lastAcked  int              // acked at the previous retry tick
	stalled    int              // retry ticks without progress on Sent

	pingSeq    uint64
	slot       [4]uint64 // the ping whose lease each timer measures
	fired      [4]bool
	granted    uint64 // the ping whose lease the server holds
	leased     bool
	leaseEpoch uint64
}

// Step implements protocols.Node.
func (n *server) Step(in protocols.Input, out *protocols.Effects) {
	n.out = out
	switch in.Kind {
	case protocols.Start:
		n.start()
	case protocols.Timer:
		n.timer(in.Timer)
	case protocols.Receive:
		n.receive(in.From, in.Msg)
	}
	n.out = nil
}

// start begins an incarnation: it rebuilds the state machine from the
// history, rejoins its neighbours and asks its predecessor for what it
// missed while down.
func (n *server) start() {
	if n.log.last() > 0 || n.cfg.Epoch > 0 {
		n.out.Probe(ProbeRestart)
	}
	n.sm, n.outcomes, n.vers = kv.NewMachine(), []kv.Outcome{0}, versions{}
	n.applyFrom(1)
	n.pred, n.succ = n.cfg.neighbours(n.id)
	n.next = n.log.last() + 1
	n.enterEpoch()
	n.ping()
	n.out.SetTimer(timerPing, n.opts.PingInterval)
	n.out.SetTimer(timerRetry, n.opts.RetryInterval)
}

func (n *server) timer(name string) {
	switch name {
	case timerPing:
		n.ping()
		n.out.SetTimer(timerPing, n.opts.PingInterval)
	case timerRetry:
		n.retry()
		n.out.SetTimer(timerRetry, n.opts.RetryInterval)
	default:
		for i, t := range leaseTimers {
			if t == name {
				n.fired[i] = true
				if n.leased && n.slot[i] == n.granted {
					n.leased = false
					n.out.Probe(ProbeLeaseLapsed)
				}
			}
		}
	}
}

func (n *server) receive(from protocols.NodeID, msg protocols.Message) {
	switch m := msg.(type) {
	case PingReply:
		if from == n.master {
			n.pingReply(m)
		}
	case Forward:
		n.handleForward(from, m)
	case Ack:
		n.handleAck(from, m)
	case Need:
		n.handleNeed(from, m)
	case VersionQuery:
		n.handleVersionQuery(from, m)
	case VersionReply:
		n.handleVersionReply(from, m)
	case kv.Request:
		if m.Op.Kind == kv.Get {
			n.handleRead(from, m)
		} else {
			n.handleWrite(from, m)
		}
	}
}

func (n *server) member() bool    { return n.since > 0 && n.cfg.index(n.id) >= 0 }
func (n *server) isHead() bool    { return n.member() && n.pred == "" }
func (n *server) isTail() bool    { return n.member() && n.id == n.cfg.tail() }
func (n *server) isJoining() bool { return n.member() && n.id == n.cfg.joiner() }

// serving reports whether it commits updates and answers reads as the
// tail: it acts as tail, holds its history, and its predecessor has
// answered its sync request in this epoch, so it holds everything its
// predecessor committed while it was tail (a joiner just promoted).
func (n *server) serving() bool { return n.isTail() && n.ready && n.predSynced }

// ping sends the master a heartbeat and starts measuring the lease it may
// grant in answer: from now, on one of the lease timers. A timer still
// measuring the lease held is reused only after that lease is given up.
func (n *server) ping() {
	n.pingSeq++
	i := n.pingSeq % 4
	if n.leased && n.slot[i] == n.granted && !n.fired[i] {
		n.leased = false
	}
	n.slot[i], n.fired[i] = n.pingSeq, false
	n.out.SetTimer(leaseTimers[i], n.opts.Lease)
	// Ready: it holds every committed update its role needs. A tail
	// holds them once its predecessor answered it in this epoch.
	ready := n.ready && (!n.isTail() || n.serving())
	n.out.Send(n.master, Ping{Epoch: n.cfg.Epoch, Seq: n.pingSeq, Since: n.since, Ready: ready})
}

func (n *server) pingReply(m PingReply) {
	n.adopt(m.Config)
	if i := m.Seq % 4; m.Lease && m.Seq > n.granted && n.slot[i] == m.Seq && !n.fired[i] && m.Config.Epoch == n.cfg.Epoch {
		n.granted, n.leased, n.leaseEpoch = m.Seq, true, m.Config.Epoch
	}
}

// leaseValid reports whether the server may answer reads in its epoch.
func (n *server) leaseValid() bool { return n.leased && n.leaseEpoch == n.cfg.Epoch }

// adopt takes up a later configuration from the master.
func (n *server) adopt(c Config) {
	if c.Epoch <= n.cfg.Epoch {
		return
	}
	oldSucc := n.succ
	n.cfg = c
	n.out.Persist(ConfigRecord{Config: c})
	i := c.index(n.id)
	if i < 0 {
		if n.since != 0 {
			n.since, n.ready = 0, false
			n.out.Persist(Membership{})
		}
		n.pred, n.succ = "", ""
		return
	}
	if m := c.Chain[i]; m.Since != n.since {
		if m.Since == 1 {
			// The first configuration: every member starts empty, and ready.
			n.since, n.ready = 1, true
		} else {
			// A new member: whatever it holds is from an earlier membership,
			// maybe of another lineage. It starts empty and catches up.
			n.out.Probe(ProbeJoinerReset)
			n.out.Persist(LogReset{})
			n.out.Note(Reset{})
			n.log = newHistory()
			n.sm, n.outcomes, n.vers = kv.NewMachine(), []kv.Outcome{0}, versions{}
			n.acked, n.synced, n.syncTo = 0, false, 0
			n.since, n.ready = m.Since, false
		}
		n.out.Persist(Membership{Since: n.since, Ready: n.ready})
	}
	n.pred, n.succ = c.neighbours(n.id)
	if n.succ != oldSucc {
		n.next = n.log.last() + 1
		if n.bugs.forgetSent && oldSucc != "" && n.succ != "" && c.Chain[i+1].Since < c.Epoch {
			// BUG forget-sent: the old successor had everything sent to it;
			// count it as delivered to the tail.
			n.acked = n.log.last()
		}
	}
	n.enterEpoch()
}

// enterEpoch joins the neighbours of the configuration: it asks the
// predecessor for every update after its own (Figure 3: the successor
// reports its last sequence number), and a head that is also tail commits
// what it holds (any other tail does once its predecessor answers).
func (n *server) enterEpoch() {
	n.predSynced, n.needAt, n.stalled, n.gap = n.pred == "", -1, 0, false
	if n.pred != "" && n.member() {
		n.sendNeed()
	}
	n.commitAsTail()
}

// commitAsTail commits everything in the history if it now serves as
// tail and had not: updates its predecessor sent and the old tail never
// received are committed now.
func (n *server) commitAsTail() {
	if n.serving() && n.acked < n.log.last() {
		n.out.Probe(ProbeBecameTail)
		n.commit(n.log.last())
	}
}

func (n *server) sendNeed() {
	n.needAt = n.log.last()
	n.out.Send(n.pred, Need{Epoch: n.cfg.Epoch, Have: n.log.last()})
}

// applyFrom applies the history from index i on to the state machine.
func (n *server) applyFrom(i int) {
	for ; i <= n.log.last(); i++ {
		e := n.log.entry(i)
		_, outcome := n.sm.Apply(e.Req)
		n.outcomes = append(n.outcomes, outcome)
		if outcome == kv.Executed {
			n.vers.add(e.Req.Op.Key, i, n.sm.Value(e.Req.Op.Key))
		}
		n.out.Note(Applied{Index: i, Term: e.Epoch, Req: e.Req, Outcome: outcome})
	}
}

func (n *server) role() string {
	switch {
	case !n.member():
		return RoleIdle
	case n.isJoining():
		return RoleJoining
	case n.isHead() && n.isTail():
		return RoleHeadTail
	case n.isHead():
		return RoleHead
	case n.isTail():
		return RoleTail
	}
	return RoleMiddle
}

// Role implements protocols.RoleReporter.
func (n *server) Role() string { return n.role() }

// Leads implements protocols.LeaderReporter: what Status shows as Leader
// and Term.
func (n *server) Leads() (bool, uint64) { return n.isHead(), n.cfg.Epoch }

// Status implements protocols.Node.
func (n *server) Status() protocols.Status {
	st := protocols.Status{
		Role:   n.role(),
		Leader: n.isHead(),
		Term:   n.cfg.Epoch,
		Commit: n.acked,
		LogLen: n.log.last(),
	}
	for i := max(1, n.log.last()-7); i <= n.log.last(); i++ {
		e := n.log.entry(i)
		st.Log = append(st.Log, protocols.LogEntry{Index: i, Term: e.Epoch, Text: e.text()})
	}
	lease := "no"
	if n.leaseValid() {
		lease = "yes"
	}
	st.Fields = []protocols.Field{
		{Name: "config", Value: n.cfg.String()},
		{Name: "sent", Value: strconv.Itoa(n.log.last() - n.acked)},
		{Name: "lease", Value: lease},
	}
	return st
}
