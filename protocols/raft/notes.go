package raft

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Notes are what a server tells the monitors and the UI about itself. They
// never reach other nodes and nothing in the protocol reads them back.

// BecameLeader is noted when a candidate wins the election for Term.
type BecameLeader struct{ Term uint64 }

// String renders the note as became-leader term=3.
func (n BecameLeader) String() string { return "became-leader term=" + strconv.FormatUint(n.Term, 10) }

// Voted is noted when a server grants its vote in Term (to itself, as a
// candidate, or to another), at the moment the vote reply is sent.
type Voted struct {
	Term uint64
	For  protocols.NodeID
}

// String renders the note as voted term=3 for=n2.
func (n Voted) String() string {
	return "voted term=" + strconv.FormatUint(n.Term, 10) + " for=" + string(n.For)
}

// Applied is noted for every committed entry a server applies to its state
// machine, in index order, again after a restart (the state machine is
// rebuilt from the log). It is the KV service's shared note, so the shared
// convergence and exactly-once checks read Raft's applies too.
type Applied = kv.Applied

// Restored is noted when a server's state machine becomes a snapshot's: on
// a restart from a store that holds one, and on installing one a leader
// sent. It is the KV service's shared note.
type Restored = kv.Restored

// SnapshotTaken is noted when a server snapshots its state machine at Index
// (whose entry has term Term) and drops the log up to there.
type SnapshotTaken struct {
	Index int
	Term  uint64
}

// String renders the note as snapshot 120/3.
func (n SnapshotTaken) String() string {
	return "snapshot " + strconv.Itoa(n.Index) + "/" + strconv.FormatUint(n.Term, 10)
}

// The coverage probes a server reports with Effects.Probe.
const (
	ProbeLeaderElected     = "leader-elected"           // a candidate won an election
	ProbeLeaderChange      = "leader-change"            // a server saw a leader other than the one it knew before
	ProbeSplitVote         = "split-vote"               // a candidate's election timed out without a majority
	ProbeStepDown          = "leader-step-down"         // a leader saw a higher term and stepped down
	ProbeVoteDeniedLog     = "vote-denied-stale-log"    // a vote was refused because the candidate's log was behind
	ProbeLogTruncation     = "log-truncation"           // a follower deleted conflicting entries
	ProbeStaleAppend       = "stale-append-ignored"     // an AppendEntries brought only entries the follower had
	ProbeFastBackup        = "fast-backup"              // a rejection's hints let the leader skip back over more than one entry
	ProbeOldTermDeferred   = "old-term-commit-deferred" // a quorum held an earlier-term entry, which Figure 8's rule kept uncommitted
	ProbeCommitByNoop      = "commit-advanced-by-noop"  // a current-term entry committed earlier-term entries with it
	ProbeDuplicateRequest  = "duplicate-request"        // a retried request was answered from the dedup table
	ProbeRestartRecovered  = "restart-recovered"        // a server restarted with durable state to recover
	ProbeNotLeaderRedirect = "not-leader-redirect"      // a non-leader turned a client away with a hint
	ProbeLeaderStable      = "leader-stable"            // a leader stayed in office for 100 heartbeats

	ProbePreVote              = "pre-vote"                 // a server whose election timer fired asked for pre-votes
	ProbePreVoteFailed        = "pre-vote-failed"          // a pre-candidate's round timed out without a majority
	ProbePreVoteDeniedLeader  = "pre-vote-denied-leader"   // a voter refused a pre-vote: it heard from a leader within an election timeout
	ProbeVoteIgnoredInLease   = "vote-ignored-in-lease"    // with CheckQuorum, a member's request for votes came within an election timeout of a leader's message and was ignored
	ProbeVoteIgnoredNonMember = "vote-ignored-non-member"  // a request for votes in a later term came from a server outside the configuration and was ignored
	ProbeCheckQuorumStepDown  = "check-quorum-step-down"   // a leader that had not heard from a majority for an election timeout stepped down
	ProbeReadIndex            = "read-index"               // a leader confirmed its leadership with a heartbeat round before answering a read
	ProbeLeaseRead            = "lease-read"               // a leader answered a read at once under its lease
	ProbeReadWaitsForNoop     = "read-waits-for-noop"      // a read reached a new leader before it committed an entry of its term, and waited
	ProbeSnapshotTaken        = "snapshot-taken"           // a server snapshotted its state machine and compacted its log
	ProbeSnapshotSent         = "snapshot-sent"            // a leader began sending its snapshot to a follower that needed compacted entries
	ProbeSnapshotInstalled    = "snapshot-installed"       // a follower installed a snapshot a leader sent
	ProbeSnapshotStale        = "snapshot-stale-ignored"   // a follower ignored a snapshot that ended at or before its commit index
	ProbeConfigChange         = "config-change"            // a leader appended a configuration change
	ProbeConfigChangeRefused  = "config-change-refused"    // a leader refused a change: the previous one, or an entry of its term, was not committed yet
	ProbeLearnerPromoted      = "learner-promoted"         // a leader promoted a staging server that had caught up
	ProbeLeaderRemoved        = "leader-removed-step-down" // a leader committed its own removal and stepped down
	ProbeAdminIgnored         = "admin-ignored"            // an operator's command did not apply (not the leader, not a change of this configuration, unknown)
)

// CoreProbes lists the probes of basic Raft's own rules: what a service
// built on Raft (NewService) with none of the production features (PreVote,
// CheckQuorum, reads, snapshots, membership) can reach, and so what it
// declares, rather than Probes, whose features' probes and the KV
// service's (duplicate-request, not-leader-redirect) it could never fire.
var CoreProbes = []string{
	ProbeLeaderElected, ProbeLeaderChange, ProbeSplitVote, ProbeStepDown, ProbeVoteDeniedLog,
	ProbeLogTruncation, ProbeStaleAppend, ProbeFastBackup, ProbeOldTermDeferred, ProbeCommitByNoop,
	ProbeRestartRecovered, ProbeLeaderStable,
}

// Probes lists every probe name a Raft server can report, for sweeps that
// count how many runs reached each.
var Probes = []string{
	ProbeLeaderElected, ProbeLeaderChange, ProbeSplitVote, ProbeStepDown, ProbeVoteDeniedLog,
	ProbeLogTruncation, ProbeStaleAppend, ProbeFastBackup, ProbeOldTermDeferred, ProbeCommitByNoop,
	ProbeDuplicateRequest, ProbeRestartRecovered, ProbeNotLeaderRedirect, ProbeLeaderStable,
	ProbePreVote, ProbePreVoteFailed, ProbePreVoteDeniedLeader, ProbeVoteIgnoredInLease, ProbeVoteIgnoredNonMember, ProbeCheckQuorumStepDown,
	ProbeReadIndex, ProbeLeaseRead, ProbeReadWaitsForNoop,
	ProbeSnapshotTaken, ProbeSnapshotSent, ProbeSnapshotInstalled, ProbeSnapshotStale,
	ProbeConfigChange, ProbeConfigChangeRefused, ProbeLearnerPromoted, ProbeLeaderRemoved, ProbeAdminIgnored,
}
