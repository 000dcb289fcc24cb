package kv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// ClientOptions configures the generic client. The zero value is a sensible
// workload: three keys, an even mix of get, put and append, a 100ms request
// timeout, no think time and no op limit, talking Request/Reply to one
// server at a time.
type ClientOptions struct {
	// Keys is the number of keys, named k1..kN. Zero means 3: a small key
	// set makes operations contend, which is what a linearizability check
	// needs to be worth anything.
	Keys int
	// Mix weighs the kinds of operations; the zero Mix means 1:1:1.
	Mix Mix
	// Timeout is how long a request may go unanswered before the client
	// retries it at another server. Zero means 100ms: a few times a commit's
	// usual four network hops, plus a heartbeat interval for a lost
	// AppendEntries to be repaired. A retry is cheap (servers deduplicate),
	// a long wait after a lost message is not.
	Timeout clock.Duration
	// Backoff is how long the client waits before retrying after a
	// NotLeader reply that names no usable leader (an election is probably
	// under way). Zero means 50ms.
	Backoff clock.Duration
	// ThinkTime is the pause after a completed operation (and before the
	// first one). Zero means none: a closed loop at full speed.
	ThinkTime clock.Duration
	// MaxOps stops the client after this many completed operations. Zero
	// means no limit.
	MaxOps int
	// Adapter translates messages for protocols whose servers do not take
	// Request and send Reply themselves. Nil means no translation.
	Adapter Adapter
	// Broadcast sends every attempt to every server instead of one.
	Broadcast bool
	// ReplyQuorum is how many OK replies with the same value, from distinct
	// servers, complete an operation (f+1 for PBFT). Zero means 1.
	ReplyQuorum int
	// Target says which server each new operation goes to first. The zero
	// value means TargetLeader.
	Target Target
	// Rate, if set, makes the client open-loop: operations arrive at this
	// rate whatever completes, and wait their turn in the client; Backlog
	// bounds how many wait (zero means 100). Retry, Budget, Deadline and
	// Breaker govern retries under load. Each is off in its zero value.
	// See load.go.
	Rate     Rate
	Backlog  int
	Retry    RetryPolicy
	Budget   RetryBudget
	Deadline Deadline
	Breaker  Breaker
	// GiveUpAfter abandons an operation after this many timed-out attempts
	// and moves on to the next: the abandoned one stays indeterminate (it may
	// still take effect). Zero means never give up. Giving up is what lets a
	// client cut off with a stale server go on to read from it, which is how
	// a linearizability bug shows.
	GiveUpAfter int
	// SplitReads keeps two guesses at where a new operation goes first, one
	// for gets and one for writes, for protocols in which different servers
	// take them (chain replication: writes at the head, reads at the tail,
	// and the tail answers writes). After a get the guess for gets is the
	// server that answered it; after a write the guess for writes is the
	// server the write was last sent to. It applies to TargetLeader only.
	// False means one guess for both: the server that answered last.
	SplitReads bool
	// RetrySame resends a timed-out operation to the same server instead
	// of the next one, and moves on to another server only when it gives
	// up on the operation (GiveUpAfter). It is for leaderless stores with
	// no at-most-once layer across servers (ABD, Dynamo-style quorums):
	// there an operation retried at a second server is executed a second
	// time, and a write executed late overwrites later ones. The server
	// deduplicates retries of its own operations. False: retry at the next
	// server, as leader-based protocols want.
	RetrySame bool
	// Router, if set, routes each operation by its key, for sharded stores
	// whose servers each serve some keys only (see Router); it is called
	// once per client incarnation. Nil: the Target mode routes.
	Router func(self protocols.NodeID, servers []protocols.NodeID) Router
	// StopAt, if set, is the time of the client's local clock from which it
	// issues no new operation (the one outstanding still completes). A
	// protocol that promises only eventual convergence sets it to the
	// run's quiescence (the middle of the healing phase), after which the
	// replicas must settle and every read return the final state. Zero
	// means never stop.
	StopAt clock.Time
}

// Target says which server a client sends a new operation to first.
// Retries after a timeout and redirects after a not-leader reply then move
// on as usual: the mode decides where each operation starts, and so which
// servers get asked at all. Following the leader asks a stale server only
// by accident; the other modes keep asking servers a partition cut off,
// which is how a server answering from stale state gets caught.
type Target string

// The targeting modes.
const (
	TargetLeader Target = "leader" // the server that answered last: the best guess at the leader
	TargetRandom Target = "random" // a server drawn at random for each operation
	TargetKey    Target = "key"    // the server the key is pinned to: every client asks the same server about a key
	TargetSticky Target = "sticky" // a home server drawn once: a session that survives timeouts
	TargetMixed  Target = "mixed"  // clients take leader, random, key and sticky in turn: c1 leader, c2 random, ...
)

var targets = []Target{TargetLeader, TargetRandom, TargetKey, TargetSticky, TargetMixed}

// Mix weighs operation kinds: an op is a get with probability
// Get/(Get+Put+Append), and so on.
type Mix struct{ Get, Put, Append int }

// Adapter lets the generic client drive a protocol whose wire messages
// differ from Request and Reply.
type Adapter interface {
	// WrapRequest returns the message to send for r.
	WrapRequest(r Request) protocols.Message
	// UnwrapReply returns the Reply carried by m, or false when m is not a
	// reply to a client.
	UnwrapReply(m protocols.Message) (Reply, bool)
}

// Router routes a sharded store's operations: each key belongs to a group
// of servers, which the router learns from a directory (a shard
// controller) with messages of its own. The client asks it where to send
// each attempt, tells it when a server answered WrongGroup, and hands it
// every message that is not a reply. A router belongs to one client
// incarnation and is called only from the client's steps.
type Router interface {
	// Route returns the server to send an attempt at key to. prev is the
	// server the previous attempt went to when the client moves on from it
	// (a timeout, a not-leader reply without a hint), "" for a fresh
	// start. "" means no route yet: the client waits its backoff and asks
	// again. Route may send messages (a query to the directory) through out.
	Route(key string, prev protocols.NodeID, out *protocols.Effects) protocols.NodeID
	// WrongGroup tells the router that server does not serve key in its
	// configuration: the router's idea of the owner is stale, or the
	// server's is.
	WrongGroup(key string, server protocols.NodeID)
	// Receive handles a message that is not a reply to the client.
	Receive(from protocols.NodeID, m protocols.Message, out *protocols.Effects)
}

// ProbeWrongGroup is the probe a routed client reports on a WrongGroup
// reply; protocols that route declare it.
const ProbeWrongGroup = "client-wrong-group"

// ErrBadClientOptions is wrapped by ClientOptions.Validate errors.
var ErrBadClientOptions = errors.New("kv: bad client options")

// Validate reports options that cannot work.
func (o ClientOptions) Validate() error {
	switch {
	case o.Keys < 0:
		return fmt.Errorf("%w: Keys %d is negative", ErrBadClientOptions, o.Keys)
	case o.Mix.Get < 0 || o.Mix.Put < 0 || o.Mix.Append < 0:
		return fmt.Errorf("%w: Mix %+v has a negative weight", ErrBadClientOptions, o.Mix)
	case o.Timeout < 0 || o.Backoff < 0 || o.ThinkTime < 0:
		return fmt.Errorf("%w: negative duration", ErrBadClientOptions)
	case o.MaxOps < 0:
		return fmt.Errorf("%w: MaxOps %d is negative", ErrBadClientOptions, o.MaxOps)
	case o.ReplyQuorum < 0:
		return fmt.Errorf("%w: ReplyQuorum %d is negative", ErrBadClientOptions, o.ReplyQuorum)
	case o.StopAt < 0:
		return fmt.Errorf("%w: StopAt %d is negative", ErrBadClientOptions, o.StopAt)
	case o.GiveUpAfter < 0:
		return fmt.Errorf("%w: GiveUpAfter %d is negative", ErrBadClientOptions, o.GiveUpAfter)
	case o.Target != "" && !slices.Contains(targets, o.Target):
		return fmt.Errorf("%w: unknown Target %q", ErrBadClientOptions, o.Target)
	}
	return o.validateLoad()
}

func (o ClientOptions) withDefaults() ClientOptions {
	if o.Keys == 0 {
		o.Keys = 3
	}
	if o.Mix == (Mix{}) {
		o.Mix = Mix{Get: 1, Put: 1, Append: 1}
	}
	if o.Timeout == 0 {
		o.Timeout = 100 * clock.Millisecond
	}
	if o.Backoff == 0 {
		o.Backoff = 50 * clock.Millisecond
	}
	if o.ReplyQuorum == 0 {
		o.ReplyQuorum = 1
	}
	if o.Target == "" {
		o.Target = TargetLeader
	}
	return o
}

// SeqBlock is the client's durable record: sequence numbers up to Upto may
// have been used. A restarted client starts above it, so a server's dedup
// table never mistakes a new operation for an old one. Reserving a block at
// a time keeps the client from writing a record per operation.
type SeqBlock struct{ Upto uint64 }

// String renders the record as SeqBlock{upto=100}.
func (r SeqBlock) String() string { return "SeqBlock{upto=" + strconv.FormatUint(r.Upto, 10) + "}" }

const seqBlockSize = 100

// The client's timers.
const (
	timerTimeout = "timeout" // the outstanding attempt went unanswered
	timerRetry   = "retry"   // the backoff after a NotLeader without a hint ended
	timerThink   = "think"   // time to issue the next operation
)

// NewClient returns a factory for closed-loop KV clients: each keeps one
// operation outstanding, drawn from its own random stream, and retries it
// with the same (client, seq) until some server answers OK. Its Peers are
// the servers. NewClient panics if opts is invalid; call Validate first.
func NewClient(opts ClientOptions) protocols.Factory {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	keys := make([]string, opts.Keys)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i+1)
	}
	return func(cfg protocols.Config) protocols.Node {
		c := &client{id: cfg.ID, servers: cfg.Peers, rand: cfg.Rand, opts: opts, keys: keys, mode: modeOf(opts.Target, cfg.ID)}
		if opts.Router != nil {
			c.router = opts.Router(cfg.ID, cfg.Peers)
		}
		for _, r := range cfg.Store {
			if b, ok := r.(SeqBlock); ok && b.Upto > c.reserved {
				c.reserved = b.Upto
			}
		}
		c.seq = c.reserved
		if opts.loaded() {
			c.load = newLoad(opts)
		}
		return c
	}
}

// client is the generic KV client node.
type client struct {
	id      protocols.NodeID
	servers []protocols.NodeID
	rand    *rand.Rand
	opts    ClientOptions
	keys    []string
	mode    Target             // opts.Target, with mixed resolved for this client
	home    protocols.NodeID   // the sticky mode's home server
	out     *protocols.Effects // set during Step only

	seq      uint64     // the latest sequence number used
	reserved uint64     // sequence numbers up to here are covered by a SeqBlock record
	done     int        // operations completed by this incarnation
	now      clock.Time // the local clock at the input being handled

	busy    bool    // an operation is outstanding
	req     Request // the outstanding operation
	target  protocols.NodeID
	hops    int    // redirects followed without waiting
	tries   int    // attempts of the outstanding operation that timed out
	sends   uint32 // sends of the outstanding operation (Request.Attempt)
	backoff bool   // the retry timer is armed
	acks    []ack  // OK replies so far, when ReplyQuorum > 1

	contexts contexts // the latest causal context per key (siblings.go)
	router   Router   // opts.Router's, for this incarnation; nil without one

	load *load // the load options' state (load.go); nil when none is set

	readAt  protocols.NodeID // SplitReads: where the next get goes first
	writeAt protocols.NodeID // SplitReads: where the next write goes first

	// Where the notes and requests of every operation are boxed (Slab).
	invoked   protocols.Slab[Invoked]
	completed protocols.Slab[Completed]
	requests  protocols.Slab[Request]
	values    textChunk // the values its puts and appends write
}

type ack struct {
	from  protocols.NodeID
	value string
}

// Step implements protocols.Node.
func (c *client) Step(in protocols.Input, out *protocols.Effects) {
	c.out, c.now = out, in.Now
	c.step(in)
	c.out = nil // not deferred: a deferred call cost a client's step a tenth of its instructions
}

func (c *client) step(in protocols.Input) {
	switch in.Kind {
	case protocols.Start:
		if len(c.servers) == 0 {
			return
		}
		c.target = c.servers[c.rand.IntN(len(c.servers))]
		c.home, c.readAt, c.writeAt = c.target, c.target, c.target
		if c.opts.Rate.PerSecond > 0 {
			c.out.SetTimer(timerArrive, c.gap()) // open loop (load.go)
		}
		c.next()
	case protocols.Timer:
		switch in.Timer {
		case timerThink:
			c.issue()
		case timerTimeout:
			if c.busy {
				c.tries++
				if c.opts.GiveUpAfter > 0 && c.tries >= c.opts.GiveUpAfter {
					c.abandon()
					return
				}
				if c.load != nil && c.failed(false) {
					return // load.go: a breaker, a budget, a deadline or a backoff
				}
				// Whatever was lost, the request or the reply, try the next
				// server (or the same one, RetrySame); if the old one still
				// leads, its followers say so.
				c.out.Probe(ProbeTimeout)
				if !c.opts.RetrySame {
					c.target = c.nextServer(c.target)
				}
				c.hops = 0
				c.send()
			}
		case timerRetry:
			c.backoff = false
			if c.busy {
				c.send()
			}
		case timerArrive:
			c.arrive()
		case timerDeadline:
			if c.busy && c.req.Deadline > 0 && c.now >= c.req.Deadline {
				c.giveUp(ProbeDeadline)
			}
		case timerBreaker:
			c.next()
		}
	case protocols.Receive:
		if r := c.unwrap(in.Msg); r != nil {
			c.reply(in.From, r)
		} else if c.router != nil {
			c.router.Receive(in.From, in.Msg, c.out)
		}
	}
}

// next waits the think time, if any, then issues the next operation.
func (c *client) next() {
	if c.load != nil {
		if c.opts.Rate.PerSecond > 0 {
			c.serveNext() // open loop: the next that arrived
			return
		}
		if c.breakerWait() {
			return
		}
	}
	if c.opts.ThinkTime > 0 {
		c.out.SetTimer(timerThink, c.opts.ThinkTime)
		return
	}
	c.issue()
}

func (c *client) issue() {
	if c.busy || (c.opts.MaxOps > 0 && c.done >= c.opts.MaxOps) || (c.opts.StopAt > 0 && c.now >= c.opts.StopAt) {
		return
	}
	c.seq++
	if c.seq > c.reserved {
		c.reserved = c.seq + seqBlockSize - 1
		c.out.Persist(SeqBlock{Upto: c.reserved})
	}
	c.req = Request{Client: c.id, Seq: c.seq, Op: c.draw()}
	if c.req.Op.IsWrite() {
		c.req.Context = c.contexts.get(c.req.Op.Key)
	}
	c.busy, c.hops, c.tries, c.sends, c.acks = true, 0, 0, 0, c.acks[:0]
	switch c.mode {
	case TargetRandom:
		c.target = c.servers[c.rand.IntN(len(c.servers))]
	case TargetKey:
		c.target = c.servers[protocols.Digest([]byte(c.req.Op.Key))%uint64(len(c.servers))]
	case TargetSticky:
		c.target = c.home
	case TargetLeader:
		if c.opts.SplitReads {
			c.target = c.writeAt
			if c.req.Op.Kind == Get {
				c.target = c.readAt
			}
		}
	}
	if c.router != nil {
		c.target = "" // send asks the router
	}
	c.stamp() // load.go: the deadline
	// The Invoked is filled in its slot, not copied in.
	v := c.invoked.Next()
	v.Client, v.Seq, v.Op = c.id, c.seq, c.req.Op
	c.out.Note(c.invoked.NoteOf(v))
	c.send()
}

// draw picks the next operation. Written values are unique per client and
// sequence number (c1.7), so a checker can tell which write a read saw.
func (c *client) draw() Op {
	m := c.opts.Mix
	key := c.keys[c.rand.IntN(len(c.keys))]
	switch r := c.rand.IntN(m.Get + m.Put + m.Append); {
	case r < m.Get:
		return GetOp(key)
	case r < m.Get+m.Put:
		return PutOp(key, c.value())
	default:
		return AppendOp(key, c.value())
	}
}

func (c *client) value() string {
	return c.values.idText(string(c.id), c.seq)
}

// send makes one attempt at the outstanding operation and arms its timeout.
func (c *client) send() {
	if c.router != nil && c.target == "" {
		if c.target = c.router.Route(c.req.Op.Key, "", c.out); c.target == "" {
			// No route yet: the router asked its directory; wait for it.
			c.out.SetTimer(timerRetry, c.opts.Backoff)
			c.backoff = true
			return
		}
	}
	c.sends++
	c.req.Attempt = c.sends
	var m protocols.Message
	if c.opts.Adapter != nil {
		m = c.opts.Adapter.WrapRequest(c.onWire()) // load.go: with or without its deadline
	} else {
		r := c.requests.Next() // filled in place, not copied in
		c.putOnWire(r)
		m = c.requests.MessageOf(r)
	}
	if c.opts.Broadcast {
		c.out.Broadcast(c.servers, m)
	} else {
		c.out.Send(c.target, m)
	}
	c.out.SetTimer(timerTimeout, c.opts.Timeout)
}

// unwrap returns the Reply m carries, or nil when m is not a reply. A
// Reply sent as one is read where the message holds it, not copied out:
// a reply is a hundred bytes, and the client reads every one.
func (c *client) unwrap(m protocols.Message) *Reply {
	if c.opts.Adapter != nil {
		if r, ok := c.opts.Adapter.UnwrapReply(m); ok {
			return &r
		}
		return nil
	}
	switch m.(type) { // not m.(Reply), which copies the reply out to drop it
	case Reply:
		held := protocols.Note(m)
		return protocols.NoteValue[Reply](&held)
	}
	return nil
}

// reply handles r, which the client only reads: it may be the message's
// own value.
func (c *client) reply(from protocols.NodeID, r *Reply) {
	if !c.busy || r.Seq != c.req.Seq {
		return // a late answer to an operation already completed
	}
	switch r.Status {
	case OK:
		value := r.Value
		if len(r.Siblings) > 1 {
			value = EncodeSiblings(r.Siblings)
		}
		if c.opts.ReplyQuorum > 1 && !c.quorum(from, value) {
			return
		}
		if r.Context != "" {
			c.contexts.set(c.req.Op.Key, r.Context)
		}
		c.complete(from, value)
	case NotLeader:
		if c.opts.Broadcast || from != c.target {
			return // another server may still answer; the timeout covers it
		}
		if r.Attempt != 0 && r.Attempt != c.sends {
			return // about an earlier send: the server may be running a later one
		}
		if h := r.LeaderHint; h != "" && h != from && c.hops < len(c.servers) && slices.Contains(c.servers, h) {
			c.out.Probe(ProbeRedirect)
			c.hops++
			c.target = h
			c.send()
			return
		}
		// Nobody knows a leader: give the election time instead of
		// circling the servers at network speed.
		c.out.Probe(ProbeBackoff)
		c.hops = 0
		c.target = c.nextServer(from)
		c.out.CancelTimer(timerTimeout)
		c.out.SetTimer(timerRetry, c.opts.Backoff)
		c.backoff = true
	case WrongGroup:
		if c.router == nil || from != c.target || (r.Attempt != 0 && r.Attempt != c.sends) {
			return
		}
		// The server does not serve the key in its configuration: ask the
		// router again after the backoff, once it has heard from its
		// directory.
		c.out.Probe(ProbeWrongGroup)
		c.router.WrongGroup(c.req.Op.Key, from)
		c.hops, c.target = 0, ""
		c.out.CancelTimer(timerTimeout)
		c.out.SetTimer(timerRetry, c.opts.Backoff)
		c.backoff = true
	case Overloaded:
		if c.opts.Broadcast || from != c.target || (r.Attempt != 0 && r.Attempt != c.sends) {
			return // another server may answer, or a refusal of an earlier send
		}
		c.out.Probe(ProbeOverloaded)
		c.tries++
		if c.opts.GiveUpAfter > 0 && c.tries >= c.opts.GiveUpAfter {
			c.abandon()
			return
		}
		if c.load == nil || !c.failed(true) {
			c.hops = 0
			c.send() // the server is up, only busy: again, at once
		}
	}
}

// quorum records an OK reply and reports whether ReplyQuorum distinct
// servers now agree on value.
func (c *client) quorum(from protocols.NodeID, value string) bool {
	n := 1
	for _, a := range c.acks {
		if a.from == from {
			return false // a duplicate reply counts once
		}
		if a.value == value {
			n++
		}
	}
	c.acks = append(c.acks, ack{from: from, value: value})
	return n >= c.opts.ReplyQuorum
}

func (c *client) complete(from protocols.NodeID, value string) {
	c.busy = false
	c.done++
	if c.load != nil {
		c.succeeded()
	}
	c.out.CancelTimer(timerTimeout)
	if c.backoff {
		c.out.CancelTimer(timerRetry)
		c.backoff = false
	}
	output := ""
	if c.req.Op.Kind == Get {
		output = value
	}
	v := c.completed.Next() // filled in place, not copied in
	v.Client, v.Seq, v.Op, v.Output, v.Server = c.id, c.req.Seq, c.req.Op, output, from
	c.out.Note(c.completed.NoteOf(v))
	c.split(from, c.target)
	// The server that answered is the best guess at the leader.
	c.target, c.hops = from, 0
	c.next()
}

// abandon gives up on the outstanding operation without learning its
// outcome, and moves on to the next one (at another server).
func (c *client) abandon() {
	c.busy = false
	if c.backoff {
		c.out.CancelTimer(timerRetry)
		c.backoff = false
	}
	c.out.Probe(ProbeGiveUp)
	c.out.Note(Abandoned{Client: c.id, Seq: c.req.Seq, Op: c.req.Op})
	c.target, c.hops = c.nextServer(c.target), 0
	c.split(c.target, c.target)
	c.next()
}

// split updates the SplitReads guesses after the outstanding operation
// ended: a get's guess becomes read, a write's becomes write.
func (c *client) split(read, write protocols.NodeID) {
	if !c.opts.SplitReads {
		return
	}
	if c.req.Op.Kind == Get {
		c.readAt = read
	} else {
		c.writeAt = write
	}
}

// modeOf resolves the mixed mode for one client: clients take the other
// modes in turn by the number in their ID (c1 leader, c2 random, ...).
func modeOf(t Target, id protocols.NodeID) Target {
	if t != TargetMixed {
		return t
	}
	s := string(id)
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil {
		n = int(protocols.Digest([]byte(s)) % 4)
	}
	return targets[(n+3)%4] // n=1 -> targets[0]
}

// nextServer returns the server to try after id for the outstanding operation:
// the router's choice when there is one, else the next in round-robin order.
func (c *client) nextServer(id protocols.NodeID) protocols.NodeID {
	if c.router != nil {
		return c.router.Route(c.req.Op.Key, id, c.out)
	}
	return c.after(id)
}

// after returns the server after id in round-robin order.
func (c *client) after(id protocols.NodeID) protocols.NodeID {
	i := slices.Index(c.servers, id)
	return c.servers[(i+1)%len(c.servers)]
}

// Role implements protocols.RoleReporter.
func (c *client) Role() string { return "client" }

// Status implements protocols.Node.
func (c *client) Status() protocols.Status {
	outstanding := "-"
	if c.busy {
		var b strings.Builder
		c.req.appendID(&b)
		b.WriteByte(' ')
		c.req.Op.appendTo(&b)
		outstanding = b.String()
	}
	return c.loadStatus(protocols.Status{
		Role:   "client",
		Commit: c.done,
		Fields: []protocols.Field{
			{Name: "done", Value: strconv.Itoa(c.done)},
			{Name: "outstanding", Value: outstanding},
			{Name: "target", Value: string(c.target)},
		},
	})
}
