package threepc

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Participant holds a share of the accounts. Like a 2PC participant it
// locks, checks, persists and votes; unlike one, it does not wait forever
// for the coordinator: when the coordinator falls silent it runs the
// termination protocol with the other participants (termination.go).
//
// Its log holds voted (the writes, synced before the yes vote), precommit
// (synced before the ack: a participant that acked PreCommit must still know
// it after a restart, since others may have committed on the strength of
// that ack) and finish (commit or abort).
type Participant struct {
	cfg    protocols.Config
	opts   Options
	ledger *bank.Ledger
	txs    map[bank.TxID]*partTx
}

// partTx is what a participant knows of one transaction it voted on.
type partTx struct {
	client     protocols.NodeID
	parts      []protocols.NodeID // never mutated once set
	pre        bool               // pre-committed (durable)
	round      int                // termination round this participant follows or leads (volatile)
	recovering bool               // restarted while in doubt: its view may be stale
	lead       leadPhase          // what it is doing as recovery coordinator of round
	states     map[protocols.NodeID]Phase
	waitAcks   map[protocols.NodeID]bool
}

type (
	votedRecord struct {
		Tx           bank.TxID
		Client       protocols.NodeID
		Writes       []bank.Write
		Participants []protocols.NodeID
	}
	precommitRecord struct{ Tx bank.TxID }
	finishRecord    struct {
		Tx     bank.TxID
		Commit bool
	}
)

func (r votedRecord) String() string {
	return fmt.Sprintf("voted %s %s %s", r.Tx, bank.FormatWrites(r.Writes), bank.FormatIDs(r.Participants))
}
func (r precommitRecord) String() string { return fmt.Sprintf("precommit %s", r.Tx) }
func (r finishRecord) String() string {
	if r.Commit {
		return fmt.Sprintf("finish %s commit", r.Tx)
	}
	return fmt.Sprintf("finish %s abort", r.Tx)
}

func newParticipant(cfg protocols.Config, opts Options, layout bank.Layout) *Participant {
	p := &Participant{
		cfg: cfg, opts: opts,
		ledger: bank.NewLedger(layout.Held(cfg.ID), layout.Initial),
		txs:    map[bank.TxID]*partTx{},
	}
	for _, r := range cfg.Store {
		switch r := r.(type) {
		case votedRecord:
			p.ledger.Prepare(r.Tx, r.Writes)
			p.txs[r.Tx] = &partTx{client: r.Client, parts: r.Participants}
		case precommitRecord:
			if t := p.txs[r.Tx]; t != nil {
				t.pre = true
			}
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

// Phase returns the participant's phase of tx.
func (p *Participant) Phase(tx bank.TxID) Phase {
	switch p.ledger.State(tx) {
	case bank.TxPrepared:
		if p.txs[tx].pre {
			return PreCommitted
		}
		return Uncertain
	case bank.TxCommitted:
		return Committed
	case bank.TxAborted:
		return Aborted
	}
	return Initial
}

func termTimer(tx bank.TxID) string { return "term/" + string(tx) }

// Step implements protocols.Node.
func (p *Participant) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		p.recover(out)
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case CanCommit:
			p.onCanCommit(in.From, m, out)
		case PreCommit:
			p.onPreCommit(in.From, m, out)
		case DoCommit:
			p.onDecision(in.From, m.Tx, true, out)
		case Abort:
			p.onDecision(in.From, m.Tx, false, out)
		case StateReq:
			p.onStateReq(in.From, m, out)
		case State:
			p.onState(in.From, m, out)
		case Ack:
			p.onAck(in.From, m, out)
		case Query:
			p.onQuery(in.From, m, out)
		}
	case protocols.Timer:
		if kind, id, _ := strings.Cut(in.Timer, "/"); kind == "term" {
			p.onTermTimer(bank.TxID(id), out)
		}
	}
}

// recover: a participant that restarts in doubt is bound by its vote (and
// its pre-commit), asks everyone whether the transaction was decided, and
// rejoins the termination protocol, but as "recovering": what it knows may
// be stale, so it never decides from a partial picture.
func (p *Participant) recover(out *protocols.Effects) {
	txs := p.ledger.InDoubt()
	for _, tx := range txs {
		t := p.txs[tx]
		t.recovering = true
		out.Send(p.opts.Coordinator, Query{Tx: tx})
		out.Broadcast(protocols.Without(t.parts, p.cfg.ID), Query{Tx: tx})
		out.SetTimer(termTimer(tx), p.opts.TerminationTimeout)
	}
	if len(txs) > 0 {
		out.Probe(ProbeParticipantRecovered)
	}
}

func (p *Participant) onCanCommit(from protocols.NodeID, m CanCommit, out *protocols.Effects) {
	switch p.Phase(m.Tx) {
	case Uncertain, PreCommitted, Committed:
		out.Send(from, Vote{Tx: m.Tx, Yes: true})
		return
	case Aborted:
		out.Send(from, Vote{Tx: m.Tx, Yes: false})
		return
	}
	parts := append([]protocols.NodeID(nil), m.Participants...) // ours, not the message's
	switch r := p.ledger.Check(m.Tx, m.Writes); r {
	case bank.OK:
		p.ledger.Prepare(m.Tx, m.Writes)
		p.txs[m.Tx] = &partTx{client: m.Client, parts: parts}
		out.Persist(votedRecord{Tx: m.Tx, Client: m.Client, Writes: p.ledger.Writes(m.Tx), Participants: parts})
		out.Send(from, Vote{Tx: m.Tx, Yes: true})
		out.SetTimer(termTimer(m.Tx), p.opts.TerminationTimeout)
		out.Note(bank.Voted{Node: p.cfg.ID, Tx: m.Tx, Yes: true, Participants: parts})
	default:
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

// onPreCommit moves an uncertain participant to pre-committed, from the
// coordinator (round 0) or a recovery coordinator. A PreCommit from an older
// round than the one this participant follows is stale and ignored: the
// participant has already reported its state to a later round.
func (p *Participant) onPreCommit(from protocols.NodeID, m PreCommit, out *protocols.Effects) {
	switch p.Phase(m.Tx) {
	case Uncertain, PreCommitted:
		t := p.txs[m.Tx]
		if m.Round < t.round {
			return
		}
		p.follow(t, m.Round)
		if !t.pre {
			t.pre = true
			out.Persist(precommitRecord{Tx: m.Tx})
		}
		out.Send(from, Ack{Tx: m.Tx, Round: m.Round})
		out.SetTimer(termTimer(m.Tx), p.opts.TerminationTimeout)
	case Committed:
		out.Send(from, Ack{Tx: m.Tx, Round: m.Round})
	}
}

// follow makes round the one t follows, standing down from leading an
// older one.
func (p *Participant) follow(t *partTx, round int) {
	if round > t.round {
		t.round = round
		t.lead = leadIdle
	}
}

func (p *Participant) onDecision(from protocols.NodeID, tx bank.TxID, commit bool, out *protocols.Effects) {
	switch ph := p.Phase(tx); ph {
	case Uncertain, PreCommitted:
		p.finish(tx, commit, out)
		if commit {
			out.Send(from, HaveCommitted{Tx: tx})
		}
	case Initial:
		if !commit {
			// Aborted before our vote: remember, so a late CanCommit is refused.
			p.ledger.Abort(tx)
			out.Persist(finishRecord{Tx: tx, Commit: false})
			out.Note(bank.Finished{Node: p.cfg.ID, Tx: tx, Commit: false})
		}
	default:
		if (ph == Committed) != commit {
			// The other side of a partition decided the opposite. Our
			// decision stands; atomicity is already lost.
			out.Probe(ProbeConflictingDecision)
		} else if commit {
			out.Send(from, HaveCommitted{Tx: tx})
		}
	}
}

// finish applies the outcome, durably, and stops all termination work.
func (p *Participant) finish(tx bank.TxID, commit bool, out *protocols.Effects) {
	if commit {
		p.ledger.Commit(tx)
	} else {
		p.ledger.Abort(tx)
	}
	if t := p.txs[tx]; t != nil {
		t.lead, t.states, t.waitAcks = leadIdle, nil, nil
	}
	out.Persist(finishRecord{Tx: tx, Commit: commit})
	out.CancelTimer(termTimer(tx))
	out.Note(bank.Finished{Node: p.cfg.ID, Tx: tx, Commit: commit})
}

// onQuery answers a restarted node: with the decision if this participant
// knows it; by aborting, if it never voted (it may: it promised nothing);
// not at all while it is in doubt itself.
func (p *Participant) onQuery(from protocols.NodeID, m Query, out *protocols.Effects) {
	switch p.Phase(m.Tx) {
	case Committed:
		out.Send(from, DoCommit{Tx: m.Tx})
	case Aborted:
		out.Send(from, Abort{Tx: m.Tx})
	case Initial:
		p.abortUnvoted(m.Tx, out)
		out.Send(from, Abort{Tx: m.Tx})
	}
}

func (p *Participant) abortUnvoted(tx bank.TxID, out *protocols.Effects) {
	p.ledger.Abort(tx)
	out.Persist(finishRecord{Tx: tx, Commit: false})
	out.Note(bank.Finished{Node: p.cfg.ID, Tx: tx, Commit: false})
}

// Role implements protocols.RoleReporter.
func (p *Participant) Role() string { return "participant" }

// Status implements protocols.Node.
func (p *Participant) Status() protocols.Status {
	doubt := "-"
	if txs := p.ledger.InDoubt(); len(txs) > 0 {
		parts := make([]string, len(txs))
		for i, tx := range txs {
			parts[i] = fmt.Sprintf("%s:%s", tx, p.Phase(tx))
			if t := p.txs[tx]; t.round > 0 {
				parts[i] += fmt.Sprintf("@r%d", t.round)
			}
		}
		doubt = strings.Join(parts, ",")
	}
	return protocols.Status{
		Role:   "participant",
		Commit: p.ledger.Commits(),
		Fields: []protocols.Field{
			{Name: "in-doubt", Value: doubt},
			{Name: "locks", Value: p.ledger.FormatLocks()},
			{Name: "balances", Value: p.ledger.FormatBalances()},
		},
	}
}

// sortedIDs returns the keys of m in natural order.
func sortedIDs[V any](m map[protocols.NodeID]V) []protocols.NodeID {
	return slices.SortedFunc(maps.Keys(m), protocols.Compare)
}
