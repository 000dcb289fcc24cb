package threepc

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// CanCommit asks a participant to prepare its part of a transaction and
// vote. It names the client (so whoever decides can tell it) and every
// participant (so the participants can run the termination protocol among
// themselves).
type CanCommit struct {
	Tx           bank.TxID
	Client       protocols.NodeID
	Writes       []bank.Write
	Participants []protocols.NodeID
}

// Kind implements protocols.Message.
func (CanCommit) Kind() string { return "CanCommit" }

func (m CanCommit) String() string {
	return fmt.Sprintf("CanCommit{%s %s %s}", m.Tx, bank.FormatWrites(m.Writes), bank.FormatIDs(m.Participants))
}

// Vote answers CanCommit. Yes means: prepared, durably, and uncertain.
type Vote struct {
	Tx  bank.TxID
	Yes bool
}

// Kind implements protocols.Message.
func (Vote) Kind() string { return "Vote" }

func (m Vote) String() string {
	if m.Yes {
		return fmt.Sprintf("Vote{%s yes}", m.Tx)
	}
	return fmt.Sprintf("Vote{%s no}", m.Tx)
}

// PreCommit tells a participant that everyone voted yes, so the transaction
// will commit unless failures intervene: the participant moves from
// uncertain to pre-committed. Round is 0 from the coordinator and the round
// number from a recovery coordinator.
type PreCommit struct {
	Tx    bank.TxID
	Round int
}

// Kind implements protocols.Message.
func (PreCommit) Kind() string { return "PreCommit" }

func (m PreCommit) String() string { return fmt.Sprintf("PreCommit{%s r%d}", m.Tx, m.Round) }

// Ack acknowledges a PreCommit of the same round.
type Ack struct {
	Tx    bank.TxID
	Round int
}

// Kind implements protocols.Message.
func (Ack) Kind() string { return "Ack" }

func (m Ack) String() string { return fmt.Sprintf("Ack{%s r%d}", m.Tx, m.Round) }

// DoCommit is the commit decision.
type DoCommit struct {
	Tx bank.TxID
}

// Kind implements protocols.Message.
func (DoCommit) Kind() string { return "DoCommit" }

func (m DoCommit) String() string { return fmt.Sprintf("DoCommit{%s}", m.Tx) }

// Abort is the abort decision.
type Abort struct {
	Tx bank.TxID
}

// Kind implements protocols.Message.
func (Abort) Kind() string { return "Abort" }

func (m Abort) String() string { return fmt.Sprintf("Abort{%s}", m.Tx) }

// HaveCommitted acknowledges a DoCommit, so the coordinator can stop
// resending it.
type HaveCommitted struct {
	Tx bank.TxID
}

// Kind implements protocols.Message.
func (HaveCommitted) Kind() string { return "HaveCommitted" }

func (m HaveCommitted) String() string { return fmt.Sprintf("HaveCommitted{%s}", m.Tx) }

// StateReq is a recovery coordinator, elected for Round, asking a
// participant for its state of the transaction.
type StateReq struct {
	Tx    bank.TxID
	Round int
}

// Kind implements protocols.Message.
func (StateReq) Kind() string { return "StateReq" }

func (m StateReq) String() string { return fmt.Sprintf("StateReq{%s r%d}", m.Tx, m.Round) }

// State answers StateReq with the participant's state and its current round
// (higher than the request's when a later recovery coordinator has taken
// over, which tells the requester to stand down).
type State struct {
	Tx    bank.TxID
	Round int
	State Phase
}

// Kind implements protocols.Message.
func (State) Kind() string { return "State" }

func (m State) String() string { return fmt.Sprintf("State{%s r%d %s}", m.Tx, m.Round, m.State) }

// Query is a restarted node asking the others whether the transaction was
// decided. Only a node that knows the outcome answers (with DoCommit or
// Abort); a participant that never voted aborts and says so.
type Query struct {
	Tx bank.TxID
}

// Kind implements protocols.Message.
func (Query) Kind() string { return "Query" }

func (m Query) String() string { return fmt.Sprintf("Query{%s}", m.Tx) }

// Phase is a participant's state of one transaction, as 3PC names it.
type Phase uint8

// The participant phases. Uncertain and PreCommitted are both "prepared"
// (in doubt, holding locks) in the bank ledger.
const (
	Initial      Phase = iota // not voted (or never heard of it)
	Uncertain                 // voted yes, waiting
	PreCommitted              // knows everyone voted yes
	Committed
	Aborted
)

func (p Phase) String() string {
	switch p {
	case Initial:
		return "initial"
	case Uncertain:
		return "uncertain"
	case PreCommitted:
		return "precommitted"
	case Committed:
		return "committed"
	case Aborted:
		return "aborted"
	}
	return "phase?"
}

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it.

// AppendHash implements protocols.HashAppender: not the client, which
// String leaves out.
func (m CanCommit) AppendHash(h *protocols.Hash) {
	h.String(string(m.Tx))
	bank.HashWrites(h, m.Writes)
	bank.HashIDs(h, m.Participants)
}

// AppendHash implements protocols.HashAppender.
func (m Vote) AppendHash(h *protocols.Hash) {
	h.String(string(m.Tx))
	h.Bool(m.Yes)
}

// AppendHash implements protocols.HashAppender.
func (m PreCommit) AppendHash(h *protocols.Hash) {
	h.String(string(m.Tx))
	h.Int(m.Round)
}

// AppendHash implements protocols.HashAppender.
func (m Ack) AppendHash(h *protocols.Hash) {
	h.String(string(m.Tx))
	h.Int(m.Round)
}

// AppendHash implements protocols.HashAppender.
func (m DoCommit) AppendHash(h *protocols.Hash) { h.String(string(m.Tx)) }

// AppendHash implements protocols.HashAppender.
func (m Abort) AppendHash(h *protocols.Hash) { h.String(string(m.Tx)) }

// AppendHash implements protocols.HashAppender.
func (m HaveCommitted) AppendHash(h *protocols.Hash) { h.String(string(m.Tx)) }

// AppendHash implements protocols.HashAppender.
func (m StateReq) AppendHash(h *protocols.Hash) {
	h.String(string(m.Tx))
	h.Int(m.Round)
}

// AppendHash implements protocols.HashAppender: the phase as its number.
func (m State) AppendHash(h *protocols.Hash) {
	h.String(string(m.Tx))
	h.Int(m.Round)
	h.Uint64(uint64(m.State))
}

// AppendHash implements protocols.HashAppender.
func (m Query) AppendHash(h *protocols.Hash) { h.String(string(m.Tx)) }
