package dynamo

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The coordinator side. A server runs each client request it receives in
// at most two phases over the key's N home replicas:
//
//	get:    read -> R answers -> reply with the newest version;
//	        read repair: send it to every home replica that answered older
//	put:    read -> R answers -> newest version (c, w)
//	        -> write (value, (c+1, this write's ID)) -> W acks -> reply
//	append: as put, with the newest value plus the suffix (not atomic)
//
// With sloppy quorums, a home replica that has not answered after
// SloppyAfter is stood in for by the next server of the preference list
// not yet asked; a write sent to a stand-in carries a hint naming the home
// replica. The coordinator answers its own messages in the same step.

// target is a server an operation asks: a home replica, or a stand-in for
// one (sloppy quorum).
type target struct {
	id      protocols.NodeID
	standIn protocols.NodeID // the home replica it replaces; "" for a home replica
}

// op is one client operation in flight at its coordinator.
type op struct {
	client  protocols.NodeID
	seq     uint64
	kv      kv.Op
	phase   uint8 // 1 read, 2 write, 3 decided read collecting late answers to repair
	id      uint64
	ticks   int // resend ticks since the operation began
	waited  int // resend ticks since the current phase began
	pref    []protocols.NodeID
	targets []target
	// answered lists the targets that answered the current phase.
	answered []protocols.NodeID
	// Phase 1: the newest version seen, its value, and every answer's
	// version (for read repair).
	best     Version
	bestVal  string
	versions []Version // parallel to answered, in phase 1 and 3
	// Phase 2: what is being written.
	version Version
	value   string
}

// request starts a client's operation, unless this server took it on
// already; see package abd for the retry rules, which are the same.
func (n *node) request(r kv.Request) {
	if last := n.served[r.Client]; r.Seq <= last {
		rep, answered := n.replies[r.Client]
		answered = answered && rep.Seq == r.Seq
		switch {
		case r.Seq < last:
			n.out.Probe(ProbeDuplicateReq)
		case answered && rep.Status == kv.OK:
			n.out.Probe(ProbeReplyResent)
			n.out.Send(r.Client, rep)
		case answered:
			n.out.Probe(ProbeDuplicateReq)
		case n.lost(r):
			n.refuse(r.Client, r.Seq)
		default:
			n.out.Probe(ProbeDuplicateReq)
		}
		return
	}
	n.served[r.Client] = r.Seq
	n.out.Persist(Served{Client: r.Client, Seq: r.Seq})
	pref := n.preference(r.Op.Key)
	o := &op{client: r.Client, seq: r.Seq, kv: r.Op, pref: pref}
	for _, id := range pref[:n.opts.N] {
		o.targets = append(o.targets, target{id: id})
	}
	n.ops = append(n.ops, o)
	n.beginRead(o)
	n.arm()
}

// lost reports whether a retried request was taken on by an earlier
// incarnation and certainly had no effect.
func (n *node) lost(r kv.Request) bool {
	for _, o := range n.ops {
		if o.client == r.Client && o.seq == r.Seq {
			return false
		}
	}
	return !r.Op.IsWrite() || n.storing[r.Client] < r.Seq
}

func (n *node) nextPhase() uint64 {
	n.phases++
	return n.inc<<32 | n.phases
}

func (n *node) beginRead(o *op) {
	o.phase, o.id, o.answered, o.versions, o.waited = 1, n.nextPhase(), o.answered[:0], o.versions[:0], 0
	o.best, o.bestVal = Version{}, ""
	n.sendPhase(o, o.targets)
}

func (n *node) beginWrite(o *op, v Version, value string) {
	n.storing[o.client] = o.seq
	n.out.Persist(Storing{Client: o.client, Seq: o.seq})
	o.phase, o.id, o.answered, o.waited = 2, n.nextPhase(), o.answered[:0], 0
	o.version, o.value = v, value
	n.sendPhase(o, o.targets)
}

// sendPhase sends the current phase's message to each of ts that has not
// answered; the coordinator answers its own at once.
func (n *node) sendPhase(o *op, ts []target) {
	self := false
	for _, t := range ts {
		if slices.Contains(o.answered, t.id) {
			continue
		}
		if t.id == n.id {
			self = true
			continue
		}
		n.out.Send(t.id, n.phaseMsg(o, t))
	}
	if self {
		switch m := n.phaseMsg(o, n.targetOf(o, n.id)).(type) {
		case Read:
			n.readReply(n.id, n.read(m))
		case Write:
			n.writeAck(n.id, n.write(m))
		}
	}
}

func (n *node) targetOf(o *op, id protocols.NodeID) target {
	for _, t := range o.targets {
		if t.id == id {
			return t
		}
	}
	return target{id: id}
}

func (n *node) phaseMsg(o *op, t target) protocols.Message {
	if o.phase == 2 {
		return Write{ID: o.id, Key: o.kv.Key, Version: o.version, Value: o.value, Hint: t.standIn}
	}
	return Read{ID: o.id, Key: o.kv.Key}
}

func (n *node) find(id uint64) *op {
	for _, o := range n.ops {
		if o.id == id {
			return o
		}
	}
	return nil
}

func (n *node) isTarget(o *op, id protocols.NodeID) bool {
	return slices.ContainsFunc(o.targets, func(t target) bool { return t.id == id })
}

func (n *node) readReply(from protocols.NodeID, m ReadReply) {
	o := n.find(m.ID)
	if o == nil || o.phase == 2 || !n.isTarget(o, from) || slices.Contains(o.answered, from) {
		return
	}
	o.answered = append(o.answered, from)
	o.versions = append(o.versions, m.Version)
	if o.phase == 3 {
		n.repair(o, from, m.Version)
		if len(o.answered) == len(o.targets) {
			n.remove(o)
		}
		return
	}
	if len(o.answered) == 1 || o.best.Less(m.Version) {
		o.best, o.bestVal = m.Version, m.Value
	}
	if len(o.answered) < n.opts.R {
		return
	}
	w := kv.Request{Client: o.client, Seq: o.seq}.ID()
	switch o.kv.Kind {
	case kv.Put:
		n.beginWrite(o, Version{Counter: o.best.Counter + 1, Writer: w}, o.kv.Value)
	case kv.Append:
		n.beginWrite(o, Version{Counter: o.best.Counter + 1, Writer: w}, o.bestVal+o.kv.Value)
	default:
		n.decide(o, o.best, o.bestVal)
		if n.opts.NoReadRepair {
			n.remove(o)
			return
		}
		// Read repair: the home replicas that answered with an older
		// version get the newest; those that answer later are repaired
		// as their answers come in.
		o.phase = 3
		for i, id := range o.answered {
			n.repair(o, id, o.versions[i])
		}
		if len(o.answered) == len(o.targets) {
			n.remove(o)
		}
	}
}

// repair sends a decided read's newest version to a home replica that
// answered with an older one.
func (n *node) repair(o *op, to protocols.NodeID, had Version) {
	if n.opts.NoReadRepair || !had.Less(o.best) || !slices.Contains(o.pref[:n.opts.N], to) {
		return
	}
	n.out.Probe(ProbeReadRepair)
	w := Write{Key: o.kv.Key, Version: o.best, Value: o.bestVal, Repair: true}
	if to == n.id {
		n.write(w)
		return
	}
	n.out.Send(to, w)
}

func (n *node) writeAck(from protocols.NodeID, m WriteAck) {
	if m.ID == 0 {
		return // a read repair's acknowledgement: nobody waits for it
	}
	o := n.find(m.ID)
	if o == nil || o.phase != 2 || !n.isTarget(o, from) || slices.Contains(o.answered, from) {
		return
	}
	o.answered = append(o.answered, from)
	if len(o.answered) >= n.opts.W {
		n.decide(o, o.version, o.value)
		n.remove(o)
	}
}

// decide answers the client.
func (n *node) decide(o *op, v Version, value string) {
	n.out.Note(Decided{Client: o.client, Seq: o.seq, Op: o.kv, Version: v, Value: value})
	reply := kv.Reply{Seq: o.seq, Status: kv.OK}
	if o.kv.Kind == kv.Get {
		reply.Value = value
	}
	n.out.Send(o.client, reply)
	n.replies[o.client] = reply
}

func (n *node) remove(o *op) {
	if i := slices.Index(n.ops, o); i >= 0 {
		n.ops = slices.Delete(n.ops, i, i+1)
	}
}

func (n *node) arm() {
	if !n.ticking && len(n.ops) > 0 {
		n.ticking = true
		n.out.SetTimer(timerResend, n.opts.Resend)
	}
}

// tick resends, stands in for silent home replicas (sloppy quorum), gives
// up on first phases no quorum answered, and forgets old operations.
func (n *node) tick() {
	limit := int(n.opts.OpTimeout / n.opts.Resend)
	abort := max(1, int(n.opts.AbortAfter/n.opts.Resend))
	sloppy := max(1, int(n.opts.SloppyAfter/n.opts.Resend))
	for _, o := range slices.Clone(n.ops) {
		o.ticks++
		o.waited++
		switch {
		case o.ticks > limit || o.phase == 3 && o.ticks > abort:
			if o.phase != 3 {
				n.out.Probe(ProbeOpExpired)
			}
			n.remove(o)
			continue
		case o.phase == 1 && o.waited >= abort:
			n.out.Probe(ProbeAbort)
			n.refuse(o.client, o.seq)
			n.remove(o)
			continue
		case o.phase == 3:
			continue
		}
		n.out.Probe(ProbeResend)
		n.sendPhase(o, o.targets)
		if !n.opts.Strict && o.waited >= sloppy {
			n.standIn(o)
		}
	}
	n.arm()
}

// standIn adds, for every home replica that has not answered the current
// phase and has no stand-in yet, the next server of the preference list
// not yet asked, and sends it the phase's message.
func (n *node) standIn(o *op) {
	next := n.opts.N
	for _, t := range slices.Clone(o.targets) {
		if t.standIn != "" || slices.Contains(o.answered, t.id) || n.stoodIn(o, t.id) {
			continue
		}
		for next < len(o.pref) && n.isTarget(o, o.pref[next]) {
			next++
		}
		if next >= len(o.pref) {
			return
		}
		s := target{id: o.pref[next], standIn: t.id}
		o.targets = append(o.targets, s)
		n.out.Probe(ProbeSloppy)
		n.sendPhase(o, []target{s})
	}
}

func (n *node) stoodIn(o *op, home protocols.NodeID) bool {
	return slices.ContainsFunc(o.targets, func(t target) bool { return t.standIn == home })
}

// refuse tells a client that its operation had no effect here and should
// go to another server (kv's NotLeader without a hint).
func (n *node) refuse(client protocols.NodeID, seq uint64) {
	reply := kv.Reply{Seq: seq, Status: kv.NotLeader}
	n.out.Send(client, reply)
	n.replies[client] = reply
}
