package multiprimary

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugNoTieBreak  = "lww-no-tie-break"
	BugDropSibling = "drop-sibling"
)

// Bugs lists the bug variants. Each is a switch read at the one place
// where it bites (search for "BUG " in this package).
var Bugs = []protocols.Bug{
	{Name: BugNoTieBreak, Description: "LWW compares stamps by their time only, without the writer " +
		"tie-break: of two writes stamped in the same millisecond at two servers, each server keeps " +
		"whichever reached it first, and the replicas disagree for good (until a later write). " +
		"merge catches a server whose value is not the highest stamp it has seen; convergence the " +
		"divergence. Every LWW store needs a deterministic tie-break for exactly this reason " +
		"(Cassandra documents that of two writes with one timestamp the greater value wins). " +
		"Scenario multi-primary/lww-tie."},
	{Name: BugDropSibling, Description: "On merging a version from a peer that is concurrent with the " +
		"siblings held, a server replaces them instead of keeping both: a version vector store " +
		"that silently turns into last-arrival-wins. An acknowledged write vanishes without any " +
		"client having seen it. merge catches the dropped sibling at once. Riak's early sibling " +
		"handling and client libraries that resolved siblings by picking one lost writes this way " +
		"(Kingsbury, Call me maybe: Riak, 2013). Scenario multi-primary/dropped-sibling."},
}

// ErrUnknownBug is returned (wrapped) for a bug name not in Bugs.
var ErrUnknownBug = errors.New("unknown bug variant")

type bugs struct {
	noTieBreak  bool
	dropSibling bool
}

func parseBug(name string) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugNoTieBreak:
		b.noTieBreak = true
	case BugDropSibling:
		b.dropSibling = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
