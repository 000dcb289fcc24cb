package multi

import (
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Notes are what a server tells the monitors and the UI about itself. They
// never reach other nodes and nothing in the protocol reads them back.

// Prepared is noted when a server becomes a candidate: it starts phase 1
// for every slot from From on, with Ballot.
type Prepared struct {
	Ballot Ballot
	From   int
}

// String renders the note as prepared ballot=302 from=7.
func (n Prepared) String() string {
	return "prepared ballot=" + n.Ballot.String() + " from=" + strconv.Itoa(n.From)
}

// Promised is noted when an acceptor promises Ballot (to another server, or
// to itself as a candidate).
type Promised struct{ Ballot Ballot }

// String renders the note as promised ballot=302.
func (n Promised) String() string { return "promised ballot=" + n.Ballot.String() }

// Voted is noted when an acceptor accepts Cmd in Ballot for Slot.
type Voted struct {
	Slot   int
	Ballot Ballot
	Cmd    kv.Request
}

// String renders the note as voted 7/302 c1#3 put(k1,c1.3).
func (n Voted) String() string {
	return "voted " + strconv.Itoa(n.Slot) + "/" + n.Ballot.String() + " " + cmdText(n.Cmd)
}

// BecameLeader is noted when a candidate has its phase-1 quorum: the
// promises of Quorum for Ballot, covering every slot from From on.
type BecameLeader struct {
	Ballot Ballot
	From   int
	Quorum []protocols.NodeID
}

// String renders the note as became-leader ballot=302 from=7 promises=n1,n2,n3.
func (n BecameLeader) String() string {
	ids := make([]string, len(n.Quorum))
	for i, id := range n.Quorum {
		ids[i] = string(id)
	}
	return "became-leader ballot=" + n.Ballot.String() + " from=" + strconv.Itoa(n.From) + " promises=" + strings.Join(ids, ",")
}

// Proposed is noted when a leader proposes Cmd for Slot in Ballot (once per
// slot and ballot; retransmissions are not noted).
type Proposed struct {
	Slot   int
	Ballot Ballot
	Cmd    kv.Request
}

// String renders the note as proposed 7/302 c1#3 put(k1,c1.3).
func (n Proposed) String() string {
	return "proposed " + strconv.Itoa(n.Slot) + "/" + n.Ballot.String() + " " + cmdText(n.Cmd)
}

// Decided is noted when a replica learns that Cmd was decided for Slot.
type Decided struct {
	Slot int
	Cmd  kv.Request
}

// String renders the note as decided 7 c1#3 put(k1,c1.3).
func (n Decided) String() string { return "decided " + strconv.Itoa(n.Slot) + " " + cmdText(n.Cmd) }

// Applied is noted for every decided slot a replica executes, in slot
// order, again after a restart (the state machine is rebuilt from the
// decisions). Term is the ballot under which the replica learned the slot.
type Applied = kv.Applied

// The coverage probes a server reports with Effects.Probe.
const (
	ProbeLeaderElected    = "leader-elected"          // a candidate won phase 1
	ProbeRecovered        = "recovered-accepted"      // a new leader re-proposed a value it found accepted in the promises
	ProbeGapFilled        = "gap-filled-noop"         // a new leader filled a hole below a recovered slot with a no-op
	ProbePreempted        = "preempted"               // a candidate or leader was refused because of a higher ballot
	ProbeStepDown         = "leader-step-down"        // a leader saw a higher ballot and stopped leading
	ProbeCandidateTimeout = "candidate-timeout"       // phase 1 got no quorum in time; a higher ballot follows
	ProbeCatchUp          = "catch-up"                // a leader sent a lagging replica decisions it lacked
	ProbeDuplicateRequest = "duplicate-request"       // a retried request was answered from the dedup table
	ProbeRestartRecovered = "restart-recovered"       // a server restarted with durable state to recover
	ProbeNotLeader        = "not-leader-redirect"     // a non-leader turned a client away
	ProbeOutOfOrder       = "decided-out-of-order"    // a slot was decided before an earlier one
	ProbeCommitFromBallot = "decided-by-commit-point" // a replica learned a slot from the leader's commit point
)

// Probes lists every probe name a server can report.
var Probes = []string{
	ProbeLeaderElected, ProbeRecovered, ProbeGapFilled, ProbePreempted, ProbeStepDown, ProbeCandidateTimeout,
	ProbeCatchUp, ProbeDuplicateRequest, ProbeRestartRecovered, ProbeNotLeader, ProbeOutOfOrder, ProbeCommitFromBallot,
}
