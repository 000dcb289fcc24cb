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
		"be lost for good. A repair must be an ordinary versioned write, merged like any other " +
		"(Dynamo reconciles by version; Cassandra merges repairs by timestamp); one that is not " +
		"races the writes it was meant to help. Scenario dynamo/repair-race."},
	{Name: BugHintsNeverDelivered, Description: "A server standing in for a home replica (sloppy " +
		"quorum) stores the hinted write but never hands it off. A write acknowledged only by " +
		"stand-ins never reaches its home replicas: once the partition heals, reads miss it and it " +
		"is lost. The hinted-handoff check catches hints still held long after healing, " +
		"acked-write-lost the write gone. Hints that stay undelivered (a stalled or disabled hint " +
		"dispatcher) are a known operational failure of Dynamo-style stores, and why Dynamo " +
		"(§4.7) adds Merkle-tree anti-entropy on top of hinted handoff. Scenarios " +
		"dynamo/lost-hints and dynamo/sloppy-quorum."},
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
