package pbft

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols/kv"
)

// Notes are what a replica tells the monitors and the UI about itself. They
// never reach other nodes and nothing in the protocol reads them back. The
// monitors read only the notes of correct replicas.

// Applied is noted for every sequence number a replica executes, in order
// (kv's shared note: Index is the sequence number, Term the view in which
// the request committed, a zero Req the null request).
type Applied = kv.Applied

// PrePrepared is noted when a replica accepts a pre-prepare (a backup), sends
// one (the primary), or takes one from a new-view message.
type PrePrepared struct {
	View, Seq, Digest uint64
}

// String renders the note as pre-prepared v=1 n=5 d=3fa2c1.
func (n PrePrepared) String() string {
	return "pre-prepared " + string(appendVND(nil, n.View, n.Seq, n.Digest))
}

// Committed is noted when a request commits at a replica: its own commit
// quorum, or a commit certificate from another replica.
type Committed struct {
	View, Seq, Digest uint64
	Req               kv.Request // zero for the null request
}

// String renders the note as committed v=1 n=5 d=3fa2c1.
func (n Committed) String() string {
	return "committed " + string(appendVND(nil, n.View, n.Seq, n.Digest))
}

// Checkpointed is noted when a replica takes a checkpoint: its state after
// executing Seq has digest State.
type Checkpointed struct{ Seq, State uint64 }

// String renders the note as checkpoint n=16 state=3fa2c1.
func (n Checkpointed) String() string {
	return "checkpoint n=" + strconv.FormatUint(n.Seq, 10) + " state=" + shortDigest(n.State)
}

// Stabilized is noted when a replica adopts a stable checkpoint, proved by
// 2f+1 checkpoint messages (its own quorum, a new-view or a state transfer).
type Stabilized struct{ Seq, State uint64 }

// String renders the note as stable n=16 state=3fa2c1.
func (n Stabilized) String() string {
	return "stable n=" + strconv.FormatUint(n.Seq, 10) + " state=" + shortDigest(n.State)
}

// Installed is noted when a replica takes a stable checkpoint's state from
// another replica instead of executing up to it: its execution jumps to
// Seq. It counts as applying Seq for the shared convergence check.
type Installed struct{ Seq, State uint64 }

// String renders the note as installed n=16 state=3fa2c1.
func (n Installed) String() string {
	return "installed n=" + strconv.FormatUint(n.Seq, 10) + " state=" + shortDigest(n.State)
}

// AppliedIndex implements protocols.AppliedNote.
func (n Installed) AppliedIndex() int { return int(n.Seq) }

// Restored is noted when a replica starts: it rebuilt its state machine
// from its last stable checkpoint on disk (Seq 0: the empty state) and
// executes onward from Seq+1.
type Restored struct{ Seq, State uint64 }

// String renders the note as restored n=16 state=3fa2c1.
func (n Restored) String() string {
	return "restored n=" + strconv.FormatUint(n.Seq, 10) + " state=" + shortDigest(n.State)
}

// AppliedIndex implements protocols.AppliedNote.
func (n Restored) AppliedIndex() int { return int(n.Seq) }

// NewViewInstalled is noted when a replica enters View through a new-view
// message (view 0 needs none).
type NewViewInstalled struct{ View uint64 }

// String renders the note as new-view v=2.
func (n NewViewInstalled) String() string { return "new-view v=" + strconv.FormatUint(n.View, 10) }

// The coverage probes a replica reports with Effects.Probe.
const (
	ProbeViewChange        = "view-change"              // a replica started a view change
	ProbeViewChangeJoined  = "view-change-joined"       // f+1 others asked for a later view, and the replica joined them
	ProbeViewChangeTimeout = "view-change-timeout"      // 2f+1 asked for a view, but it was not installed in time: on to the next
	ProbeNewView           = "new-view"                 // a replica installed a view through a new-view message
	ProbeNewViewKept       = "new-view-kept-request"    // a new view re-proposed a request prepared in an earlier view
	ProbeNullRequest       = "null-request"             // a null request was executed, filling a gap a view change left
	ProbeEquivocation      = "equivocation-seen"        // a backup got two different pre-prepares for one view and sequence number
	ProbeConflictingVote   = "conflicting-vote-seen"    // a replica got two different votes from one replica for one slot
	ProbeBadSignature      = "bad-signature"            // a message or certificate failed a signature check and was dropped
	ProbeBadCertificate    = "bad-certificate"          // a certificate lacked a quorum of distinct valid signers
	ProbeBadNewView        = "bad-new-view"             // a new-view's pre-prepares differ from what its view changes imply
	ProbeBadRequest        = "bad-request"              // a request without its client's valid signature was dropped
	ProbeCheckpointStable  = "checkpoint-stable"        // a checkpoint became stable and the log below it was discarded
	ProbeStateTransfer     = "state-transfer"           // a replica took a stable checkpoint's state from another
	ProbeCommitCert        = "commit-certificate"       // a replica that fell behind executed on another's commit certificate
	ProbeRetransmit        = "retransmit"               // a client's retry made the primary resend a pre-prepare or a backup its votes
	ProbeReplyResent       = "reply-resent"             // a retried request that already executed was answered from the reply cache
	ProbeRelayed           = "request-relayed"          // a backup passed a client's request on to the primary
	ProbeWindowFull        = "window-full"              // the primary held a request until the high watermark moved
	ProbeFutureBuffered    = "future-message-buffered"  // a message for a view not yet installed was kept for later
	ProbeRestartRecovered  = "restart-recovered"        // a replica restarted with a log or a checkpoint on disk
	ProbeClientBroadcast   = "client-broadcast"         // a client's request timed out and it sent it to every replica
	ProbeViewChangeStuck   = "view-change-behind-stale" // a replica in a view change caught up on a lower view's commits
)

// Probes lists every probe name a replica or a PBFT client can report,
// beside the generic client's.
var Probes = []string{
	ProbeViewChange, ProbeViewChangeJoined, ProbeViewChangeTimeout, ProbeNewView, ProbeNewViewKept,
	ProbeNullRequest, ProbeEquivocation, ProbeConflictingVote, ProbeBadSignature, ProbeBadCertificate,
	ProbeBadNewView, ProbeBadRequest, ProbeCheckpointStable, ProbeStateTransfer, ProbeCommitCert,
	ProbeRetransmit, ProbeReplyResent, ProbeRelayed, ProbeWindowFull, ProbeFutureBuffered,
	ProbeRestartRecovered, ProbeClientBroadcast, ProbeViewChangeStuck,
}
