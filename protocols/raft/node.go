package raft

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// role is a server's place in Figure 4's state diagram, with the thesis'
// pre-candidate (§9.6) before the candidate.
type role uint8

const (
	follower role = iota
	candidate
	leader
	preCandidate
)

func (r role) String() string {
	switch r {
	case follower:
		return "follower"
	case candidate:
		return "candidate"
	case preCandidate:
		return "pre-candidate"
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
	leaseTimers := leaseTimerNames(opts)
	return func(cfg protocols.Config) protocols.Node {
		initial := initialConfig(append([]protocols.NodeID{cfg.ID}, cfg.Peers...), opts.Members)
		n := &node{
			id:          cfg.ID,
			peers:       cfg.Peers,
			opts:        opts,
			timeoutMS:   timeoutMS(opts),
			bugs:        b,
			rand:        cfg.Rand,
			initial:     initial,
			log:         newLog(initial),
			sm:          kv.NewMachine(),
			prs:         make([]progress, len(cfg.Peers)),
			voter:       make([]bool, len(cfg.Peers)),
			target:      make([]bool, len(cfg.Peers)),
			leaseTimers: leaseTimers,
		}
		if opts.snapshots() {
			// Each server compacts at its own pace, drawn from its own stream.
			n.snapEvery = opts.SnapshotMin + n.rand.IntN(opts.SnapshotMax-opts.SnapshotMin+1)
		}
		n.recoverState(cfg.Store)
		n.hardState = HardState{Term: n.term, Vote: n.vote}
		n.confGen = ^n.log.confGen // force the first refresh
		n.refreshConfig()
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
	now   clock.Time         // the local clock at the input being handled (for a service)

	initial Config // the configuration the cluster was started with (Options.Members)

	// Persistent state (Figure 2), rebuilt from the store on restart. Only
	// setHardState writes term and vote (recoverState aside), and it marks
	// hardStateSet, so that Step compares them with hardState only after
	// a step that set them (TestOnlySetHardStateWritesTermAndVote).
	term         uint64
	vote         protocols.NodeID
	log          raftLog
	hardState    HardState // the last HardState persisted or recovered
	hardStateSet bool      // setHardState ran in this step
	snap         Snapshot  // the latest snapshot (Figure 13): its Index is log.base; zero when none

	// Volatile state.
	role       role
	leader     protocols.NodeID // the leader of the current term, when known
	lastLeader protocols.NodeID // the last leader seen in any term, for the leader-change probe
	commit     int
	applied    int
	sm         *kv.Machine
	svc        Service // replaces sm when set (NewService)

	// contact says the server heard from a leader of its term (or started)
	// less than an election timeout ago, by its own clock: it then refuses
	// pre-votes, and with CheckQuorum ignores requests for votes in a later
	// term (thesis §6.2, §9.6). The election timer measures it: armed at
	// the contact for the shortest election timeout, it then runs on for
	// electionRest, the rest of the drawn timeout. Tracked only with
	// PreVote or CheckQuorum.
	contact      bool
	electionRest clock.Duration
	idle         bool              // not a voter in its configuration: its election timer is off
	timeoutMS    [2]clock.Duration // drawTimeout's range, from the options

	// The configuration, as the latest one in the log makes it.
	confGen      uint64   // the log's configuration generation these reflect
	selfSuffrage Suffrage // this server's part in it
	voter        []bool   // by peer position: votes
	target       []bool   // by peer position: the leader replicates to it
	nVoters      int      // voters, this server included if it is one
	pendingConf  bool     // the latest configuration change is not yet committed
	voterBefore  bool     // this server votes in the configuration before that uncommitted change
	staging      bool     // the configuration has staging servers to promote

	// Snapshots.
	snapEvery int          // applied entries past the snapshot before the next one; 0: never
	recv      snapshotRecv // a snapshot arriving in chunks

	// Candidate and pre-candidate state: who granted a vote in this election.
	granted []bool // by peer position
	votes   int

	// Leader state: replication progress per peer, by peer position.
	prs         []progress
	matchBuf    []int // scratch for computing the quorum match
	lead        leaderState
	leaseTimers []string // the names of the lease window timers (ReadLease)

	// Where the hottest messages, records and notes are allocated
	// (protocols.Slab): AppendEntries, its reply and LogRecord go out as pointers
	// into a slab; Applied notes and client replies are boxed into one.
	replies   protocols.Slab[AppendEntriesReply]
	records   protocols.Slab[LogRecord]
	appends   protocols.Slab[AppendEntries]
	lastReply *AppendEntriesReply // the last AppendEntriesReply sent
	lastLog   *LogRecord          // the last LogRecord persisted by persistLog
	applieds  protocols.Slab[Applied]
	kvReplies protocols.Slab[kv.Reply]
}

// progress is what a leader knows of one follower's log (Figure 2's
// nextIndex and matchIndex). next is optimistic: after sending entries up
// to i the leader assumes they arrive and sends the following ones without
// waiting, and falls back when the follower rejects.
type progress struct {
	next  int // the next index to send
	match int // the highest index known to match the leader's log

	snap       Snapshot // the snapshot being sent, when next is compacted: kept until sent, though newer ones are taken
	snapOffset int      // how much of it the follower holds
	round      uint64   // the last heartbeat round it acknowledged
	active     bool     // it answered since the last check-quorum tick
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
		default:
			if n.svc != nil && strings.HasPrefix(in.Timer, ServiceTimerPrefix) {
				n.svc.Timer(in.Timer)
				break
			}
			n.leaseTimer(in.Timer)
		}
	case protocols.Receive:
		n.receive(in.From, in.Msg)
	case protocols.Admin:
		if a, ok := n.svc.(AdminService); ok && a.Admin(in.Command) {
			break
		}
		n.admin(in.Command)
	}
	if n.hardStateSet {
		n.hardStateSet = false
		if n.hardStateChanged() {
			n.persistHardState()
		}
	}
	n.out = nil
}

// start begins an incarnation: always as a follower (§5.2), with the durable
// state the factory recovered. A snapshot restores the state machine as of
// its index; past it the machine is rebuilt as the commit index is learned
// again. A start counts as hearing from a leader: the server may have
// acknowledged a leader's heartbeat just before it crashed, and a leader
// serving reads under a lease counts on it not voting for another for an
// election timeout.
func (n *node) start() {
	if n.term > 0 || n.log.lastIndex() > 0 {
		n.out.Probe(ProbeRestartRecovered)
	}
	if n.svc != nil {
		n.svc.Start()
	}
	if n.snap.Index > 0 {
		n.out.Note(Restored{Index: n.snap.Index, Term: n.snap.Term})
	}
	if !n.promotable() {
		n.idle = true // a spare or a learner never campaigns
		return
	}
	n.heardFromLeader()
}

// receive dispatches a message, after the rule every server follows first
// (Figure 2, "Rules for Servers"): a message from a later term means this
// server is out of date, and whatever its role it becomes a follower in
// that term. The exceptions: pre-votes and granted pre-vote replies carry a
// term nobody has reached yet; with CheckQuorum a request for votes that
// comes within an election timeout of hearing from a leader is ignored
// outright, neither adopting its term nor answering (thesis §6.2); and so
// is one from a server outside the configuration.
func (n *node) receive(from protocols.NodeID, msg protocols.Message) {
	// AppendEntries and its reply, nearly every message a server gets, are
	// told apart first. Servers send them as pointers (protocols.Slab); the value
	// forms, which a test or another package may build, mean the same.
	switch m := msg.(type) {
	case *AppendEntries:
		if m.Term > n.term {
			n.laterTerm(from, m.Term, msg)
		}
		n.handleAppendEntries(from, m)
		return
	case *AppendEntriesReply:
		if m.Term > n.term {
			n.laterTerm(from, m.Term, msg)
		}
		n.handleAppendReply(from, m)
		return
	case AppendEntries:
		n.receive(from, &m)
		return
	case AppendEntriesReply:
		n.receive(from, &m)
		return
	}
	if rv, ok := msg.(RequestVote); ok && rv.Term > n.term {
		switch {
		case n.log.config().Suffrage(from) == 0 && (n.inLease() || !n.opts.tracksContact()):
			// A server outside the configuration (removed, perhaps without
			// knowing it) must not disrupt the cluster by raising terms, as
			// hashicorp raft refuses votes to non-members (thesis §4.2.3).
			// Where contact is tracked, only while this server is in
			// contact with a leader: its own configuration may be stale,
			// and refusing a member of a newer one when there is no
			// leader deadlocked elections for good (design.md,
			// "Membership changes"). With CheckQuorum the lease rule
			// below ignores the request too; this one goes first, as the
			// narrower reason, so that a sweep sees both happen.
			n.out.Probe(ProbeVoteIgnoredNonMember)
			return
		case n.opts.CheckQuorum && n.inLease():
			n.out.Probe(ProbeVoteIgnoredInLease)
			return
		}
	}
	if t := termOf(msg); t > n.term {
		n.laterTerm(from, t, msg)
	}
	switch m := msg.(type) {
	case RequestVote:
		n.handleRequestVote(from, m)
	case RequestVoteReply:
		n.handleVoteReply(from, m)
	case PreVote:
		n.handlePreVote(from, m)
	case PreVoteReply:
		n.handlePreVoteReply(from, m)
	case InstallSnapshot:
		n.handleInstallSnapshot(from, m)
	case InstallSnapshotReply:
		n.handleSnapshotReply(from, m)
	case kv.Request:
		if n.svc != nil {
			n.svc.Receive(from, m)
			break
		}
		n.handleClientRequest(from, &m)
	default:
		if n.svc != nil {
			n.svc.Receive(from, m)
		}
	}
}

// laterTerm is the first rule for a message from term t, later than this
// server's: it becomes a follower in t, of the sender when msg is one only
// a leader sends.
func (n *node) laterTerm(from protocols.NodeID, t uint64, msg protocols.Message) {
	switch {
	case n.role == leader && n.bugs.ignoreHigherTerm && isReply(msg):
		// BUG ignore-higher-term: take the term, keep leading.
		n.setHardState(t, "")
	case isAppend(msg):
		n.becomeFollower(t, from)
	default:
		n.becomeFollower(t, "")
	}
}

// inLease reports whether this server heard from a leader (or is one, or
// started) within an election timeout: it must not help elect another.
func (n *node) inLease() bool { return n.role == leader || n.contact }

func termOf(msg protocols.Message) uint64 {
	switch m := msg.(type) {
	case RequestVote:
		return m.Term
	case RequestVoteReply:
		return m.Term
	case *AppendEntries:
		return m.Term
	case *AppendEntriesReply:
		return m.Term
	case PreVoteReply:
		if !m.Granted {
			return m.Term // a refusal from a later term: we are behind
		}
	case InstallSnapshot:
		return m.Term
	case InstallSnapshotReply:
		return m.Term
	}
	return 0
}

func isReply(msg protocols.Message) bool {
	switch msg.(type) {
	case RequestVoteReply, *AppendEntriesReply, InstallSnapshotReply, PreVoteReply:
		return true
	}
	return false
}

func isAppend(msg protocols.Message) bool {
	switch msg.(type) {
	case *AppendEntries, InstallSnapshot:
		return true
	}
	return false
}

// becomeFollower moves to term (if later than the current one, forgetting
// the vote) as a follower of lead ("" when unknown). A leader stepping
// down arms the election timer it did not have; a follower or candidate
// keeps its running timer, because only a valid AppendEntries or a granted
// vote resets it (Figure 2).
func (n *node) becomeFollower(term uint64, lead protocols.NodeID) {
	if term > n.term {
		n.setHardState(term, "")
	}
	if n.role == leader {
		n.out.Probe(ProbeStepDown)
		n.out.CancelTimer(timerHeartbeat)
		n.endLeadership()
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

// drawTimeout draws an election timeout in whole milliseconds, so traces
// stay readable; ties between servers are broken by the driver's event
// order.
func (n *node) drawTimeout() clock.Duration {
	lo, hi := n.timeoutMS[0], n.timeoutMS[1]
	d := n.opts.ElectionTimeoutMin
	if hi > lo {
		d = (lo + clock.Duration(n.rand.Int64N(int64(hi-lo+1)))) * clock.Millisecond
	}
	return d
}

// timeoutMS is the range of election timeouts drawTimeout draws from, in
// whole milliseconds.
func timeoutMS(o Options) [2]clock.Duration {
	ms := clock.Millisecond
	return [2]clock.Duration{(o.ElectionTimeoutMin + ms - 1) / ms, o.ElectionTimeoutMax / ms}
}

// armElection (re)arms the election timer with a fresh random timeout. A
// server that arms it for any reason but a leader's message is out of
// contact with a leader.
func (n *node) armElection() {
	n.contact, n.electionRest, n.idle = false, 0, false
	n.out.SetTimer(timerElection, n.drawTimeout())
}

// heardFromLeader re-arms the election timer on a valid message from the
// leader of the current term (Figure 2), or on starting. When contact is
// tracked the drawn timeout runs in two phases: the shortest election
// timeout, during which the server is in contact, then the rest.
//
// It runs at every AppendEntries a follower takes, so it does armElection's
// work itself rather than call it: the timeout is drawn first either way.
func (n *node) heardFromLeader() {
	d := n.drawTimeout()
	if !n.opts.tracksContact() {
		n.contact, n.electionRest, n.idle = false, 0, false // armElection
		n.out.SetTimer(timerElection, d)
		return
	}
	n.contact, n.electionRest, n.idle = true, d-n.opts.ElectionTimeoutMin, false
	n.out.SetTimer(timerElection, n.opts.ElectionTimeoutMin)
}

// peerIndex returns the position of id among the peers, or -1. The name is
// nearly always the very string the world handed out, as the peers are.
func (n *node) peerIndex(id protocols.NodeID) int {
	return protocols.IndexOfString(n.peers, id)
}

// quorum is the number of voters, this server included if it votes, that
// make a majority of the configuration.
func (n *node) quorum() int { return protocols.Quorum(n.nVoters) }

// committedInTerm reports whether this leader has committed an entry of its
// own term: only then does its commit index cover everything committed
// before it (§8), so that it may serve reads at it, and may change the
// configuration (Ongaro's 2015 fix to single-server changes).
func (n *node) committedInTerm() bool {
	t, _ := n.log.term(n.commit)
	return t == n.term
}

// sendReply answers a client, with a Reply built in a slot of the
// server's slab of them (a Reply is over a hundred bytes).
func (n *node) sendReply(to protocols.NodeID, seq uint64, st kv.Status, value string, hint protocols.NodeID) {
	r := n.kvReplies.Next()
	r.Seq, r.Status, r.Value, r.LeaderHint = seq, st, value, hint
	n.out.Send(to, n.kvReplies.MessageOf(r))
}

// applyCommitted applies entries up to the commit index, in order, to the
// state machine (Figure 2: "If commitIndex > lastApplied ... apply"). A
// leader answers the clients whose requests it appended in its own term;
// a retried request applied twice in the log executes once and is answered
// from the dedup table. Reads waiting for the applied index are answered,
// and a server whose log grew past its threshold snapshots.
func (n *node) applyCommitted() {
	for n.applied < n.commit {
		n.applied++
		e := n.log.entryAt(n.applied)
		result, outcome := "", kv.Executed
		if n.svc != nil {
			req := kv.Request{}
			if e.Conf == nil && !e.IsNoop() {
				req, outcome = n.svc.Apply(n.applied, *e)
			}
			n.out.Note(n.applieds.Note(Applied{Index: n.applied, Term: e.Term, Req: req, Outcome: outcome}))
			continue
		}
		if e.Req.Client != "" {
			result, outcome = n.sm.ApplyAt(&e.Req)
		}
		a := n.applieds.Next() // filled in place: an Applied is 128 bytes
		a.Index, a.Term, a.Req, a.Outcome = n.applied, e.Term, e.Req, outcome
		n.out.Note(n.applieds.NoteOf(a))
		if n.role == leader && e.Term == n.term && e.Req.Client != "" && outcome != kv.Stale {
			n.sendReply(e.Req.Client, e.Req.Seq, kv.OK, result, "")
		}
	}
	if n.role == leader && len(n.lead.reads) > 0 {
		n.serveReads()
	}
	if n.snapEvery > 0 && n.applied-n.log.base >= n.snapEvery {
		n.takeSnapshot()
	}
}

// Status implements protocols.Node.
func (n *node) Status() protocols.Status {
	const tail = 10
	last := n.log.lastIndex()
	from := max(n.log.base+1, last-tail+1)
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
	st := protocols.Status{
		Role:   n.Role(),
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
	if n.snap.Index > 0 {
		st.Fields = append(st.Fields, protocols.Field{Name: "snapshot", Value: strconv.Itoa(n.snap.Index) + "/" + strconv.FormatUint(n.snap.Term, 10)})
	}
	if n.svc != nil {
		st.Fields = append(st.Fields, n.svc.Fields()...)
	}
	// With every server a member from the start (Members 0), n.initial is
	// that configuration: no need to build it again.
	if c := n.log.config(); n.opts.Members > 0 || !c.Equal(n.initial) {
		st.Fields = append(st.Fields, protocols.Field{Name: "config", Value: c.String()})
	}
	return st
}

// Leads implements protocols.LeaderReporter: what Status shows as Leader
// and Term.
func (n *node) Leads() (leads bool, term uint64) { return n.role == leader, n.term }

// Role implements protocols.RoleReporter: the role the status shows. A
// follower that does not vote is a learner, or a spare when it is not in
// its configuration at all.
func (n *node) Role() string {
	if n.role == follower {
		switch n.selfSuffrage {
		case Learner, Staging:
			return "learner"
		case 0:
			return "spare"
		}
	}
	return n.role.String()
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
