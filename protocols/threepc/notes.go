package threepc

// The probes this package reports (see Probes).
const (
	ProbeVoteNoConflict       = "vote-no-conflict"
	ProbeVoteNoFunds          = "vote-no-funds"
	ProbeVoteTimeout          = "vote-timeout"
	ProbeAckTimeoutCommit     = "ack-timeout-commit"
	ProbeTerminationRan       = "termination-protocol-ran"
	ProbeTerminationCommit    = "termination-commit"
	ProbeTerminationAbort     = "termination-abort"
	ProbeCoordinatorRecovered = "coordinator-recovered"
	ProbeDecisionAdopted      = "decision-adopted"
	ProbeParticipantRecovered = "participant-recovered-prepared"
	ProbeConflictingDecision  = "conflicting-decision"
)

// Probes lists the coverage probes the nodes report:
//
//   - vote-no-conflict, vote-no-funds: a participant refused to prepare
//   - vote-timeout: the coordinator aborted because votes were missing
//   - ack-timeout-commit: the coordinator committed although some
//     participant never acknowledged PreCommit (presumed crashed; at least
//     one other did)
//   - termination-protocol-ran: a participant, suspecting the coordinator,
//     became recovery coordinator and collected states
//   - termination-commit, termination-abort: a recovery coordinator decided
//   - coordinator-recovered: a restarted coordinator found unfinished
//     transactions in its log
//   - decision-adopted: the coordinator learned an outcome it had not
//     decided itself (from a recovery coordinator, or by asking after a restart)
//   - participant-recovered-prepared: a participant restarted in doubt and
//     asked the others
//   - conflicting-decision: a participant received a decision opposite to
//     the one it had applied: the partition result, atomicity is lost
var Probes = []string{
	ProbeVoteNoConflict, ProbeVoteNoFunds, ProbeVoteTimeout, ProbeAckTimeoutCommit,
	ProbeTerminationRan, ProbeTerminationCommit, ProbeTerminationAbort,
	ProbeCoordinatorRecovered, ProbeDecisionAdopted, ProbeParticipantRecovered, ProbeConflictingDecision,
}
