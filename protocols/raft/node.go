package raft

import (
	"math/rand/v2"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// role is a server's place in Figure 4's state diagram.
type role uint8

const (
	follower role = iota
	candidate
	leader
)

func (r role) String() string {
	switch r {
	case follower:
		return "follower"
	case candidate:
		return "candidate"
	}
	return "leader"
}

// The server's timers.
const (
	timerElection  = "election"  // armed while follower or candidate
	timerHeartbeat = "heartbeat" // armed while leader
)

// New returns a factory for Raft servers with the given options. Its nodes
// accept kv.Request from clients directly. New panics if opts is invalid;
// call Validate first.
func New(opts Options) protocols.Factory {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	b, _ := parseBug(opts.Bug)
	return func(cfg protocols.Config) protocols.Node {
		n := &node{
			id:    cfg.ID,
			peers: cfg.Peers,
			opts:  opts,
			bugs:  b,
			rand:  cfg.Rand,
			log:   newLog(),
			sm:    kv.NewMachine(),
			prs:   make([]progress, len(cfg.Peers)),
		}
		n.recoverState(cfg.Store)
		n.hardState = HardState{Term: n.term, Vote: n.vote}
		return n
	}
}

// node is one Raft server.
type node struct {
	id    protocols.NodeID
	peers []protocols.NodeID // the other servers, sorted
	opts  Options
	bugs  bugs
	rand  *rand.Rand
	out   *protocols.Effects // set during Step only

	// Persistent state (Figure 2), rebuilt from the store on restart.
	term      uint64
	vote      protocols.NodeID
	log       raftLog
	hardState HardState // the last HardState persisted or recovered

	// Volatile state.
	role       role
	leader     protocols.NodeID // the leader of the current term, when known
	lastLeader protocols.NodeID // the last leader seen in any term, for the leader-change probe
	commit     int
	applied    int
	sm         *kv.Machine

	// Candidate state: who granted a vote in this election.
	granted []bool // by peer position
	votes   int

	// Leader state: replication progress per peer, by peer position.
	prs      []progress
	matchBuf []int // scratch for computing the quorum match
}

// progress is what a leader knows of one follower's log (Figure 2's
// nextIndex and matchIndex). next is optimistic: after sending entries up
// to i the leader assumes they arrive and sends the following ones without
// waiting, and falls back when the follower rejects.
type progress struct {
	next  int // the next index to send
	match int // the highest index known to match the leader's log
}

// Step implements protocols.Node.
func (n *node) Step(in protocols.Input, out *protocols.Effects) {
	n.out = out
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
	n.persistHardState()
	n.out = nil
}

// start begins an incarnation: always as a follower (§5.2), with the durable
// state the factory recovered and an empty state machine that is rebuilt as
// the commit index is learned again.
func (n *node) start() {
	if n.term > 0 || n.log.lastIndex() > 0 {
		n.out.Probe(ProbeRestartRecovered)
	}
	n.armElection()
}

// receive dispatches a message, after the rule every server follows first
// (Figure 2, "Rules for Servers"): a message from a later term means this
// server is out of date, and whatever its role it becomes a follower in
// that term.
func (n *node) receive(from protocols.NodeID, msg protocols.Message) {
	if t := termOf(msg); t > n.term {
		switch {
		case n.role == leader && n.bugs.ignoreHigherTerm && isReply(msg):
			// BUG ignore-higher-term: take the term, keep leading.
			n.term, n.vote = t, ""
		case isAppend(msg):
			n.becomeFollower(t, from)
		default:
			n.becomeFollower(t, "")
		}
	}
	switch m := msg.(type) {
	case RequestVote:
		n.handleRequestVote(from, m)
	case RequestVoteReply:
		n.handleVoteReply(from, m)
	case AppendEntries:
		n.handleAppendEntries(from, m)
	case AppendEntriesReply:
		n.handleAppendReply(from, m)
	case kv.Request:
		n.handleClientRequest(from, m)
	}
}

func termOf(msg protocols.Message) uint64 {
	switch m := msg.(type) {
	case RequestVote:
		return m.Term
	case RequestVoteReply:
		return m.Term
	case AppendEntries:
		return m.Term
	case AppendEntriesReply:
		return m.Term
	}
	return 0
}

func isReply(msg protocols.Message) bool {
	switch msg.(type) {
	case RequestVoteReply, AppendEntriesReply:
		return true
	}
	return false
}

func isAppend(msg protocols.Message) bool {
	_, ok := msg.(AppendEntries)
	return ok
}

// becomeFollower moves to term (if later than the current one, forgetting
// the vote) as a follower of lead ("" when unknown). A leader stepping
// down arms the election timer it did not have; a follower or candidate
// keeps its running timer, because only a valid AppendEntries or a granted
// vote resets it (Figure 2).
func (n *node) becomeFollower(term uint64, lead protocols.NodeID) {
	if term > n.term {
		n.term, n.vote = term, ""
	}
	if n.role == leader {
		n.out.Probe(ProbeStepDown)
		n.out.CancelTimer(timerHeartbeat)
		n.armElection()
	}
	n.role = follower
	n.setLeader(lead)
}

// setLeader records the leader of the current term ("" when unknown).
func (n *node) setLeader(id protocols.NodeID) {
	n.leader = id
	if id == "" {
		return
	}
	if n.lastLeader != "" && n.lastLeader != id {
		n.out.Probe(ProbeLeaderChange)
	}
	n.lastLeader = id
}

// armElection (re)arms the election timer with a fresh random timeout,
// drawn in whole milliseconds so traces stay readable; ties between
// servers are broken by the driver's event order.
func (n *node) armElection() {
	ms := clock.Millisecond
	lo, hi := (n.opts.ElectionTimeoutMin+ms-1)/ms, n.opts.ElectionTimeoutMax/ms
	d := n.opts.ElectionTimeoutMin
	if hi > lo {
		d = (lo + clock.Duration(n.rand.Int64N(int64(hi-lo+1)))) * ms
	}
	n.out.SetTimer(timerElection, d)
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

// quorum is the number of servers, this one included, that make a majority.
func (n *node) quorum() int { return protocols.Quorum(len(n.peers) + 1) }

// applyCommitted applies entries up to the commit index, in order, to the
// state machine (Figure 2: "If commitIndex > lastApplied ... apply"). A
// leader answers the clients whose requests it appended in its own term;
// a retried request applied twice in the log executes once and is answered
// from the dedup table.
func (n *node) applyCommitted() {
	for n.applied < n.commit {
		n.applied++
		e := n.log.entry(n.applied)
		result, outcome := "", kv.Executed
		if !e.IsNoop() {
			result, outcome = n.sm.Apply(e.Req)
		}
		n.out.Note(Applied{Index: n.applied, Term: e.Term, Req: e.Req, Outcome: outcome})
		if n.role == leader && e.Term == n.term && !e.IsNoop() && outcome != kv.Stale {
			n.out.Send(e.Req.Client, kv.Reply{Seq: e.Req.Seq, Status: kv.OK, Value: result})
		}
	}
}

// Status implements protocols.Node.
func (n *node) Status() protocols.Status {
	const tail = 10
	last := n.log.lastIndex()
	from := max(1, last-tail+1)
	log := make([]protocols.LogEntry, 0, last-from+1)
	for i := from; i <= last; i++ {
		e := n.log.entry(i)
		log = append(log, protocols.LogEntry{Index: i, Term: e.Term, Text: e.text()})
	}
	vote, lead := string(n.vote), string(n.leader)
	if vote == "" {
		vote = "-"
	}
	if lead == "" {
		lead = "-"
	}
	return protocols.Status{
		Role:   n.role.String(),
		Leader: n.role == leader,
		Term:   n.term,
		Commit: n.commit,
		LogLen: last,
		Log:    log,
		Fields: []protocols.Field{
			{Name: "vote", Value: vote},
			{Name: "leader", Value: lead},
			{Name: "applied", Value: strconv.Itoa(n.applied)},
		},
	}
}

// sortedDesc sorts a few match indexes in decreasing order without
// allocating (insertion sort: clusters have a handful of servers).
func sortedDesc(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] > a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
