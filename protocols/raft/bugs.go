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

	BugReadIndexBeforeNoop     = "read-index-before-noop"
	BugLeaseWithoutCheckQuorum = "lease-without-check-quorum"
	BugSnapshotWithoutSessions = "snapshot-without-sessions"
	BugSnapshotWithoutConfig   = "snapshot-without-config"
	BugEarlyConfigChange       = "early-config-change"
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
		"keeps acting as leader instead of stepping down, so two servers can lead in one term; " +
		"leader-unelected catches the leader at once, election-safety when another server wins that term."},
	{Name: BugLocalReads, Description: "A leader answers a get from its own state machine at once, without " +
		"putting it through the log or confirming with a round of heartbeats that it still leads (§8: a " +
		"leader must check that it has not been deposed before answering a read-only request). A deposed " +
		"leader cut off from the majority goes on answering from stale state, so a read misses a write a " +
		"newer leader committed; only the linearizability check sees it. Jepsen found this in etcd 0.4 and " +
		"Consul 0.1 (Kingsbury, \"Call me maybe: etcd and Consul\", 2014); etcd answered with quorum reads, " +
		"later ReadIndex (scenario local-reads)."},
	{Name: BugReadIndexBeforeNoop, Description: "A new leader serves reads without the log (ReadIndex, or under its lease) " +
		"before it has committed an entry of its own term. Its commit index may then lag what an earlier " +
		"leader committed, so a read at it misses a completed write: thesis §6.4 step 1 exists for this. " +
		"etcd raft shipped it (etcd-io/etcd#7331, \"ReadIndex may read stale value\", fixed by refusing " +
		"reads until the no-op commits); TiKV's raftstore had it again (tikv#6340, tikv#9208). stale-read " +
		"and linearizability catch it (scenario read-index-before-noop)."},
	{Name: BugLeaseWithoutCheckQuorum, Description: "A leader serving reads under a lease treats the lease as " +
		"valid for as long as it believes it leads, as etcd raft's lease-based reads do, but never steps " +
		"down when it stops hearing from a majority: CheckQuorum's step-down is missing. A leader cut off " +
		"from the majority, which clients can still reach, goes on answering reads from its lease while the " +
		"others elect a new leader and commit writes, until it happens to hear of a later term. etcd raft " +
		"refuses ReadOnlyLeaseBased without CheckQuorum for this reason; NebulaGraph served lease reads " +
		"without it (vesoft-inc/nebula#5352), and sofa-jraft's lease outlived the majority for two seconds " +
		"(sofastack/sofa-jraft#34). stale-read and linearizability catch it (scenario lease-without-check-quorum)."},
	{Name: BugSnapshotWithoutSessions, Description: "A snapshot holds the key-value data but not the dedup table " +
		"(each client's last request and result). A server restarted from it, or a follower that installs " +
		"it, executes a retried request a second time. MIT 6.824's key-value lab warns that the duplicate " +
		"detection state must be in the snapshot; exactly-once catches it (scenario snapshot-without-sessions)."},
	{Name: BugSnapshotWithoutConfig, Description: "A snapshot leaves out the configuration in force at its index: " +
		"a server restored from it (after a restart, or by installing it) goes back to the configuration the " +
		"cluster was started with, though changes since were compacted into the snapshot. It then counts votes " +
		"and majorities in a configuration that no longer exists: it can win an election with a majority of " +
		"it that is disjoint from the majority of the real one, and overwrite committed entries. Figure 13's " +
		"step 8 loads the snapshot's configuration for this reason; swarmkit learned it (moby/swarmkit#238, " +
		"\"Include cluster member list ... in snapshots\"), openraft's snapshot install kept a stale membership " +
		"with this result (databendlabs/openraft#1808), and d-engine rebuilt membership from its config file " +
		"on restart (deventlab/d-engine#431). disjoint-majorities, leader-completeness or election-safety catch " +
		"it (scenario snapshot-without-config)."},
	{Name: BugEarlyConfigChange, Description: "A leader starts a configuration change without first committing an entry " +
		"of its own term. A change an earlier leader appended but never committed may then survive in some " +
		"logs, and the new change, made on top of the committed configuration, can differ from it by two " +
		"servers: their majorities can be disjoint, and two leaders can commit different entries. This is the " +
		"bug Ongaro found in single-server membership changes (raft-dev, \"bug in single-server membership changes\", 2015); copycat (atomix/copycat#23) " +
		"and Axon Server (AxonIQ/axon-server-se#120) shipped the fix. config-change-rule catches the rule " +
		"broken; disjoint-majorities, leader-completeness and state-machine-safety the harm (scenario " +
		"membership-early-change)."},
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

	readIndexBeforeNoop     bool
	leaseWithoutCheckQuorum bool
	snapshotWithoutSessions bool
	snapshotWithoutConfig   bool
	earlyConfigChange       bool
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
	case BugReadIndexBeforeNoop:
		b.readIndexBeforeNoop = true
	case BugLeaseWithoutCheckQuorum:
		b.leaseWithoutCheckQuorum = true
	case BugSnapshotWithoutSessions:
		b.snapshotWithoutSessions = true
	case BugSnapshotWithoutConfig:
		b.snapshotWithoutConfig = true
	case BugEarlyConfigChange:
		b.earlyConfigChange = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
