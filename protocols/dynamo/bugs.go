package dynamo

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugRepairOverwritesNewer = "repair-overwrites-newer"
	BugHintsNeverDelivered   = "hints-never-delivered"
)

// Bugs lists Dynamo's bug variants. Each is a switch read at the one place
// where it bites (search for "BUG " in this package).
var Bugs = []protocols.Bug{
	{Name: BugRepairOverwritesNewer, Description: "A replica applies a read repair without comparing " +
		"versions: the repair carries the newest version the read saw, but by the time it arrives " +
		"the replica may hold a newer write, which the repair then overwrites with an older " +
		"version. version-monotonic catches the replica's version going down; the newer write can " +
		"be lost for good. Read repair racing concurrent writes is a known source of resurrected " +
		"or lost data in Dynamo-style stores (Cassandra CASSANDRA-10726 and related tickets made " +
		"read repair blocking and version-checked). Scenario dynamo/repair-race."},
	{Name: BugHintsNeverDelivered, Description: "A server standing in for a home replica (sloppy " +
		"quorum) stores the hinted write but never hands it off. A write acknowledged only by " +
		"stand-ins never reaches its home replicas: once the partition heals, reads miss it and it " +
		"is lost. The hinted-handoff check catches hints still held long after healing, " +
		"acked-write-lost the write gone. Cassandra's hint delivery has stalled in production for " +
		"this class of reason (paused or failed hint dispatch, CASSANDRA-13255 and others); " +
		"Dynamo itself warns that hinted handoff is not enough without anti-entropy. Scenario " +
		"dynamo/sloppy-quorum."},
}

// ErrUnknownBug is returned (wrapped) for a bug name not in Bugs.
var ErrUnknownBug = errors.New("unknown bug variant")

type bugs struct {
	repairOverwritesNewer bool
	hintsNeverDelivered   bool
}

func parseBug(name string) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugRepairOverwritesNewer:
		b.repairOverwritesNewer = true
	case BugHintsNeverDelivered:
		b.hintsNeverDelivered = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
