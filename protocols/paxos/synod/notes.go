package synod

import (
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// Notes are what a node tells the monitors and the UI about itself. They
// never reach other nodes and nothing in the protocol reads them back.

// Prepared is noted when a proposer starts phase 1 with Ballot.
type Prepared struct{ Ballot Ballot }

// String renders the note as prepared ballot=302.
func (n Prepared) String() string { return "prepared ballot=" + n.Ballot.String() }

// Promised is noted when an acceptor sends a promise for Ballot.
type Promised struct{ Ballot Ballot }

// String renders the note as promised ballot=302.
func (n Promised) String() string { return "promised ballot=" + n.Ballot.String() }

// Voted is noted when an acceptor accepts Value in Ballot (Lamport's papers
// call an acceptance a vote).
type Voted struct {
	Ballot Ballot
	Value  string
}

// String renders the note as voted ballot=302 value=v1.
func (n Voted) String() string { return "voted ballot=" + n.Ballot.String() + " value=" + n.Value }

// Proposed is noted when a proposer sends its accept requests: Value in
// Ballot, chosen from the promises of Quorum.
type Proposed struct {
	Ballot Ballot
	Value  string
	Quorum []protocols.NodeID
}

// String renders the note as proposed ballot=302 value=v1 promises=n1,n2,n3.
func (n Proposed) String() string {
	ids := make([]string, len(n.Quorum))
	for i, id := range n.Quorum {
		ids[i] = string(id)
	}
	return "proposed ballot=" + n.Ballot.String() + " value=" + n.Value + " promises=" + strings.Join(ids, ",")
}

// Learned is noted when a node learns the chosen value: a learner from a
// quorum of acceptances or a Chosen message, a proposer when its own round
// succeeds.
type Learned struct{ Value string }

// String renders the note as learned value=v1.
func (n Learned) String() string { return "learned value=" + n.Value }

// The coverage probes a node reports with Effects.Probe.
const (
	ProbeAdopted        = "adopted-accepted-value" // a proposer proposed a value an acceptor had already accepted, not its own
	ProbePreempted      = "preempted"              // a proposer's round was refused because of a higher ballot
	ProbeDuel           = "duel"                   // a proposer was preempted twice in a row: duelling proposers
	ProbeRoundTimeout   = "round-timeout"          // a round got no quorum in time and was abandoned
	ProbeLearnedQuorum  = "learned-from-quorum"    // a learner counted a quorum of acceptances in one ballot
	ProbeLearnedAsk     = "learned-by-asking"      // a learner that had missed the outcome learned it by asking
	ProbeRestartRecover = "restart-recovered"      // a node restarted with durable state to recover
)

// Probes lists every probe name a node can report.
var Probes = []string{
	ProbeAdopted, ProbePreempted, ProbeDuel, ProbeRoundTimeout, ProbeLearnedQuorum, ProbeLearnedAsk, ProbeRestartRecover,
}
