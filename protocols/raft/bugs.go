package raft

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugCommitOldTerm        = "commit-old-term"
	BugVoteWithoutLogCheck  = "vote-without-log-check"
	BugForgetVote           = "forget-vote"
	BugStaleAppendTruncates = "stale-append-truncates"
	BugIgnoreHigherTerm     = "ignore-higher-term"
	BugLocalReads           = "local-reads"
)

// Bugs lists Raft's bug variants. Each is a switch read at the one or two
// places where it bites (search for "BUG " in this package), so the correct
// code reads cleanly.
var Bugs = []protocols.Bug{
	{Name: BugCommitOldTerm, Description: "A leader commits entries from earlier terms as soon as they are on a majority, " +
		"ignoring Figure 8's rule that only entries of its own term commit by counting replicas; and, " +
		"as the no-op on election exists to serve that rule, it appends none. This is the paper's " +
		"Figure 8: a later leader whose log lacks such an entry can be elected and overwrite it. " +
		"commit-current-term catches the rule broken; leader-completeness and state-machine-safety " +
		"catch the harm (scenario figure8)."},
	{Name: BugVoteWithoutLogCheck, Description: "A server grants its vote without checking that the candidate's " +
		"log is at least as up to date as its own (§5.4.1), so a candidate missing committed " +
		"entries can win; leader-completeness catches it."},
	{Name: BugForgetVote, Description: "currentTerm and votedFor are kept only in memory: a restarted server " +
		"is back at term 0 and may vote a second time in a term; term-monotonic and vote-once " +
		"catch it, and two leaders in one term can follow."},
	{Name: BugStaleAppendTruncates, Description: "A follower deletes everything after PrevIndex before appending, " +
		"even when the entries already match, so a stale or duplicated AppendEntries erases " +
		"entries it acknowledged since and that may be committed. needless-truncation catches " +
		"the deletion; leader-completeness or acked-write-lost catch a committed entry lost."},
	{Name: BugIgnoreHigherTerm, Description: "A leader that sees a higher term in a reply adopts the term but " +
		"keeps acting as leader instead of stepping down, so two servers lead in one term; " +
		"election-safety catches it."},
	{Name: BugLocalReads, Description: "A leader answers a get from its own state machine at once, without " +
		"putting it through the log or confirming with a round of heartbeats that it still leads (§8: a " +
		"leader must check that it has not been deposed before answering a read-only request). A deposed " +
		"leader cut off from the majority goes on answering from stale state, so a read misses a write a " +
		"newer leader committed; only the linearizability check sees it. Jepsen found this in etcd 0.4 and " +
		"Consul 0.1 (Kingsbury, \"Call me maybe: etcd and Consul\", 2014); etcd answered with quorum reads, " +
		"later ReadIndex (scenario local-reads)."},
}

// ErrUnknownBug is returned (wrapped) for a bug name not in Bugs.
var ErrUnknownBug = errors.New("unknown bug variant")

// bugs holds the switches; the zero value is correct Raft.
type bugs struct {
	commitOldTerm        bool
	voteWithoutLogCheck  bool
	forgetVote           bool
	staleAppendTruncates bool
	ignoreHigherTerm     bool
	localReads           bool
}

func parseBug(name string) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugCommitOldTerm:
		b.commitOldTerm = true
	case BugVoteWithoutLogCheck:
		b.voteWithoutLogCheck = true
	case BugForgetVote:
		b.forgetVote = true
	case BugStaleAppendTruncates:
		b.staleAppendTruncates = true
	case BugIgnoreHigherTerm:
		b.ignoreHigherTerm = true
	case BugLocalReads:
		b.localReads = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
