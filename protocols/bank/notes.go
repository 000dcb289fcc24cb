package bank

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The notes below are the ghost record the monitors keep: who voted what,
// who decided what, what each client was told. Nodes emit them at the moment
// the fact becomes true (a vote note in the same step that sends the vote),
// so the record survives crashes that wipe the nodes' own memory. Each
// renders as one stable line for traces and golden files.

// Submitted: a client sent a transfer to the coordinator.
type Submitted struct {
	Client   protocols.NodeID
	Tx       TxID
	Transfer Transfer
}

func (n Submitted) String() string { return fmt.Sprintf("submitted %s %s", n.Tx, n.Transfer) }

// Reported: a client learned (or gave up on) the outcome of its transaction.
type Reported struct {
	Client  protocols.NodeID
	Tx      TxID
	Outcome Outcome
}

func (n Reported) String() string { return fmt.Sprintf("reported %s %s", n.Tx, n.Outcome) }

// Voted: a participant sent its vote on a transaction. Participants lists
// every participant of the transaction, as the prepare request named them.
type Voted struct {
	Node         protocols.NodeID
	Tx           TxID
	Yes          bool
	Participants []protocols.NodeID
}

func (n Voted) String() string {
	v := "no"
	if n.Yes {
		v = "yes"
	}
	return fmt.Sprintf("voted %s %s %s", n.Node, n.Tx, v)
}

// Decided: a coordinator (or a 3PC recovery coordinator) decided the outcome
// of a transaction among Participants.
type Decided struct {
	Node         protocols.NodeID
	Tx           TxID
	Commit       bool
	Participants []protocols.NodeID
}

func (n Decided) String() string {
	return fmt.Sprintf("decided %s %s %s %s", n.Node, n.Tx, verb(n.Commit), FormatIDs(n.Participants))
}

// Finished: a participant committed (applied the writes) or aborted a
// transaction. This is the participant's decision; it must never change.
type Finished struct {
	Node   protocols.NodeID
	Tx     TxID
	Commit bool
}

func (n Finished) String() string {
	return fmt.Sprintf("finished %s %s %s", n.Node, n.Tx, verb(n.Commit))
}

func verb(commit bool) string {
	if commit {
		return "commit"
	}
	return "abort"
}
