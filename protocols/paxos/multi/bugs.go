package multi

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugSkipRecovery    = "skip-recovery"
	BugForgetPromise   = "forget-promise"
	BugCommitAnyBallot = "commit-any-ballot"
)

// Bugs lists Multi-Paxos's bug variants. Each is a switch read at the one
// place where it bites (search for "BUG " in this package), so the correct
// code reads cleanly.
var Bugs = []protocols.Bug{
	{Name: BugSkipRecovery, Description: "A new leader ignores the proposals the promises report: it treats every slot " +
		"it has not itself seen decided as a hole and fills it with a no-op, instead of proposing the value of the " +
		"highest ballot accepted there (Paxos Made Simple §3; Paxos Made Moderately Complex's pmax). A command a " +
		"quorum accepted, perhaps acknowledged to its client, is replaced. proposal-safety catches the first " +
		"unsafe proposal; chosen-stable, acked-write-lost and linearizability catch the harm (scenario " +
		"multipaxos/skip-recovery). It is the mistake of running leader election apart from phase 1, or of " +
		"taking \"not decided here\" for \"free\"."},
	{Name: BugForgetPromise, Description: "An acceptor persists what it accepts but keeps its promise in memory only, " +
		"as if a promise were soft state: after a restart its promise is back at the highest ballot it accepted, " +
		"and it can promise, and accept, a ballot below one it promised before the crash, letting an old leader's " +
		"proposal in behind a newer leader's recovery. promise-monotonic catches the promise going down at the " +
		"restart (scenario multipaxos/forget-promise). Paxos Made Live (Chandra, Griesemer and Redstone, 2007) " +
		"describes this hazard for replicas whose disks lose state, and its remedy (rejoin as a non-voting member " +
		"until a later instance completes) was itself shown unsafe by Michael, Ports, Sharma and Szekeres, " +
		"\"Recovering Shared Objects Without Stable Storage\" (DISC 2017)."},
	{Name: BugCommitAnyBallot, Description: "A replica told that the leader has decided every slot up to its commit " +
		"point marks each such slot decided with whatever it accepted there, in any ballot. Only a proposal " +
		"accepted in the leader's own ballot is the one the leader decided; an older ballot's proposal may never " +
		"have been chosen (the old leader was cut off) and a newer leader may have filled the slot with something " +
		"else. agreement catches the replica learning another command than the others did in that slot, " +
		"learn-chosen one learning a command nobody chose (scenario multipaxos/commit-any-ballot). Raft's version of the mistake is a " +
		"follower applying up to the leader's commit index without the log-matching check (copycat#265)."},
}

// ErrUnknownBug is returned (wrapped) for a bug name not in Bugs.
var ErrUnknownBug = errors.New("unknown bug variant")

// bugs holds the switches; the zero value is correct Multi-Paxos.
type bugs struct {
	skipRecovery    bool
	forgetPromise   bool
	commitAnyBallot bool
}

func parseBug(name string) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugSkipRecovery:
		b.skipRecovery = true
	case BugForgetPromise:
		b.forgetPromise = true
	case BugCommitAnyBallot:
		b.commitAnyBallot = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
