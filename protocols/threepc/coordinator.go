package threepc

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Coordinator runs three-phase commit: CanCommit and votes, then PreCommit
// and acks, then DoCommit. The extra phase is what lets the participants
// finish without it: nobody commits until everyone alive is at least
// pre-committed, so participants that find one of their own pre-committed
// know commit is safe, and participants that are all uncertain know nobody
// committed.
//
// Its log holds begin (synced before CanCommit leaves, so a duplicated
// Submit is never run twice), commit (synced before DoCommit leaves) and end
// (lazy: everyone confirmed). Unlike 2PC it never presumes abort after a
// crash: the participants may have terminated either way without it, so a
// restarted coordinator asks them.
type Coordinator struct {
	cfg     protocols.Config
	opts    Options
	layout  bank.Layout
	txs     map[bank.TxID]*coordTx
	commits int
}

type coordPhase uint8

const (
	collecting    coordPhase = iota // waiting for votes
	precommitting                   // PreCommit sent, waiting for acks
	recovering                      // restarted without a decision: asking the participants
	committed
	aborted
)

type coordTx struct {
	client   protocols.NodeID
	transfer bank.Transfer
	parts    []protocols.NodeID // never mutated once set: it is shared with sent messages
	phase    coordPhase
	yes      map[protocols.NodeID]bool
	acks     map[protocols.NodeID]bool // PreCommit acks, then HaveCommitted
	done     bool                      // every participant confirmed the commit
}

type (
	beginRecord struct {
		Tx           bank.TxID
		Client       protocols.NodeID
		Transfer     bank.Transfer
		Participants []protocols.NodeID
	}
	commitRecord struct{ Tx bank.TxID }
	endRecord    struct{ Tx bank.TxID }
)

func (r beginRecord) String() string {
	return fmt.Sprintf("begin %s %s %s", r.Tx, r.Transfer, bank.FormatIDs(r.Participants))
}
func (r commitRecord) String() string { return fmt.Sprintf("commit %s", r.Tx) }
func (r endRecord) String() string    { return fmt.Sprintf("end %s", r.Tx) }

func newCoordinator(cfg protocols.Config, opts Options, layout bank.Layout) *Coordinator {
	c := &Coordinator{cfg: cfg, opts: opts, layout: layout, txs: map[bank.TxID]*coordTx{}}
	for _, r := range cfg.Store {
		switch r := r.(type) {
		case beginRecord:
			c.txs[r.Tx] = &coordTx{client: r.Client, transfer: r.Transfer, parts: r.Participants, phase: recovering,
				yes: map[protocols.NodeID]bool{}, acks: map[protocols.NodeID]bool{}}
		case commitRecord:
			if t := c.txs[r.Tx]; t != nil {
				t.phase = committed
				c.commits++
			}
		case endRecord:
			if t := c.txs[r.Tx]; t != nil {
				t.done = true
			}
		}
	}
	return c
}

// Step implements protocols.Node.
func (c *Coordinator) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		c.recover(out)
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case bank.Submit:
			c.onSubmit(in.From, m, out)
		case Vote:
			c.onVote(in.From, m, out)
		case Ack:
			c.onAck(in.From, m, out)
		case HaveCommitted:
			c.onHaveCommitted(in.From, m, out)
		case DoCommit:
			c.adopt(m.Tx, true, out)
		case Abort:
			c.adopt(m.Tx, false, out)
		case Query:
			c.onQuery(in.From, m, out)
		}
	case protocols.Timer:
		c.onTimer(in.Timer, out)
	}
}

// recover resends unconfirmed commits and asks the participants about every
// transaction that has no decision in the log.
func (c *Coordinator) recover(out *protocols.Effects) {
	resumed := false
	for _, tx := range slices.Sorted(maps.Keys(c.txs)) {
		t := c.txs[tx]
		switch {
		case t.phase == recovering:
			out.Broadcast(t.parts, Query{Tx: tx})
			out.SetTimer(timerName("recover", tx), c.opts.ResendInterval)
			resumed = true
		case t.phase == committed && !t.done:
			out.Broadcast(t.parts, DoCommit{Tx: tx})
			out.SetTimer(timerName("resend", tx), c.opts.ResendInterval)
			resumed = true
		}
	}
	if resumed {
		out.Probe(ProbeCoordinatorRecovered)
	}
}

func (c *Coordinator) onSubmit(client protocols.NodeID, m bank.Submit, out *protocols.Effects) {
	if t := c.txs[m.Tx]; t != nil {
		if o := outcome(t.phase); o != bank.OutcomeUnknown {
			out.Send(client, bank.Result{Tx: m.Tx, Outcome: o})
		}
		return
	}
	parts, writes, err := c.layout.Split(m.Transfer)
	if err != nil {
		c.txs[m.Tx] = &coordTx{client: client, transfer: m.Transfer, phase: aborted}
		out.Send(client, bank.Result{Tx: m.Tx, Outcome: bank.OutcomeAborted})
		return
	}
	c.txs[m.Tx] = &coordTx{client: client, transfer: m.Transfer, parts: parts,
		yes: map[protocols.NodeID]bool{}, acks: map[protocols.NodeID]bool{}}
	out.Persist(beginRecord{Tx: m.Tx, Client: client, Transfer: m.Transfer, Participants: parts})
	for _, p := range parts {
		out.Send(p, CanCommit{Tx: m.Tx, Client: client, Writes: writes[p], Participants: parts})
	}
	out.SetTimer(timerName("votes", m.Tx), c.opts.VoteTimeout)
}

func (c *Coordinator) onVote(from protocols.NodeID, m Vote, out *protocols.Effects) {
	t := c.txs[m.Tx]
	if t == nil || t.phase != collecting {
		return
	}
	if !m.Yes {
		c.abort(m.Tx, t, out)
		return
	}
	t.yes[from] = true
	if len(t.yes) == len(t.parts) {
		// Everyone voted yes: phase two. Nothing needs logging yet: a
		// restarted coordinator asks the participants anyway.
		t.phase = precommitting
		out.CancelTimer(timerName("votes", m.Tx))
		out.Broadcast(t.parts, PreCommit{Tx: m.Tx, Round: 0})
		out.SetTimer(timerName("acks", m.Tx), c.opts.AckTimeout)
	}
}

func (c *Coordinator) onAck(from protocols.NodeID, m Ack, out *protocols.Effects) {
	t := c.txs[m.Tx]
	if t == nil || t.phase != precommitting || m.Round != 0 {
		return
	}
	t.acks[from] = true
	if len(t.acks) == len(t.parts) {
		c.commit(m.Tx, t, out)
	}
}

// commit is phase three: logged and synced first, then sent.
func (c *Coordinator) commit(tx bank.TxID, t *coordTx, out *protocols.Effects) {
	t.phase = committed
	t.acks = map[protocols.NodeID]bool{}
	c.commits++
	out.CancelTimer(timerName("acks", tx))
	out.Persist(commitRecord{Tx: tx})
	out.Broadcast(t.parts, DoCommit{Tx: tx})
	out.SetTimer(timerName("resend", tx), c.opts.ResendInterval)
	out.Send(t.client, bank.Result{Tx: tx, Outcome: bank.OutcomeCommitted})
	out.Note(bank.Decided{Node: c.cfg.ID, Tx: tx, Commit: true, Participants: t.parts})
}

// abort needs no record: a restarted coordinator asks the participants.
func (c *Coordinator) abort(tx bank.TxID, t *coordTx, out *protocols.Effects) {
	t.phase = aborted
	out.CancelTimer(timerName("votes", tx))
	out.Broadcast(t.parts, Abort{Tx: tx})
	out.Send(t.client, bank.Result{Tx: tx, Outcome: bank.OutcomeAborted})
	out.Note(bank.Decided{Node: c.cfg.ID, Tx: tx, Commit: false, Participants: t.parts})
}

// adopt takes an outcome decided elsewhere (a recovery coordinator's
// decision, or a participant's answer to a query): the coordinator stops
// driving the transaction and tells the client. An outcome opposite to the
// coordinator's own decision is the partition case; it is ignored (the
// monitors report the participants' disagreement).
func (c *Coordinator) adopt(tx bank.TxID, commit bool, out *protocols.Effects) {
	t := c.txs[tx]
	if t == nil {
		return
	}
	switch t.phase {
	case committed, aborted:
		if (t.phase == committed) != commit {
			out.Probe(ProbeConflictingDecision)
		}
		return
	}
	out.CancelTimer(timerName([...]string{"votes", "acks", "recover"}[t.phase], tx))
	if commit {
		// Whoever decided commit drives it; this record only keeps the
		// coordinator's answer to later duplicates right after a restart.
		t.phase, t.done = committed, true
		c.commits++
		out.Persist(commitRecord{Tx: tx}, endRecord{Tx: tx})
	} else {
		t.phase = aborted
	}
	// The adopted decision is the coordinator's from now on: note it, so
	// that decision finality also watches what the coordinator tells.
	out.Note(bank.Decided{Node: c.cfg.ID, Tx: tx, Commit: commit, Participants: t.parts})
	out.Send(t.client, bank.Result{Tx: tx, Outcome: outcome(t.phase)})
	out.Probe(ProbeDecisionAdopted)
}

func (c *Coordinator) onHaveCommitted(from protocols.NodeID, m HaveCommitted, out *protocols.Effects) {
	t := c.txs[m.Tx]
	if t == nil || t.phase != committed || t.done {
		return
	}
	t.acks[from] = true
	if len(t.acks) == len(t.parts) {
		t.done = true
		out.Persist(endRecord{Tx: m.Tx})
		out.NoSync = true
		out.CancelTimer(timerName("resend", m.Tx))
	}
}

func (c *Coordinator) onQuery(from protocols.NodeID, m Query, out *protocols.Effects) {
	if t := c.txs[m.Tx]; t != nil {
		switch t.phase {
		case committed:
			out.Send(from, DoCommit{Tx: m.Tx})
		case aborted:
			out.Send(from, Abort{Tx: m.Tx})
		}
	}
}

func (c *Coordinator) onTimer(name string, out *protocols.Effects) {
	kind, id, _ := strings.Cut(name, "/")
	tx := bank.TxID(id)
	t := c.txs[tx]
	if t == nil {
		return
	}
	switch {
	case kind == "votes" && t.phase == collecting:
		out.Probe(ProbeVoteTimeout)
		c.abort(tx, t, out)
	case kind == "acks" && t.phase == precommitting && len(t.acks) > 0:
		// Silent participants are presumed crashed. Those that acked are
		// pre-committed, and will carry the commit through any termination
		// round, including one run by the silent ones when they recover.
		out.Probe(ProbeAckTimeoutCommit)
		c.commit(tx, t, out)
	case kind == "acks" && t.phase == precommitting:
		// Not a single ack: if every participant crashed uncertain, nobody
		// would carry a commit, and the recovered participants, all
		// uncertain, would abort. So commit is not safe; keep asking, and
		// adopt whatever the participants' termination decides.
		out.Broadcast(t.parts, PreCommit{Tx: tx, Round: 0})
		out.SetTimer(name, c.opts.AckTimeout)
	case kind == "resend" && t.phase == committed && !t.done:
		for _, p := range t.parts {
			if !t.acks[p] {
				out.Send(p, DoCommit{Tx: tx})
			}
		}
		out.SetTimer(name, c.opts.ResendInterval)
	case kind == "recover" && t.phase == recovering:
		out.Broadcast(t.parts, Query{Tx: tx})
		out.SetTimer(name, c.opts.ResendInterval)
	}
}

func timerName(kind string, tx bank.TxID) string { return kind + "/" + string(tx) }

func outcome(p coordPhase) bank.Outcome {
	switch p {
	case committed:
		return bank.OutcomeCommitted
	case aborted:
		return bank.OutcomeAborted
	}
	return bank.OutcomeUnknown
}

// Pending returns the transactions without a decision, sorted.
//
// It picks them out before sorting: Status calls it, the checklist and the
// TUI call Status after every event, and c.txs keeps every transaction of
// the run, so sorting all of them each time made long runs quadratic.
func (c *Coordinator) Pending() []bank.TxID {
	var out []bank.TxID
	for tx, t := range c.txs {
		if outcome(t.phase) == bank.OutcomeUnknown {
			out = append(out, tx)
		}
	}
	slices.Sort(out) // the map's order is gone once sorted
	return out
}

// Role implements protocols.RoleReporter.
func (c *Coordinator) Role() string { return "coordinator" }

// Status implements protocols.Node.
func (c *Coordinator) Status() protocols.Status {
	pending := "-"
	if p := c.Pending(); len(p) > 0 {
		parts := make([]string, len(p))
		for i, tx := range p {
			parts[i] = string(tx) + ":" + [...]string{"collecting", "precommitting", "recovering"}[c.txs[tx].phase]
		}
		pending = strings.Join(parts, ",")
	}
	return protocols.Status{
		Role:   "coordinator",
		Commit: c.commits,
		Fields: []protocols.Field{
			{Name: "pending", Value: pending},
			{Name: "txs", Value: strconv.Itoa(len(c.txs))},
		},
	}
}
