package abd

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugNoWriteBack = "no-write-back"
	BugStaleAcks   = "stale-acks"
	BugNoTieBreak  = "no-tie-break"
)

// Bugs lists ABD's bug variants. Each is a switch read at the one place
// where it bites (search for "BUG " in this package).
var Bugs = []protocols.Bug{
	{Name: BugNoWriteBack, Description: "A read returns the highest-tagged value of its query phase at once, " +
		"without writing it back to a majority. That is a regular register, not an atomic one: a " +
		"read that sees a write still in progress on one server returns the new value, and a later " +
		"read whose majority misses that server returns the old one (the new-old inversion, " +
		"PROTOCOLS.md SC-A1). real-time-order catches the later read's lower tag, linearizability " +
		"the history. Dynamo-style stores without synchronous read repair behave so (Cassandra " +
		"documents that only blocking read repair gives monotonic quorum reads; Scylla issue " +
		"23754). Scenario abd/new-old-inversion."},
	{Name: BugStaleAcks, Description: "A coordinator matches a StoreAck to an operation by its key " +
		"instead of by the phase's ID, so a late acknowledgement of an earlier store of that key (a " +
		"previous operation's, or a duplicate) counts toward the current write: it returns before a " +
		"majority holds its tag (PROTOCOLS.md SC-A5). quorum catches it. Stateright's register " +
		"example keeps request IDs for exactly this reason; matching replies by key or by sender " +
		"alone is a classic bug of hand-written quorum code. Scenario abd/stale-acks."},
	{Name: BugNoTieBreak, Description: "Tags are compared by sequence number only, without the writer " +
		"tie-break: two writes that saw the same highest sequence number pick the same number, and " +
		"each server keeps whichever arrived first. Servers then disagree on the value of that " +
		"tag, and reads flip between them (PROTOCOLS.md SC-A2). real-time-order catches a read " +
		"whose tag is below one already returned. Timestamp-based stores hit the same collision " +
		"when two writes get one timestamp (Cassandra's equal-timestamp ties). Scenario " +
		"abd/concurrent-writers."},
}

// ErrUnknownBug is returned (wrapped) for a bug name not in Bugs.
var ErrUnknownBug = errors.New("unknown bug variant")

// bugs holds the switches; the zero value is correct ABD.
type bugs struct {
	noWriteBack bool
	staleAcks   bool
	noTieBreak  bool
}

func parseBug(name string) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugNoWriteBack:
		b.noWriteBack = true
	case BugStaleAcks:
		b.staleAcks = true
	case BugNoTieBreak:
		b.noTieBreak = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
