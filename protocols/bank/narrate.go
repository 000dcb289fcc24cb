package bank

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The words the atomic-commit protocols share for the terminal UI and
// reports: their clients' events, the moments every participant's notes
// mark, and what the bank's status fields mean.

// NarrateClient tells one event of a bank client in a line, or returns ""
// for a server's event.
func NarrateClient(s protocols.Step) string {
	if s.Server {
		return ""
	}
	id := s.Node
	var reported, submitted string
	for _, n := range s.Notes {
		switch n := n.(type) {
		case Reported:
			switch n.Outcome {
			case OutcomeUnknown:
				reported = fmt.Sprintf("%s gave up waiting for %s: its outcome is unknown to the client (it may still commit)", id, n.Tx)
			default:
				reported = fmt.Sprintf("%s learns that %s %s", id, n.Tx, n.Outcome)
			}
		case Submitted:
			submitted = fmt.Sprintf("%s submits transfer %s (%s) to the coordinator", id, n.Tx, n.Transfer)
		}
	}
	switch {
	case reported != "" && submitted != "":
		return reported + "; " + submitted
	case reported != "":
		return reported
	case submitted != "":
		return submitted
	case s.Input == protocols.Start && s.Restart:
		return fmt.Sprintf("client %s restarts", id)
	case s.Input == protocols.Start:
		return fmt.Sprintf("client %s starts; it will submit transfers one at a time", id)
	case s.Input == protocols.Receive:
		return fmt.Sprintf("%s ignores a late %s", id, s.Msg)
	}
	return ""
}

// Moments are the teaching moments every atomic-commit run shares: a
// participant commits or aborts (its decision, final), and a coordinator
// decides.
func Moments(ev protocols.Event) []protocols.Moment {
	var out []protocols.Moment
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case Finished:
			if n.Commit {
				out = append(out, protocols.Moment{Kind: "commit", Node: n.Node, Text: fmt.Sprintf("participant %s commits %s: its decision is final", n.Node, n.Tx)})
			} else {
				out = append(out, protocols.Moment{Kind: "abort", Node: n.Node, Text: fmt.Sprintf("participant %s aborts %s: its decision is final", n.Node, n.Tx)})
			}
		case Decided:
			verb := "abort"
			if n.Commit {
				verb = "commit"
			}
			out = append(out, protocols.Moment{Kind: "decided", Node: n.Node, Text: fmt.Sprintf("%s decides to %s %s", n.Node, verb, n.Tx)})
		}
	}
	return out
}

// Fields explains the bank's status fields, shared by 2PC and 3PC.
var Fields = []protocols.FieldHelp{
	{Name: "locks", Help: "which accounts are locked, and by which transaction (a1:c2.3): a locked account takes no other transfer until the transaction ends"},
	{Name: "balances", Help: "the participant's accounts and their committed balances"},
	{Name: "txs", Help: "how many transactions the coordinator knows"},
	{Name: "unacked", Help: "committed transactions some participant has not acknowledged yet: the coordinator resends their decision"},
	{Name: "collecting", Help: "transactions whose votes the coordinator is still collecting"},
	{Name: "waiting", Help: "the client's transaction in progress (c1.3: client c1's 3rd), - when none"},
	{Name: "committed", Help: "how many of the client's transfers it heard commit"},
	{Name: "aborted", Help: "how many of the client's transfers it heard abort"},
	{Name: "unknown", Help: "how many of its transfers the client gave up waiting for: their outcome is unknown to it"},
	{Name: "commits", Help: "how many transactions the node has seen commit (these protocols have no terms)"},
}

// Glossary explains the words the atomic-commit protocols share.
var Glossary = []protocols.FieldHelp{
	{Name: "Submit", Help: "a client asks the coordinator to run a transfer as a transaction"},
	{Name: "Result", Help: "the coordinator tells a client how its transaction ended"},
	{Name: "Order", Help: "a script's instruction to a client: submit this transfer next"},
	{Name: "next", Help: "a client's timer: time to submit its next transfer"},
	{Name: "timeout", Help: "a client's timer: it stops waiting, and reports the outcome unknown"},
	{Name: "c1.5", Help: "a transaction ID: client c1's 5th transfer"},
	{Name: "a1:105", Help: "account a1 with balance 105"},
	{Name: "atomicity", Help: "every participant of a transaction decides the same way: all commit or all abort"},
	{Name: "in doubt", Help: "a participant that voted yes and does not yet know the decision: it must not decide alone"},
}
