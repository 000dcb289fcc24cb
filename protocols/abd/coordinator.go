package abd

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The coordinator side: a server runs each client request it receives as
// an ABD operation of two phases, each needing a majority.
//
//	get:    query a majority -> (v, t) with the highest tag
//	        -> store (v, t) at a majority (write-back) -> reply v
//	put:    query a majority -> highest tag (s, w)
//	        -> store (value, (s+1, this write's ID)) at a majority -> reply
//	append: as put, with the queried value plus the suffix (not atomic)
//
// The coordinator counts itself as a server: it answers its own query and
// store in the same step, without a message.

// op is one client operation in flight at its coordinator.
type op struct {
	client  protocols.NodeID
	seq     uint64
	kv      kv.Op
	phase   uint8  // 1 query, 2 store
	attempt uint32 // the client's send that started it (kv Request.Attempt)
	id      uint64 // the current phase's ID
	ticks   int    // resend ticks since the operation began
	// Phase 1: the servers that answered, and the highest tag and its value.
	answered []protocols.NodeID
	best     Tag
	bestVal  string
	atBest   int // how many answers carried exactly best
	// Phase 2: the tag and value being stored; answered counts the acks.
	tag   Tag
	value string
}

// request starts a client's operation, or answers a retry of one this
// server took on. Executing an operation twice could apply a put after
// later writes, so a retry is run again only when every earlier attempt is
// certainly dead:
//
//   - a newer operation of the client: take it on;
//   - an older one, or the latest while it is in flight: ignore it;
//   - the latest, decided: send the answer again (it was lost);
//   - the latest, past its query phase (a Storing record) but forgotten in
//     a crash: finish its store phase again, with the same tag and value
//     (idempotent);
//   - the latest, given up in its query phase or forgotten in a crash
//     before storing anything: a fresh retry (a higher Attempt than any
//     copy this server saw) runs it again, since the client leaves a
//     server only when told to (kv NotLeader, after an abort) and so no
//     other attempt is alive; a late copy of an earlier send is refused.
//
// Clients retry at the same server (kv.ClientOptions.RetrySame), so a lost
// request or reply costs a retry, not an abandoned operation.
func (n *node) request(r kv.Request) {
	last := n.served[r.Client]
	switch {
	case r.Seq < last:
		n.out.Probe(ProbeDuplicateReq)
		return
	case r.Seq == last:
		if n.inFlight(r.Client, r.Seq) {
			n.out.Probe(ProbeDuplicateReq)
			return
		}
		if rep, ok := n.replies[r.Client]; ok && rep.Seq == r.Seq && rep.Status == kv.OK {
			n.out.Probe(ProbeReplyResent)
			n.out.Send(r.Client, rep)
			return
		}
		if st := n.storing[r.Client]; st.Seq == r.Seq {
			n.out.Probe(ProbeResume)
			o := &op{client: r.Client, seq: r.Seq, kv: r.Op, attempt: r.Attempt}
			n.ops = append(n.ops, o)
			n.beginStore(o, st.Tag, st.Value)
			n.arm()
			return
		}
		if r.Attempt <= n.attempts[r.Client] {
			n.refuse(r.Client, r.Seq, r.Attempt) // a late copy of a send this server already gave up on
			return
		}
		n.out.Probe(ProbeRestart)
	}
	n.served[r.Client], n.attempts[r.Client] = r.Seq, r.Attempt
	n.out.Persist(Served{Client: r.Client, Seq: r.Seq, Attempt: r.Attempt})
	o := &op{client: r.Client, seq: r.Seq, kv: r.Op, attempt: r.Attempt}
	n.ops = append(n.ops, o)
	n.beginQuery(o)
	n.arm()
}

// inFlight reports whether the client's operation seq is in flight here.
func (n *node) inFlight(client protocols.NodeID, seq uint64) bool {
	return slices.ContainsFunc(n.ops, func(o *op) bool { return o.client == client && o.seq == seq })
}

func (n *node) nextPhase() uint64 {
	n.phases++
	return n.inc<<32 | n.phases
}

func (n *node) beginQuery(o *op) {
	o.phase, o.id, o.answered = 1, n.nextPhase(), o.answered[:0]
	o.best, o.bestVal, o.atBest = Tag{}, "", 0
	n.sendPhase(o, nil)
	n.queryReply(n.id, n.query(Query{ID: o.id, Key: o.kv.Key}))
}

func (n *node) beginStore(o *op, tag Tag, value string) {
	if o.kv.IsWrite() {
		st := Storing{Client: o.client, Seq: o.seq, Tag: tag, Value: value}
		n.storing[o.client] = st
		n.out.Persist(st)
	}
	o.phase, o.id, o.answered = 2, n.nextPhase(), o.answered[:0]
	o.tag, o.value = tag, value
	n.sendPhase(o, nil)
	n.storeAck(n.id, n.store(Store{ID: o.id, Key: o.kv.Key, Tag: tag, Value: value}))
}

// sendPhase sends the current phase's message to every other server that
// has not answered it.
func (n *node) sendPhase(o *op, answered []protocols.NodeID) {
	var m protocols.Message = Query{ID: o.id, Key: o.kv.Key}
	if o.phase == 2 {
		m = Store{ID: o.id, Key: o.kv.Key, Tag: o.tag, Value: o.value}
	}
	for _, s := range n.servers {
		if s != n.id && !slices.Contains(answered, s) {
			n.out.Send(s, m)
		}
	}
}

func (n *node) find(id uint64, phase uint8) *op {
	for _, o := range n.ops {
		if o.id == id && o.phase == phase {
			return o
		}
	}
	return nil
}

func (n *node) queryReply(from protocols.NodeID, m QueryReply) {
	o := n.find(m.ID, 1)
	if o == nil || slices.Contains(o.answered, from) {
		return // a late reply to a finished phase, or a duplicate
	}
	o.answered = append(o.answered, from)
	switch c := m.Tag.Compare(o.best); {
	case len(o.answered) == 1 || c > 0 && !(n.bugs.noTieBreak && m.Tag.Seq == o.best.Seq):
		// BUG no-tie-break: at equal seq the first answer seen wins.
		o.best, o.bestVal, o.atBest = m.Tag, m.Value, 1
	case c == 0:
		o.atBest++
	}
	if len(o.answered) < n.quorum {
		return
	}
	switch o.kv.Kind {
	case kv.Get:
		if o.atBest >= n.quorum || n.bugs.noWriteBack {
			// BUG no-write-back: the value is returned even if only one
			// server holds it, so a later read may miss it.
			n.out.Probe(ProbeNoWriteBack)
			n.decide(o, o.best, o.bestVal)
			return
		}
		n.out.Probe(ProbeWriteBack)
		n.beginStore(o, o.best, o.bestVal)
	case kv.Put:
		n.beginStore(o, Tag{Seq: o.best.Seq + 1, Writer: writer(o)}, o.kv.Value)
	case kv.Append:
		n.out.Probe(ProbeAppend)
		n.beginStore(o, Tag{Seq: o.best.Seq + 1, Writer: writer(o)}, o.bestVal+o.kv.Value)
	default:
		n.decide(o, o.best, o.bestVal) // a malformed op changes nothing
	}
}

// writer names the write that picks a tag: the client's request ID, unique
// per write.
func writer(o *op) string { return kv.Request{Client: o.client, Seq: o.seq}.ID() }

func (n *node) storeAck(from protocols.NodeID, m StoreAck) {
	o := n.find(m.ID, 2)
	if n.bugs.staleAcks {
		// BUG stale-acks: any acknowledgement of a store of this key counts
		// for the first operation storing to it, whatever phase it answers.
		o = nil
		for _, x := range n.ops {
			if x.phase == 2 && x.kv.Key == m.Key {
				o = x
				break
			}
		}
	}
	if o == nil || slices.Contains(o.answered, from) {
		return
	}
	o.answered = append(o.answered, from)
	if len(o.answered) >= n.quorum {
		n.decide(o, o.tag, o.value)
	}
}

// decide answers the client and forgets the operation.
func (n *node) decide(o *op, tag Tag, value string) {
	n.out.Note(Decided{Client: o.client, Seq: o.seq, Op: o.kv, Tag: tag, Value: value})
	reply := kv.Reply{Seq: o.seq, Status: kv.OK}
	if o.kv.Kind == kv.Get {
		reply.Value = value
	}
	n.out.Send(o.client, reply)
	n.replies[o.client] = reply
	n.remove(o)
}

func (n *node) remove(o *op) {
	if i := slices.Index(n.ops, o); i >= 0 {
		n.ops = slices.Delete(n.ops, i, i+1)
	}
}

// arm starts the resend timer if operations are in flight.
func (n *node) arm() {
	if !n.ticking && len(n.ops) > 0 {
		n.ticking = true
		n.out.SetTimer(timerResend, n.opts.Resend)
	}
}

// tick resends every phase's message to the servers that have not answered
// it, and gives up on operations that have not heard from a majority in
// their query phase for AbortAfter. A store phase is never given up: its
// tag may already be on some server, and the client waits for its answer.
func (n *node) tick() {
	abort := max(1, int(n.opts.AbortAfter/n.opts.Resend))
	for _, o := range slices.Clone(n.ops) {
		o.ticks++
		if o.phase == 1 && o.ticks >= abort {
			n.abort(o)
			continue
		}
		n.out.Probe(ProbeResend)
		n.sendPhase(o, o.answered)
	}
	n.arm()
}

// abort gives up on an operation still in its query phase: no majority has
// answered, so the coordinator is probably cut off. Nothing has been
// stored yet, and nothing will be (late answers find no operation, and
// this server never takes the request on again), so the operation has
// certainly not taken effect and the client may safely retry it at
// another server. The answer saying so is kv's NotLeader without a hint
// ("this server cannot serve it; try another"), which moves the generic
// client on to the next server after its backoff. A later fresh retry
// here runs the operation again.
func (n *node) abort(o *op) {
	n.out.Probe(ProbeAbort)
	n.attempts[o.client] = max(n.attempts[o.client], o.attempt)
	n.refuse(o.client, o.seq, o.attempt)
	n.remove(o)
}

// refuse tells a client that its send attempt of operation seq had no
// effect here and should go to another server. Naming the send matters: a
// refusal that arrives after the client sent a fresh retry here, which
// this server may be running, must not move the client on.
func (n *node) refuse(client protocols.NodeID, seq uint64, attempt uint32) {
	n.out.Send(client, kv.Reply{Seq: seq, Status: kv.NotLeader, Attempt: attempt})
}
