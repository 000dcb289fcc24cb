package twopc

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Prepare asks a participant to prepare its part of a transaction: lock the
// accounts, check the funds, persist, and vote. Participants names every
// participant of the transaction (for the checks and the UI).
type Prepare struct {
	Tx           bank.TxID
	Writes       []bank.Write
	Participants []protocols.NodeID
}

// Kind implements protocols.Message.
func (Prepare) Kind() string { return "Prepare" }

func (m Prepare) String() string {
	return fmt.Sprintf("Prepare{%s %s %s}", m.Tx, bank.FormatWrites(m.Writes), bank.FormatIDs(m.Participants))
}

// Vote is a participant's answer to Prepare. A yes is a promise: the
// participant has persisted its prepared state and will commit if told to.
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

// Decision carries the coordinator's outcome: commit or abort.
type Decision struct {
	Tx     bank.TxID
	Commit bool
}

// Kind implements protocols.Message.
func (Decision) Kind() string { return "Decision" }

func (m Decision) String() string {
	if m.Commit {
		return fmt.Sprintf("Decision{%s commit}", m.Tx)
	}
	return fmt.Sprintf("Decision{%s abort}", m.Tx)
}

// Ack tells the coordinator a participant has applied a commit, so it can
// stop resending the decision. Aborts are not acknowledged: under presumed
// abort the coordinator never needs to know.
type Ack struct {
	Tx bank.TxID
}

// Kind implements protocols.Message.
func (Ack) Kind() string { return "Ack" }

func (m Ack) String() string { return fmt.Sprintf("Ack{%s}", m.Tx) }

// Query is a prepared participant asking the coordinator for the decision,
// after a restart or while it waits.
type Query struct {
	Tx bank.TxID
}

// Kind implements protocols.Message.
func (Query) Kind() string { return "Query" }

func (m Query) String() string { return fmt.Sprintf("Query{%s}", m.Tx) }

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it.

// AppendHash implements protocols.HashAppender.
func (m Prepare) AppendHash(h *protocols.Hash) {
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
func (m Decision) AppendHash(h *protocols.Hash) {
	h.String(string(m.Tx))
	h.Bool(m.Commit)
}

// AppendHash implements protocols.HashAppender.
func (m Ack) AppendHash(h *protocols.Hash) { h.String(string(m.Tx)) }

// AppendHash implements protocols.HashAppender.
func (m Query) AppendHash(h *protocols.Hash) { h.String(string(m.Tx)) }
