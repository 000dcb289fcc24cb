package twopc

import (
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Participant holds a share of the accounts. On Prepare it locks the
// accounts a transaction writes (strict two-phase locking: held until the
// outcome is known), checks the funds, makes its prepared state durable and
// only then votes yes. From then on it is in doubt: it must not commit or
// abort on its own, because the coordinator may have decided either way, so
// it waits for the Decision and keeps asking for it, across restarts.
//
// Its log holds a prepared record (the transaction's writes, synced before
// the yes vote) and a finish record (commit or abort, synced before the
// acknowledgement) for every transaction it votes on or hears the outcome of.
type Participant struct {
	cfg        protocols.Config
	opts       Options
	ledger     *bank.Ledger
	queries    map[bank.TxID]int // unanswered queries, this incarnation
	queryArmed bool
}

// The participant's durable records.
type (
	preparedRecord struct {
		Tx           bank.TxID
		Writes       []bank.Write
		Participants []protocols.NodeID
	}
	finishRecord struct {
		Tx     bank.TxID
		Commit bool
	}
)

func (r preparedRecord) String() string {
	return fmt.Sprintf("prepared %s %s %s", r.Tx, bank.FormatWrites(r.Writes), bank.FormatIDs(r.Participants))
}

func (r finishRecord) String() string {
	if r.Commit {
		return fmt.Sprintf("finish %s commit", r.Tx)
	}
	return fmt.Sprintf("finish %s abort", r.Tx)
}

const timerQuery = "query"

func newParticipant(cfg protocols.Config, opts Options, layout bank.Layout) *Participant {
	p := &Participant{
		cfg: cfg, opts: opts,
		ledger:  bank.NewLedger(layout.Held(cfg.ID), layout.Initial),
		queries: map[bank.TxID]int{},
	}
	for _, r := range cfg.Store {
		switch r := r.(type) {
		case preparedRecord:
			p.ledger.Prepare(r.Tx, r.Writes)
		case finishRecord:
			if r.Commit {
				p.ledger.Commit(r.Tx)
			} else {
				p.ledger.Abort(r.Tx)
			}
		}
	}
	return p
}

// Ledger implements bank.Participant.
func (p *Participant) Ledger() *bank.Ledger { return p.ledger }

// Step implements protocols.Node.
func (p *Participant) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		// Restarted in doubt: ask at once rather than wait a whole interval.
		if txs := p.ledger.InDoubt(); len(txs) > 0 {
			for _, tx := range txs {
				out.Send(p.opts.Coordinator, Query{Tx: tx})
			}
			out.Probe(ProbeParticipantRecovered)
			p.armQuery(out)
		}
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case Prepare:
			p.onPrepare(in.From, m, out)
		case Decision:
			p.onDecision(in.From, m, out)
		}
	case protocols.Timer:
		if in.Timer == timerQuery {
			p.onQueryTimer(out)
		}
	}
}

func (p *Participant) onPrepare(from protocols.NodeID, m Prepare, out *protocols.Effects) {
	switch p.ledger.State(m.Tx) {
	case bank.TxPrepared, bank.TxCommitted:
		// A repeated Prepare: the vote was yes and stays yes.
		out.Send(from, Vote{Tx: m.Tx, Yes: true})
		return
	case bank.TxAborted:
		out.Send(from, Vote{Tx: m.Tx, Yes: false})
		return
	}
	parts := append([]protocols.NodeID(nil), m.Participants...) // ours, not the message's
	switch r := p.ledger.Check(m.Tx, m.Writes); r {
	case bank.OK:
		p.ledger.Prepare(m.Tx, m.Writes)
		if p.opts.Bug != BugUnloggedPrepare {
			out.Persist(preparedRecord{Tx: m.Tx, Writes: p.ledger.Writes(m.Tx), Participants: parts})
		}
		out.Send(from, Vote{Tx: m.Tx, Yes: true})
		out.Note(bank.Voted{Node: p.cfg.ID, Tx: m.Tx, Yes: true, Participants: parts})
		p.armQuery(out)
	default:
		// Refusing is a unilateral abort, allowed because we have not voted
		// yes. It is logged so that a late duplicate Prepare is refused too.
		p.ledger.Abort(m.Tx)
		out.Persist(finishRecord{Tx: m.Tx, Commit: false})
		out.Send(from, Vote{Tx: m.Tx, Yes: false})
		out.Note(bank.Voted{Node: p.cfg.ID, Tx: m.Tx, Yes: false, Participants: parts})
		out.Note(bank.Finished{Node: p.cfg.ID, Tx: m.Tx, Commit: false})
		if r == bank.NoFunds {
			out.Probe(ProbeVoteNoFunds)
		} else {
			out.Probe(ProbeVoteNoConflict)
		}
	}
}

func (p *Participant) onDecision(from protocols.NodeID, m Decision, out *protocols.Effects) {
	switch st := p.ledger.State(m.Tx); {
	case st == bank.TxPrepared:
		if m.Commit {
			p.ledger.Commit(m.Tx)
		} else {
			p.ledger.Abort(m.Tx)
		}
		delete(p.queries, m.Tx)
		out.Persist(finishRecord{Tx: m.Tx, Commit: m.Commit})
		out.Note(bank.Finished{Node: p.cfg.ID, Tx: m.Tx, Commit: m.Commit})
		if m.Commit {
			out.Send(from, Ack{Tx: m.Tx})
		}
	case st == bank.TxNone && !m.Commit:
		// Aborted before we ever saw the Prepare: remember, so a late
		// Prepare is refused instead of locking accounts for nothing.
		p.ledger.Abort(m.Tx)
		out.Persist(finishRecord{Tx: m.Tx, Commit: false})
		out.Note(bank.Finished{Node: p.cfg.ID, Tx: m.Tx, Commit: false})
	case m.Commit && st != bank.TxAborted:
		// Already committed (a resend), or, only under the unlogged-prepare
		// bug, a commit for a transaction this incarnation never prepared:
		// either way there is nothing to apply, and acknowledging stops the
		// resends.
		out.Send(from, Ack{Tx: m.Tx})
	}
}

func (p *Participant) armQuery(out *protocols.Effects) {
	if !p.queryArmed {
		p.queryArmed = true
		out.SetTimer(timerQuery, p.opts.QueryInterval)
	}
}

// onQueryTimer asks the coordinator about every transaction still in doubt.
// A correct participant asks forever: blocking is 2PC's price for safety.
func (p *Participant) onQueryTimer(out *protocols.Effects) {
	p.queryArmed = false
	for _, tx := range p.ledger.InDoubt() {
		if p.opts.Bug == BugAbortAfterYes {
			// The bug: giving up on a yes vote.
			p.ledger.Abort(tx)
			delete(p.queries, tx)
			out.Persist(finishRecord{Tx: tx, Commit: false})
			out.Note(bank.Finished{Node: p.cfg.ID, Tx: tx, Commit: false})
			continue
		}
		p.queries[tx]++
		if p.queries[tx] == BlockedAfter {
			out.Probe(ProbeBlockedPrepared)
		}
		out.Send(p.opts.Coordinator, Query{Tx: tx})
	}
	if p.ledger.InDoubtCount() > 0 {
		p.armQuery(out)
	}
}

// Role implements protocols.RoleReporter.
func (p *Participant) Role() string { return "participant" }

// Status implements protocols.Node. A participant that has asked about a
// transaction BlockedAfter times without an answer shows it as blocked,
// first, so the UI shows the blocking rather than only a prepared state.
func (p *Participant) Status() protocols.Status {
	fields := []protocols.Field{
		{Name: "prepared", Value: p.ledger.FormatInDoubt()},
		{Name: "locks", Value: p.ledger.FormatLocks()},
		{Name: "balances", Value: p.ledger.FormatBalances()},
	}
	if b := p.blocked(); len(b) > 0 {
		fields = append([]protocols.Field{{Name: "BLOCKED", Value: strings.Join(b, ",")}}, fields...)
	}
	return protocols.Status{Role: "participant", Commit: p.ledger.Commits(), Fields: fields}
}

// blocked lists the transactions in doubt that the participant has asked
// about BlockedAfter times or more, unanswered, in this incarnation.
func (p *Participant) blocked() []string {
	var out []string
	for _, tx := range p.ledger.InDoubt() {
		if p.queries[tx] >= BlockedAfter {
			out = append(out, string(tx))
		}
	}
	return out
}
