package twopc

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Coordinator runs two-phase commit for every transaction: it asks each
// participant to prepare, commits only if all vote yes, and makes the
// decision durable before anyone hears it.
//
// Its log holds three kinds of records:
//
//   - begin (synced before any Prepare leaves): the transaction exists, so a
//     duplicated Submit arriving after a crash is recognised instead of run a
//     second time, and a restart knows which transactions never got a decision;
//   - decision: commit is forced (synced) before the Decision is sent, the
//     rule that makes 2PC safe; abort is written lazily, because presumed
//     abort recovers the same answer for a transaction with no decision record;
//   - end (lazy): every participant acknowledged the commit, so a restart
//     need not resend it. Losing it only costs redundant resends.
type Coordinator struct {
	cfg     protocols.Config
	opts    Options
	layout  bank.Layout
	txs     map[bank.TxID]*coordTx
	commits int
}

type coordPhase uint8

const (
	collecting coordPhase = iota // waiting for votes
	committed
	aborted
)

type coordTx struct {
	client   protocols.NodeID
	transfer bank.Transfer
	parts    []protocols.NodeID // never mutated once set: it is shared with sent messages
	phase    coordPhase
	yes      map[protocols.NodeID]bool
	acked    map[protocols.NodeID]bool
	done     bool // every participant acknowledged the commit
}

// The coordinator's durable records.
type (
	beginRecord struct {
		Tx           bank.TxID
		Client       protocols.NodeID
		Transfer     bank.Transfer
		Participants []protocols.NodeID
	}
	decisionRecord struct {
		Tx     bank.TxID
		Commit bool
	}
	endRecord struct{ Tx bank.TxID }
)

func (r beginRecord) String() string {
	return fmt.Sprintf("begin %s %s %s", r.Tx, r.Transfer, bank.FormatIDs(r.Participants))
}

func (r decisionRecord) String() string {
	if r.Commit {
		return fmt.Sprintf("decision %s commit", r.Tx)
	}
	return fmt.Sprintf("decision %s abort", r.Tx)
}

func (r endRecord) String() string { return fmt.Sprintf("end %s", r.Tx) }

func votesTimer(tx bank.TxID) string  { return "votes/" + string(tx) }
func resendTimer(tx bank.TxID) string { return "resend/" + string(tx) }

func newCoordinator(cfg protocols.Config, opts Options, layout bank.Layout) *Coordinator {
	c := &Coordinator{cfg: cfg, opts: opts, layout: layout, txs: map[bank.TxID]*coordTx{}}
	for _, r := range cfg.Store {
		switch r := r.(type) {
		case beginRecord:
			c.txs[r.Tx] = &coordTx{client: r.Client, transfer: r.Transfer, parts: r.Participants,
				yes: map[protocols.NodeID]bool{}, acked: map[protocols.NodeID]bool{}}
		case decisionRecord:
			if t := c.txs[r.Tx]; t != nil {
				t.phase = aborted
				if r.Commit {
					t.phase = committed
					c.commits++
				}
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
		case Query:
			c.onQuery(in.From, m, out)
		}
	case protocols.Timer:
		c.onTimer(in.Timer, out)
	}
}

// recover resumes what the log says is unfinished. A transaction begun but
// never decided is aborted (presumed abort: nobody can have been told to
// commit it, because commit is logged before it is sent); prepared
// participants will ask and hear abort. A commit not acknowledged by
// everyone is sent again until it is.
func (c *Coordinator) recover(out *protocols.Effects) {
	recovered := false
	for _, tx := range slices.Sorted(maps.Keys(c.txs)) {
		t := c.txs[tx]
		switch {
		case t.phase == collecting:
			// Logged lazily, like every abort, so the next restart need not
			// presume it again.
			t.phase = aborted
			out.Persist(decisionRecord{Tx: tx, Commit: false})
			out.NoSync = true
			out.Note(bank.Decided{Node: c.cfg.ID, Tx: tx, Commit: false, Participants: t.parts})
			out.Probe(ProbePresumedAbort)
			recovered = true
		case t.phase == committed && !t.done:
			out.Broadcast(t.parts, Decision{Tx: tx, Commit: true})
			out.SetTimer(resendTimer(tx), c.opts.ResendInterval)
			recovered = true
		}
	}
	if recovered {
		out.Probe(ProbeCoordinatorRecovered)
	}
}

func (c *Coordinator) onSubmit(client protocols.NodeID, m bank.Submit, out *protocols.Effects) {
	if t := c.txs[m.Tx]; t != nil {
		out.Probe(ProbeDuplicateSubmit)
		if t.phase != collecting {
			out.Send(client, bank.Result{Tx: m.Tx, Outcome: outcome(t.phase)})
		}
		return
	}
	parts, writes, err := c.layout.Split(m.Transfer)
	if err != nil {
		// A malformed transfer never reaches the participants; the client
		// hears abort at once.
		c.txs[m.Tx] = &coordTx{client: client, transfer: m.Transfer, phase: aborted}
		out.Send(client, bank.Result{Tx: m.Tx, Outcome: bank.OutcomeAborted})
		return
	}
	c.txs[m.Tx] = &coordTx{client: client, transfer: m.Transfer, parts: parts,
		yes: map[protocols.NodeID]bool{}, acked: map[protocols.NodeID]bool{}}
	out.Persist(beginRecord{Tx: m.Tx, Client: client, Transfer: m.Transfer, Participants: parts})
	for _, p := range parts {
		out.Send(p, Prepare{Tx: m.Tx, Writes: writes[p], Participants: parts})
	}
	out.SetTimer(votesTimer(m.Tx), c.opts.VoteTimeout)
}

func (c *Coordinator) onVote(from protocols.NodeID, m Vote, out *protocols.Effects) {
	t := c.txs[m.Tx]
	switch {
	case t == nil:
		if m.Yes {
			c.presumeAbort(from, m.Tx, out)
		}
	case t.phase != collecting:
		// A late or repeated yes: that participant is waiting, tell it now.
		if m.Yes {
			out.Send(from, Decision{Tx: m.Tx, Commit: t.phase == committed})
		}
	case !m.Yes:
		c.decide(m.Tx, t, false, out)
	default:
		t.yes[from] = true
		if len(t.yes) == len(t.parts) {
			c.decide(m.Tx, t, true, out)
		}
	}
}

// decide ends the voting phase. A commit is logged and synced before the
// Decision leaves (the send-before-log bug leaves it unsynced); an abort is
// logged lazily.
func (c *Coordinator) decide(tx bank.TxID, t *coordTx, commit bool, out *protocols.Effects) {
	out.CancelTimer(votesTimer(tx))
	out.Persist(decisionRecord{Tx: tx, Commit: commit})
	out.NoSync = !commit || c.opts.Bug == BugSendBeforeLog
	out.Broadcast(t.parts, Decision{Tx: tx, Commit: commit})
	if commit {
		t.phase = committed
		c.commits++
		out.SetTimer(resendTimer(tx), c.opts.ResendInterval)
	} else {
		t.phase = aborted
	}
	out.Send(t.client, bank.Result{Tx: tx, Outcome: outcome(t.phase)})
	out.Note(bank.Decided{Node: c.cfg.ID, Tx: tx, Commit: commit, Participants: t.parts})
}

func (c *Coordinator) onAck(from protocols.NodeID, m Ack, out *protocols.Effects) {
	t := c.txs[m.Tx]
	if t == nil || t.phase != committed || t.done {
		return
	}
	t.acked[from] = true
	if len(t.acked) == len(t.parts) {
		t.done = true
		out.Persist(endRecord{Tx: m.Tx})
		out.NoSync = true
		out.CancelTimer(resendTimer(m.Tx))
	}
}

func (c *Coordinator) onQuery(from protocols.NodeID, m Query, out *protocols.Effects) {
	t := c.txs[m.Tx]
	switch {
	case t == nil:
		c.presumeAbort(from, m.Tx, out)
	case t.phase != collecting:
		out.Send(from, Decision{Tx: m.Tx, Commit: t.phase == committed})
	}
	// Still collecting votes: the vote timer will settle it soon.
}

// presumeAbort answers abort for a transaction with no record at all: with
// the commit always logged first, no record means no commit.
func (c *Coordinator) presumeAbort(to protocols.NodeID, tx bank.TxID, out *protocols.Effects) {
	c.txs[tx] = &coordTx{phase: aborted}
	out.Send(to, Decision{Tx: tx, Commit: false})
	out.Probe(ProbePresumedAbort)
}

func (c *Coordinator) onTimer(name string, out *protocols.Effects) {
	kind, id, _ := strings.Cut(name, "/")
	tx := bank.TxID(id)
	t := c.txs[tx]
	if t == nil {
		return
	}
	switch kind {
	case "votes":
		if t.phase == collecting {
			out.Probe(ProbeVoteTimeout)
			c.decide(tx, t, false, out)
		}
	case "resend":
		if t.phase == committed && !t.done {
			for _, p := range t.parts {
				if !t.acked[p] {
					out.Send(p, Decision{Tx: tx, Commit: true})
				}
			}
			out.SetTimer(resendTimer(tx), c.opts.ResendInterval)
			out.Probe(ProbeDecisionResent)
		}
	}
}

func outcome(p coordPhase) bank.Outcome {
	switch p {
	case committed:
		return bank.OutcomeCommitted
	case aborted:
		return bank.OutcomeAborted
	}
	return bank.OutcomeUnknown
}

// Pending returns the transactions still collecting votes and the commits
// not yet acknowledged by every participant, each sorted.
//
// It picks them out before sorting: Status calls it, the checklist and the
// TUI call Status after every event, and c.txs keeps every transaction of
// the run, so sorting all of them each time made long runs quadratic.
func (c *Coordinator) Pending() (collectingTxs, unacked []bank.TxID) {
	for tx, t := range c.txs {
		switch {
		case t.phase == collecting:
			collectingTxs = append(collectingTxs, tx)
		case t.phase == committed && !t.done:
			unacked = append(unacked, tx)
		}
	}
	slices.Sort(collectingTxs) // the map's order is gone once sorted
	slices.Sort(unacked)
	return collectingTxs, unacked
}

// Role implements protocols.RoleReporter.
func (c *Coordinator) Role() string { return "coordinator" }

// Status implements protocols.Node.
func (c *Coordinator) Status() protocols.Status {
	coll, unacked := c.Pending()
	return protocols.Status{
		Role:   "coordinator",
		Commit: c.commits,
		Fields: []protocols.Field{
			{Name: "collecting", Value: joinTxs(coll)},
			{Name: "unacked", Value: joinTxs(unacked)},
			{Name: "txs", Value: strconv.Itoa(len(c.txs))},
		},
	}
}

func joinTxs(txs []bank.TxID) string {
	if len(txs) == 0 {
		return "-"
	}
	parts := make([]string, len(txs))
	for i, tx := range txs {
		parts[i] = string(tx)
	}
	return strings.Join(parts, ",")
}
