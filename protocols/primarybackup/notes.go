package primarybackup

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Notes are what nodes tell the monitors and the UI. They never reach other
// nodes and nothing in the protocol reads them back.

// NewView is noted by the view service when it creates a view.
type NewView struct{ View View }

// String renders the note as new-view 3:n2,n3.
func (n NewView) String() string { return "new-view " + n.View.String() }

// ViewAcked is noted by the view service when the primary of view Num
// acknowledges it.
type ViewAcked struct{ Num uint64 }

// String renders the note as view-acked 3.
func (n ViewAcked) String() string { return "view-acked " + strconv.FormatUint(n.Num, 10) }

// Accepted is noted by a server that takes a state transfer (Transfer) or
// a forward from From as the backup of view View; its log then holds Have
// entries.
type Accepted struct {
	View     uint64
	From     protocols.NodeID
	Have     int
	Transfer bool
}

// String renders the note as accepted view=3 from=n2 have=14 (transfer).
func (n Accepted) String() string {
	s := "accepted view=" + strconv.FormatUint(n.View, 10) + " from=" + string(n.From) + " have=" + strconv.Itoa(n.Have)
	if n.Transfer {
		s += " transfer"
	}
	return s
}

// Served is noted by a server when it answers a client OK, as the primary
// of view View: for the entry at Index, or from its dedup table (Index 0).
type Served struct {
	View   uint64
	Client protocols.NodeID
	Seq    uint64
	Index  int
}

// String renders the note as served view=3 c1#7 index=14.
func (n Served) String() string {
	return "served view=" + strconv.FormatUint(n.View, 10) + " " + string(n.Client) + "#" + strconv.FormatUint(n.Seq, 10) +
		" index=" + strconv.Itoa(n.Index)
}

// Reset is noted by a server whose state machine a state transfer threw
// away (the new log differs from what it had applied): it applies again
// from index 1.
type Reset struct{}

// String renders the note as reset.
func (Reset) String() string { return "reset" }

// Applied is the KV service's shared note, emitted for every entry a
// server applies, in index order (again from 1 after a restart or a Reset).
type Applied = kv.Applied

// The coverage probes nodes report with Effects.Probe.
const (
	ProbeViewChange        = "view-change"            // the view service created a view
	ProbeFailover          = "primary-failover"       // the view service promoted the backup
	ProbeBackupReplaced    = "backup-replaced"        // the view service replaced a dead backup
	ProbeBackupAdded       = "backup-added"           // the view service gave a backup-less primary a backup
	ProbeStuckUnacked      = "view-stuck-unacked"     // a change was due, but the primary had not acknowledged the view (rule 5)
	ProbeStuckNoBackup     = "view-stuck-no-backup"   // the primary died with no backup to promote
	ProbeStateTransfer     = "state-transfer"         // a primary sent its whole state to a new backup
	ProbeTransferReset     = "transfer-reset"         // a state transfer replaced state the backup had applied
	ProbeStaleFenced       = "stale-primary-fenced"   // a primary learned from its backup that a later view exists
	ProbeStaleRejected     = "stale-forward-rejected" // a server refused a transfer or forward of an earlier view
	ProbeForwardGap        = "forward-gap"            // a forward arrived past the end of the backup's log
	ProbeNotPrimary        = "not-primary-redirect"   // a server that is not primary turned a client away
	ProbeNotReady          = "primary-not-ready"      // a primary turned a client away until its backup has the state
	ProbeDuplicateRequest  = "duplicate-request"      // a retried request was answered from the dedup table
	ProbeRestartRecovered  = "restart-recovered"      // a server restarted with a log to recover
	ProbeViewServiceReboot = "view-service-restarted" // the view service restarted with a view to recover
	ProbeViewFromMessage   = "view-learned-from-peer" // a server took up a later view from a primary's message
	ProbeAsyncBackupBehind = "async-backup-behind"    // an asynchronous primary answered with its backup behind
)

// Probes lists every probe a node can report.
var Probes = []string{
	ProbeViewChange, ProbeFailover, ProbeBackupReplaced, ProbeBackupAdded, ProbeStuckUnacked, ProbeStuckNoBackup,
	ProbeStateTransfer, ProbeTransferReset, ProbeStaleFenced, ProbeStaleRejected, ProbeForwardGap, ProbeNotPrimary,
	ProbeNotReady, ProbeDuplicateRequest, ProbeRestartRecovered, ProbeViewServiceReboot, ProbeViewFromMessage,
	ProbeAsyncBackupBehind,
}
