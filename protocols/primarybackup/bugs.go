package primarybackup

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugReplyBeforeAck    = "reply-before-ack"
	BugStaleViewForward  = "stale-view-forward"
	BugAckBeforeTransfer = "ack-before-transfer"
	BugAnyLivePrimary    = "any-live-primary"
)

var (
	bugReplyBeforeAck = protocols.Bug{Name: BugReplyBeforeAck, Description: "The primary answers a client as soon as it has " +
		"applied the operation, before its backup acknowledged it (rule 1 broken): the answer, and what other clients read, " +
		"can vanish when the backup takes over. v-sync catches the early answer at once; after a failover state-machine-safety, " +
		"acked-write-lost or the linearizability check catch the harm. MySQL's semi-synchronous replication did this until 5.7: with " +
		"rpl_semi_sync_master_wait_point=AFTER_COMMIT the primary commits, other sessions see the row, and only then does it wait " +
		"for the replica, so a failover loses writes others already read; 5.7 added AFTER_SYNC (scenario primary-backup/reply-before-ack)."}
	bugStaleViewForward = protocols.Bug{Name: BugStaleViewForward, Description: "A server accepts a state transfer or a " +
		"forward from a primary of an earlier view, as long as that view named it backup (rule 2 broken: the backup must check " +
		"the view). A deposed primary that has not heard of the new view overwrites the new primary's state with its own. " +
		"v-fwd catches the acceptance; state-machine-safety the harm (the new primary's log rewritten). It is the classic mistake in MIT 6.824's primary/backup lab " +
		"and the reason UW CSE 452's rules say 'the backup accepts forwarded requests only if the view is correct' " +
		"(scenario primary-backup/stale-view-forward)."}
	bugAckBeforeTransfer = protocols.Bug{Name: BugAckBeforeTransfer, Description: "A primary acknowledges a new view to the " +
		"view service at once, before its new backup has acknowledged the state transfer. If the primary then dies, the view " +
		"service promotes a backup that never received the state, and everything acknowledged so far is gone. " +
		"transfer-before-ack catches the early acknowledgement; replicated-write-lost or acked-write-lost the harm. 6.824 students meet it as " +
		"'the primary pings with the new viewnum before the backup has the database' (scenario primary-backup/ack-before-transfer)."}
	bugAnyLivePrimary = protocols.Bug{Name: BugAnyLivePrimary, Description: "When the primary dies, the view service " +
		"promotes the live server with the lowest name, not necessarily the backup (rule 3 broken: the primary of view i+1 " +
		"must have been primary or backup in view i). An idle server with no state becomes primary and serves an empty store. " +
		"v-chain catches the promotion; replicated-write-lost the harm. Failover by 'whoever answers first' is how ad-hoc " +
		"high-availability scripts lose data (scenario primary-backup/any-live-primary)."}
)

// SyncBugs are primary-backup's bug variants; AsyncBugs those of
// primary-backup-async, which has no acknowledgement to answer before, and
// whose chaos world has two replicas, where any live server but the
// primary is the backup (any-live-primary is the view service's, shown
// with the synchronous protocol).
var (
	SyncBugs  = []protocols.Bug{bugReplyBeforeAck, bugStaleViewForward, bugAckBeforeTransfer, bugAnyLivePrimary}
	AsyncBugs = []protocols.Bug{bugStaleViewForward, bugAckBeforeTransfer}
)

// ErrUnknownBug is returned (wrapped) for a bug name the protocol does not
// have.
var ErrUnknownBug = errors.New("unknown bug variant")

// bugs holds the switches; the zero value is correct code. Each is read at
// the one place it bites (search for "BUG ").
type bugs struct {
	replyBeforeAck    bool
	staleViewForward  bool
	ackBeforeTransfer bool
	anyLivePrimary    bool
}

func parseBug(name string, async bool) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugReplyBeforeAck:
		if async {
			return b, fmt.Errorf("%w %q: the asynchronous primary answers before the backup by design", ErrUnknownBug, name)
		}
		b.replyBeforeAck = true
	case BugStaleViewForward:
		b.staleViewForward = true
	case BugAckBeforeTransfer:
		b.ackBeforeTransfer = true
	case BugAnyLivePrimary:
		if async {
			return b, fmt.Errorf("%w %q: primary-backup-async does not have it (primary-backup shows the view service's bug)", ErrUnknownBug, name)
		}
		b.anyLivePrimary = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
