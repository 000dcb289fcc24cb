package threepc

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// The termination protocol (Skeen 1981, in the centralized form of
// Bernstein, Hadzilacos and Goodman, ch. 7). A prepared participant that
// hears nothing for TerminationTimeout suspects whoever should be driving
// the transaction and moves to the next round. Round r's recovery
// coordinator is the ((r-1) mod k)-th participant, so a silent recovery
// coordinator is replaced in turn. It collects the participants' states and
// decides:
//
//   - someone committed  -> commit;  someone aborted -> abort
//   - someone pre-committed -> first pre-commit every uncertain participant
//     and wait for their acks, then commit (so that, should this recovery
//     coordinator crash, the next round still finds a pre-committed one)
//   - everyone uncertain -> abort (nobody can have committed: commit only
//     follows a pre-commit)
//
// Participants that do not answer within CollectTimeout are presumed
// crashed. That presumption is exactly what breaks under a partition: the
// silent side is alive, and may be deciding the opposite.

// leadPhase is what a participant is doing as recovery coordinator.
type leadPhase uint8

const (
	leadIdle          leadPhase = iota
	leadCollecting              // StateReq sent, gathering states
	leadPrecommitting           // PreCommit sent to the uncertain, gathering acks
)

func (p *Participant) leaderOf(t *partTx, round int) protocols.NodeID {
	return t.parts[(round-1)%len(t.parts)]
}

func (p *Participant) onTermTimer(tx bank.TxID, out *protocols.Effects) {
	ph := p.Phase(tx)
	if ph != Uncertain && ph != PreCommitted {
		return
	}
	t := p.txs[tx]
	switch t.lead {
	case leadCollecting:
		if t.recovering && len(t.states) < len(t.parts) {
			// A restarted participant's picture may be stale (it may have
			// missed a commit while down), so it decides only with every
			// participant's state in hand. Ask again.
			p.askStates(tx, t, out)
			return
		}
		p.decide(tx, t, out)
	case leadPrecommitting:
		// Silent participants are presumed crashed; everyone alive is
		// pre-committed now.
		p.commitAsLeader(tx, t, out)
	default:
		t.round++
		if p.leaderOf(t, t.round) != p.cfg.ID {
			out.SetTimer(termTimer(tx), p.opts.TerminationTimeout)
			return
		}
		t.lead = leadCollecting
		t.states = map[protocols.NodeID]Phase{p.cfg.ID: ph}
		out.Probe(ProbeTerminationRan)
		p.askStates(tx, t, out)
	}
}

func (p *Participant) askStates(tx bank.TxID, t *partTx, out *protocols.Effects) {
	for _, q := range t.parts {
		if _, have := t.states[q]; !have {
			out.Send(q, StateReq{Tx: tx, Round: t.round})
		}
	}
	out.SetTimer(termTimer(tx), p.opts.CollectTimeout)
}

// onStateReq answers a recovery coordinator. A participant in doubt follows
// the latest round it has heard of; asked by an older round's coordinator,
// it answers with its newer round, which makes that coordinator stand down.
func (p *Participant) onStateReq(from protocols.NodeID, m StateReq, out *protocols.Effects) {
	ph := p.Phase(m.Tx)
	switch ph {
	case Initial:
		// Never voted: abort on the spot (no promise was made) and say so.
		p.abortUnvoted(m.Tx, out)
		out.Send(from, State{Tx: m.Tx, Round: m.Round, State: Aborted})
	case Committed, Aborted:
		out.Send(from, State{Tx: m.Tx, Round: m.Round, State: ph})
	default:
		t := p.txs[m.Tx]
		if m.Round < t.round {
			out.Send(from, State{Tx: m.Tx, Round: t.round, State: ph})
			return
		}
		p.follow(t, m.Round)
		out.Send(from, State{Tx: m.Tx, Round: m.Round, State: ph})
		out.SetTimer(termTimer(m.Tx), p.opts.TerminationTimeout)
	}
}

func (p *Participant) onState(from protocols.NodeID, m State, out *protocols.Effects) {
	ph := p.Phase(m.Tx)
	if ph != Uncertain && ph != PreCommitted {
		return
	}
	t := p.txs[m.Tx]
	if m.State == Committed || m.State == Aborted {
		// Someone knows the outcome: whatever round this is, it is the
		// outcome.
		if t.lead == leadCollecting && m.Round == t.round {
			p.decideAs(m.Tx, t, m.State == Committed, out)
		} else {
			p.finish(m.Tx, m.State == Committed, out)
		}
		return
	}
	if m.Round > t.round {
		p.follow(t, m.Round)
		out.SetTimer(termTimer(m.Tx), p.opts.TerminationTimeout)
		return
	}
	if t.lead != leadCollecting || m.Round != t.round {
		return
	}
	t.states[from] = m.State
	if len(t.states) == len(t.parts) {
		p.decide(m.Tx, t, out)
	}
}

// decide applies the termination rule to the states collected.
func (p *Participant) decide(tx bank.TxID, t *partTx, out *protocols.Effects) {
	var uncertain []protocols.NodeID
	anyPre := false
	for _, q := range sortedIDs(t.states) {
		switch t.states[q] {
		case PreCommitted:
			anyPre = true
		case Uncertain:
			if q != p.cfg.ID {
				uncertain = append(uncertain, q)
			}
		}
	}
	if !anyPre {
		p.decideAs(tx, t, false, out)
		return
	}
	if !t.pre {
		t.pre = true
		out.Persist(precommitRecord{Tx: tx})
	}
	if len(uncertain) == 0 {
		p.commitAsLeader(tx, t, out)
		return
	}
	t.lead = leadPrecommitting
	t.waitAcks = map[protocols.NodeID]bool{}
	for _, q := range uncertain {
		t.waitAcks[q] = true
		out.Send(q, PreCommit{Tx: tx, Round: t.round})
	}
	out.SetTimer(termTimer(tx), p.opts.CollectTimeout)
}

func (p *Participant) onAck(from protocols.NodeID, m Ack, out *protocols.Effects) {
	t := p.txs[m.Tx]
	if t == nil || t.lead != leadPrecommitting || m.Round != t.round {
		return
	}
	delete(t.waitAcks, from)
	if len(t.waitAcks) == 0 {
		p.commitAsLeader(m.Tx, t, out)
	}
}

func (p *Participant) commitAsLeader(tx bank.TxID, t *partTx, out *protocols.Effects) {
	p.decideAs(tx, t, true, out)
}

// decideAs ends the transaction as recovery coordinator: it finishes here
// first (so any later round finds a decided participant), then tells the
// other participants, the coordinator and the client.
func (p *Participant) decideAs(tx bank.TxID, t *partTx, commit bool, out *protocols.Effects) {
	p.finish(tx, commit, out)
	out.Note(bank.Decided{Node: p.cfg.ID, Tx: tx, Commit: commit, Participants: t.parts})
	var m protocols.Message = Abort{Tx: tx}
	o, probe := bank.OutcomeAborted, ProbeTerminationAbort
	if commit {
		m, o, probe = DoCommit{Tx: tx}, bank.OutcomeCommitted, ProbeTerminationCommit
	}
	out.Broadcast(protocols.Without(t.parts, p.cfg.ID), m)
	out.Send(p.opts.Coordinator, m)
	out.Send(t.client, bank.Result{Tx: tx, Outcome: o})
	out.Probe(probe)
}
