package synod

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// phase is where a proposer stands.
type phase uint8

const (
	idle      phase = iota // waiting for its first round
	preparing              // phase 1: collecting promises
	proposing              // phase 2: collecting acceptances
	waiting                // backing off after a failed round
	done                   // it knows the chosen value
)

func (p phase) String() string {
	switch p {
	case idle:
		return "proposer"
	case preparing:
		return "preparing"
	case proposing:
		return "proposing"
	case waiting:
		return "backoff"
	}
	return "done"
}

// The node's timers.
const (
	timerPropose = "propose" // a proposer's next round is due
	timerRound   = "round"   // the current round has had long enough
	timerAsk     = "ask"     // a learner that has not learned asks around
)

// New returns a factory for single-decree Paxos nodes on the given servers.
// Each node plays the roles opts gives it. New panics if opts is invalid;
// call Validate first.
func New(servers []protocols.NodeID, opts Options) protocols.Factory {
	if err := opts.Validate(servers); err != nil {
		panic(err)
	}
	opts = opts.withDefaults(servers)
	b, _ := parseBug(opts.Bug)
	q1, q2 := opts.Quorums.Sizes(len(opts.Acceptors))
	all := protocols.SortIDs(slices.Clone(servers))
	return func(cfg protocols.Config) protocols.Node {
		n := &node{
			id:        cfg.ID,
			num:       Number(all, cfg.ID),
			opts:      opts,
			bugs:      b,
			rand:      cfg.Rand,
			servers:   all,
			acceptors: opts.Acceptors,
			learners:  opts.Learners,
			q1:        q1,
			q2:        q2,
			proposer:  slices.Contains(opts.Proposers, cfg.ID),
			acceptor:  slices.Contains(opts.Acceptors, cfg.ID),
			learner:   slices.Contains(opts.Learners, cfg.ID),
			value:     ValueOf(cfg.ID),
		}
		n.recoverState(cfg.Store)
		n.restarted = len(cfg.Store) > 0
		return n
	}
}

// node is one server: a proposer, an acceptor and a learner, or any of
// them.
type node struct {
	id        protocols.NodeID
	num       int // its proposer number: ballots it owns end in it
	opts      Options
	bugs      bugs
	rand      *rand.Rand
	out       *protocols.Effects // set during Step only
	servers   []protocols.NodeID
	acceptors []protocols.NodeID
	learners  []protocols.NodeID
	q1, q2    int
	restarted bool

	proposer, acceptor, learner bool

	// Proposer state. Only round is durable.
	value     string // its own value
	round     uint64 // the highest round it has used
	seen      uint64 // the highest round a rejection told it about
	phase     phase
	ballot    Ballot
	promises  Set // acceptors that promised ballot, by position in acceptors
	best      Ballot
	bestValue string // the highest-ballot acceptance among the promises
	proposal  string
	acks      Set // acceptors that accepted the proposal
	failures  int // failed rounds in a row

	// Acceptor state, all durable.
	promised      Ballot
	accepted      Ballot
	acceptedValue string

	// What the node knows of the outcome; durable on learners.
	known      bool
	knownValue string
	votes      []tally[string] // acceptances a learner heard, by ballot
	asked      bool            // the ask timer has fired
}

// Step implements protocols.Node.
func (n *node) Step(in protocols.Input, out *protocols.Effects) {
	n.out = out
	switch in.Kind {
	case protocols.Start:
		n.start(in.Now)
	case protocols.Timer:
		switch in.Timer {
		case timerPropose:
			n.startRound()
		case timerRound:
			n.roundTimeout()
		case timerAsk:
			n.ask()
		}
	case protocols.Receive:
		n.receive(in.From, in.Msg)
	}
	n.out = nil
}

// start begins an incarnation. A learner that has not learned starts
// asking around; a proposer that does not know the outcome schedules its
// round at a time drawn from [StartDelay, StartDelay+StartSpread], or soon
// if that time has passed (it restarted in the middle of things).
func (n *node) start(now clock.Time) {
	if n.restarted {
		n.out.Probe(ProbeRestartRecover)
	}
	if n.learner && !n.known {
		n.out.SetTimer(timerAsk, n.opts.AskEvery)
	}
	if !n.proposer {
		return
	}
	if n.known {
		n.phase = done
		return
	}
	at := clock.Time(n.opts.StartDelay + n.draw(n.opts.StartSpread))
	d := clock.Duration(at - now)
	if d < 0 {
		d = n.draw(n.opts.Backoff)
	}
	n.out.SetTimer(timerPropose, d)
}

// receive dispatches a message. A node handles each message in every role
// it plays.
func (n *node) receive(from protocols.NodeID, msg protocols.Message) {
	switch m := msg.(type) {
	case Prepare:
		n.handlePrepare(from, m)
	case Accept:
		n.handleAccept(from, m)
	case Promise:
		n.handlePromise(from, m)
	case Accepted:
		n.handleAccepted(from, m)
		n.count(from, m)
	case Nack:
		n.handleNack(m)
	case Chosen:
		n.handleChosen(m)
	case Ask:
		n.handleAsk(from)
	}
}

// send sends m to one node; a message to itself is handled at once, in this
// step, without crossing the network (a proposer that is also an acceptor
// counts its own promise).
func (n *node) send(to protocols.NodeID, m protocols.Message) {
	if to == n.id {
		n.receive(n.id, m)
		return
	}
	n.out.Send(to, m)
}

// broadcast sends m to each of to, the others first, then itself.
func (n *node) broadcast(to []protocols.NodeID, m protocols.Message) {
	self := false
	for _, id := range to {
		if id == n.id {
			self = true
			continue
		}
		n.out.Send(id, m)
	}
	if self {
		n.receive(n.id, m)
	}
}

// draw returns a random duration in [0, d], in whole milliseconds so traces
// stay readable.
func (n *node) draw(d clock.Duration) clock.Duration {
	ms := clock.Millisecond
	if d < ms {
		return 0
	}
	return clock.Duration(n.rand.Int64N(int64(d/ms)+1)) * ms
}

// learn records the chosen value, once. A learner persists it; a proposer
// that learns it stops proposing.
func (n *node) learn(v string) {
	if n.known {
		return
	}
	n.known, n.knownValue = true, v
	n.out.Note(Learned{Value: v})
	if n.learner {
		n.out.Persist(LearnedRecord{Value: v})
		n.out.CancelTimer(timerAsk)
	}
	if n.proposer && n.phase != done {
		n.phase = done
		n.out.CancelTimer(timerRound)
		n.out.CancelTimer(timerPropose)
	}
}

// Status implements protocols.Node.
func (n *node) Status() protocols.Status {
	st := protocols.Status{Role: "learner"}
	switch {
	case n.proposer:
		st.Role = n.phase.String()
	case n.acceptor:
		st.Role = "acceptor"
	}
	if n.acceptor {
		st.Term = uint64(n.promised)
	}
	if n.proposer && (n.phase == preparing || n.phase == proposing || n.phase == waiting) {
		st.Term = uint64(n.ballot)
	}
	learned := "-"
	if n.known {
		st.Commit = 1
		learned = n.knownValue
	}
	var roles []string
	if n.proposer {
		roles = append(roles, "proposer")
		switch n.phase {
		case preparing:
			st.Fields = append(st.Fields,
				protocols.Field{Name: "ballot", Value: n.ballot.String()},
				protocols.Field{Name: "promises", Value: strconv.Itoa(n.promises.Len()) + "/" + strconv.Itoa(n.q1)})
		case proposing:
			st.Fields = append(st.Fields,
				protocols.Field{Name: "ballot", Value: n.ballot.String()},
				protocols.Field{Name: "proposing", Value: n.proposal},
				protocols.Field{Name: "accepts", Value: strconv.Itoa(n.acks.Len()) + "/" + strconv.Itoa(n.q2)})
		case idle, waiting:
			st.Fields = append(st.Fields, protocols.Field{Name: "own-value", Value: n.value})
		}
	}
	if n.acceptor {
		roles = append(roles, "acceptor")
		acc := n.accepted.String()
		if n.accepted != 0 {
			acc += ":" + n.acceptedValue
		}
		st.Fields = append(st.Fields,
			protocols.Field{Name: "promised", Value: n.promised.String()},
			protocols.Field{Name: "accepted", Value: acc})
	}
	if n.learner {
		roles = append(roles, "learner")
	}
	st.Fields = append(st.Fields,
		protocols.Field{Name: "learned", Value: learned},
		protocols.Field{Name: "roles", Value: strings.Join(roles, "+")})
	return st
}
