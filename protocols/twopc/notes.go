package twopc

// The probes this package reports (see Probes).
const (
	ProbeVoteNoConflict       = "vote-no-conflict"
	ProbeVoteNoFunds          = "vote-no-funds"
	ProbeVoteTimeout          = "vote-timeout"
	ProbeDecisionResent       = "decision-resent"
	ProbeDuplicateSubmit      = "duplicate-submit"
	ProbePresumedAbort        = "presumed-abort"
	ProbeCoordinatorRecovered = "coordinator-recovered"
	ProbeParticipantRecovered = "participant-recovered-prepared"
	ProbeBlockedPrepared      = "blocked-prepared"
)

// Probes lists the coverage probes the nodes report:
//
//   - vote-no-conflict, vote-no-funds: a participant refused to prepare
//     (a lock was taken, or the withdrawal would overdraw)
//   - vote-timeout: the coordinator aborted because votes were missing
//   - decision-resent: the coordinator resent a commit nobody acknowledged
//   - duplicate-submit: a transaction ID the coordinator already knew arrived again
//   - presumed-abort: the coordinator answered abort for a transaction it
//     had no decision record for (after a crash, or never heard of)
//   - coordinator-recovered: a restarted coordinator found unfinished
//     transactions in its log and resumed them
//   - participant-recovered-prepared: a participant restarted while prepared
//     and asked for the decision
//   - blocked-prepared: a prepared participant asked BlockedAfter times and
//     heard nothing: it is blocked, holding its locks
var Probes = []string{
	ProbeVoteNoConflict, ProbeVoteNoFunds, ProbeVoteTimeout, ProbeDecisionResent, ProbeDuplicateSubmit,
	ProbePresumedAbort, ProbeCoordinatorRecovered, ProbeParticipantRecovered, ProbeBlockedPrepared,
}
