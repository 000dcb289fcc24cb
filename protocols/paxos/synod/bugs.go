package synod

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugIgnoreAccepted     = "ignore-accepted"
	BugAcceptKeepsPromise = "accept-keeps-promise"
	BugReuseBallot        = "reuse-ballot"
)

// Bugs lists single-decree Paxos's bug variants. Each is a switch read at
// the one place where it bites (search for "BUG " in this package), so the
// correct code reads cleanly.
var Bugs = []protocols.Bug{
	{Name: BugIgnoreAccepted, Description: "A proposer with a quorum of promises proposes its own value even when a " +
		"promise reports a value already accepted, instead of the value of the highest ballot among them " +
		"(Paxos Made Simple §2.2, P2c: finding that value is what phase 1 is for). A proposer that comes " +
		"after a value was chosen replaces it. proposal-safety catches the proposal at once; chosen-stable and " +
		"agreement catch the harm when it lands (scenario paxos/ignore-accepted). It is the mistake of reading " +
		"Paxos as \"reserve the acceptors, then send my value\"; course notes spell the rule out for that reason " +
		"(MIT 6.824's Paxos pseudocode: \"v' = va with highest na; choose own v otherwise\")."},
	{Name: BugAcceptKeepsPromise, Description: "An acceptor accepts a proposal whose ballot is at least its promise but " +
		"does not raise its promise to that ballot. That is the letter of Paxos Made Simple's acceptor rule, which " +
		"says when an acceptor may accept and not that accepting is a promise too; Marc Brooker's \"The Bug in " +
		"Paxos Made Simple\" (2021, after Michael Deardeuff's Stack Overflow answer) shows a chosen value lost to " +
		"it. An acceptor that missed a prepare but got the accept then holds an accepted ballot above its promise, " +
		"and may later accept a lower ballot, so its vote goes backwards. ScyllaDB's lightweight transactions had " +
		"this hole (scylladb#6139, 2020: an acceptor took an older ballot's proposal after accepting a newer one it " +
		"had never promised, and two conflicting transactions committed). promise-monotonic catches it " +
		"(scenario paxos/accept-keeps-promise)."},
	{Name: BugReuseBallot, Description: "A proposer keeps its round counter in memory only: after a restart it starts " +
		"again from round 1 and reuses ballots it already used, perhaps with a different value, and acceptors " +
		"that promised such a ballot take the second proposal under the same number. ballot-unique catches the " +
		"reuse at the first prepare after the restart (scenario paxos/reuse-ballot). Tencent's PhxPaxos was asked " +
		"exactly this (phxpaxos#145, 2018: its proposer persists nothing, so can a restart repeat a ballot?); it " +
		"avoids the trap by starting a restarted proposer above its own acceptor's persisted promise."},
}

// ErrUnknownBug is returned (wrapped) for a bug name not in Bugs.
var ErrUnknownBug = errors.New("unknown bug variant")

// bugs holds the switches; the zero value is correct Paxos.
type bugs struct {
	ignoreAccepted     bool
	acceptKeepsPromise bool
	reuseBallot        bool
}

func parseBug(name string) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugIgnoreAccepted:
		b.ignoreAccepted = true
	case BugAcceptKeepsPromise:
		b.acceptKeepsPromise = true
	case BugReuseBallot:
		b.reuseBallot = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
