package bank

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// Outcome is what a client learns about its transfer.
type Outcome uint8

// The outcomes a client reports. Unknown means the client gave up waiting:
// the transfer may or may not have committed, and the checks must treat it
// so.
const (
	OutcomeUnknown Outcome = iota
	OutcomeCommitted
	OutcomeAborted
)

func (o Outcome) String() string {
	switch o {
	case OutcomeCommitted:
		return "committed"
	case OutcomeAborted:
		return "aborted"
	}
	return "unknown"
}

// Submit asks the coordinator to run a transfer as transaction Tx.
type Submit struct {
	Tx       TxID
	Transfer Transfer
}

// Kind implements protocols.Message.
func (Submit) Kind() string { return "Submit" }

func (m Submit) String() string { return fmt.Sprintf("Submit{%s %s}", m.Tx, m.Transfer) }

// Result tells a client how its transaction ended. Only a decided outcome is
// ever sent (committed or aborted).
type Result struct {
	Tx      TxID
	Outcome Outcome
}

// Kind implements protocols.Message.
func (Result) Kind() string { return "Result" }

func (m Result) String() string { return fmt.Sprintf("Result{%s %s}", m.Tx, m.Outcome) }

// Order tells a client to submit this transfer (queued behind its current
// one). Scripts and hand-written scenarios use it to choose the workload; a
// client in random mode accepts orders too.
type Order struct {
	Transfer Transfer
}

// Kind implements protocols.Message.
func (Order) Kind() string { return "Order" }

func (m Order) String() string { return fmt.Sprintf("Order{%s}", m.Transfer) }

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it.

// AppendHash implements protocols.HashAppender.
func (m Submit) AppendHash(h *protocols.Hash) {
	h.String(string(m.Tx))
	m.Transfer.AppendHash(h)
}

// AppendHash implements protocols.HashAppender: the outcome as its number.
// Numbers past aborted show as unknown, like none, but only decided
// outcomes are sent.
func (m Result) AppendHash(h *protocols.Hash) {
	h.String(string(m.Tx))
	h.Uint64(uint64(m.Outcome))
}

// AppendHash implements protocols.HashAppender.
func (m Order) AppendHash(h *protocols.Hash) { m.Transfer.AppendHash(h) }
