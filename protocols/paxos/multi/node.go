package multi

import (
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
)

// role is a server's place in leader election.
type role uint8

const (
	replica   role = iota // accepts from the leader it promised; learns and executes
	candidate             // running phase 1 for its own ballot
	leader                // won phase 1: runs phase 2 for every slot
)

func (r role) String() string {
	switch r {
	case replica:
		return "replica"
	case candidate:
		return "candidate"
	}
	return "leader"
}

// The server's timers.
const (
	timerElection  = "election"  // armed while replica or candidate
	timerHeartbeat = "heartbeat" // armed while leader
)

// New returns a factory for Multi-Paxos servers; every server is a
// proposer, an acceptor and a replica (a learner that executes). Its nodes
// accept kv.Request from clients directly. New panics if opts is invalid
// for n servers; call Validate first.
func New(n int, opts Options) protocols.Factory {
	if err := opts.Validate(n); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	b, _ := parseBug(opts.Bug)
	q1, q2 := opts.Quorums.Sizes(n)
	return func(cfg protocols.Config) protocols.Node {
		servers := protocols.SortIDs(append(slices.Clone(cfg.Peers), cfg.ID))
		nd := &node{
			id:      cfg.ID,
			num:     synod.Number(servers, cfg.ID),
			self:    slices.Index(servers, cfg.ID),
			servers: servers,
			peers:   cfg.Peers,
			opts:    opts,
			bugs:    b,
			rand:    cfg.Rand,
			q1:      q1,
			q2:      q2,
			log:     make([]slotState, 1),
			sm:      kv.NewMachine(),
			prs:     make([]progress, len(cfg.Peers)),
			pending: map[reqKey]int{},
		}
		nd.recoverState(cfg.Store)
		nd.restarted = len(cfg.Store) > 0
		return nd
	}
}

// node is one Multi-Paxos server.
type node struct {
	id        protocols.NodeID
	num       int                // its proposer number: ballots it owns end in it
	self      int                // its position in servers, for vote sets
	servers   []protocols.NodeID // every server, sorted
	peers     []protocols.NodeID // the others, sorted
	opts      Options
	bugs      bugs
	rand      *rand.Rand
	out       *protocols.Effects // set during Step only
	now       clock.Time         // the local time of the current step
	q1, q2    int
	restarted bool

	// Acceptor and replica state, by slot (log[0] is unused). The promise,
	// the accepted proposals and the decisions are durable.
	promised Ballot
	log      []slotState
	decided  int // every slot up to here is decided: the commit point
	executed int // every slot up to here is executed
	sm       *kv.Machine

	// What this step changed, written at its end (flush).
	promiseDirty bool
	newAcc       []PValue
	newDec       []PValue

	role     role
	leader   protocols.NodeID // the server leading the promised ballot, when heard from
	seen     uint64           // the highest round seen in any ballot
	failures int              // failed candidacies in a row, for backoff

	// Candidate and leader state.
	ballot    Ballot
	from      int // phase 1 covers slots from here on
	promises  synod.Set
	recovered []PValue // by slot-from: the highest-ballot proposal the promises reported

	// Leader state.
	next    int        // the next free slot
	prs     []progress // by peer position
	pending map[reqKey]int
}

// slotState is one slot as a server knows it.
type slotState struct {
	accBallot  Ballot     // the acceptor accepted accCmd in accBallot (0: nothing)
	accCmd     kv.Request //
	decided    bool       // the replica knows cmd is decided here
	cmd        kv.Request //
	ballot     Ballot     // the ballot under which it learned the decision
	propBal    Ballot     // a leader: it proposed accCmd here in this ballot
	acks       synod.Set  // a leader: servers that accepted its proposal, by position
	proposedAt clock.Time // a leader: when it proposed it (local time)
}

// progress is what a leader knows of one replica.
type progress struct {
	sent    int // the highest slot sent to it in an Accept, in this ballot
	decided int // its commit point, as it last reported
	catchUp int // a Decide up to here is in flight to it
}

type reqKey struct {
	client protocols.NodeID
	seq    uint64
}

// Step implements protocols.Node.
func (n *node) Step(in protocols.Input, out *protocols.Effects) {
	n.out, n.now = out, in.Now
	switch in.Kind {
	case protocols.Start:
		n.start()
	case protocols.Timer:
		switch in.Timer {
		case timerElection:
			n.electionTimeout()
		case timerHeartbeat:
			n.heartbeat()
		}
	case protocols.Receive:
		n.receive(in.From, in.Msg)
	}
	n.flush()
	n.out = nil
}

// start begins an incarnation, always as a replica: it executes the decided
// prefix it recovered (the state machine is volatile) and waits to hear
// from a leader.
func (n *node) start() {
	if n.restarted {
		n.out.Probe(ProbeRestartRecovered)
	}
	n.execute()
	n.armElection()
}

func (n *node) receive(from protocols.NodeID, msg protocols.Message) {
	switch m := msg.(type) {
	case Prepare:
		n.handlePrepare(from, m)
	case Promise:
		n.handlePromise(from, m)
	case Accept:
		n.handleAccept(from, m)
	case Heartbeat:
		n.handleAccept(from, Accept{Ballot: m.Ballot, Commit: m.Commit})
	case Accepted:
		n.handleAccepted(from, m)
	case Nack:
		n.handleNack(m)
	case Decide:
		n.handleDecide(from, m)
	case kv.Request:
		n.handleRequest(from, m)
	}
}

// slot returns the state of slot s, growing the log as needed.
func (n *node) slot(s int) *slotState {
	if s >= len(n.log) {
		n.log = slices.Grow(n.log, s+1-len(n.log))
		n.log = n.log[:s+1]
	}
	return &n.log[s]
}

// top is the highest slot the server holds anything for.
func (n *node) top() int { return len(n.log) - 1 }

// armElection (re)arms the election timer: a replica that hears from no
// leader for this long runs phase 1 itself. The timeout is drawn anew each
// time, in whole milliseconds; after failed candidacies the range widens
// (up to 4 times), so that duelling candidates draw apart and one wins.
func (n *node) armElection() {
	ms := clock.Millisecond
	lo, hi := n.opts.ElectionTimeoutMin/ms, n.opts.ElectionTimeoutMax/ms
	hi += (hi - lo) * clock.Duration(min(n.failures, 3))
	d := lo
	if hi > lo {
		d = lo + clock.Duration(n.rand.Int64N(int64(hi-lo+1)))
	}
	n.out.SetTimer(timerElection, d*ms)
}

// peerIndex returns the position of id among the peers, or -1.
func (n *node) peerIndex(id protocols.NodeID) int {
	for i, p := range n.peers {
		if p == id {
			return i
		}
	}
	return -1
}

// serverIndex returns the position of id among the servers, or -1.
func (n *node) serverIndex(id protocols.NodeID) int {
	for i, p := range n.servers {
		if p == id {
			return i
		}
	}
	return -1
}

// Role implements protocols.RoleReporter.
func (n *node) Role() string { return n.role.String() }

// Leads implements protocols.LeaderReporter: what Status shows as Leader
// and Term.
func (n *node) Leads() (bool, uint64) { return n.role == leader, uint64(n.promised) }

// Status implements protocols.Node.
func (n *node) Status() protocols.Status {
	const tail = 10
	top := n.top()
	from := max(1, top-tail+1)
	log := make([]protocols.LogEntry, 0, top-from+1)
	for s := from; s <= top; s++ {
		st := &n.log[s]
		e := protocols.LogEntry{Index: s, Term: uint64(st.accBallot), Text: cmdText(st.accCmd)}
		if st.decided {
			e.Term, e.Text = uint64(st.ballot), cmdText(st.cmd)
		}
		if e.Term == 0 && !st.decided {
			e.Text = "-"
		}
		log = append(log, e)
	}
	lead := string(n.leader)
	if lead == "" {
		lead = "-"
	}
	return protocols.Status{
		Role:   n.role.String(),
		Leader: n.role == leader,
		Term:   uint64(n.promised),
		Commit: n.executed,
		LogLen: top,
		Log:    log,
		Fields: []protocols.Field{
			{Name: "leader", Value: lead},
			{Name: "promised", Value: n.promised.String()},
			{Name: "decided", Value: strconv.Itoa(n.decided)},
			{Name: "executed", Value: strconv.Itoa(n.executed)},
		},
	}
}
