package raft

import (
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The words for Raft's production features, beside narrate.go's: pre-votes,
// the contact phase of the election timer, CheckQuorum, reads without the
// log, snapshots and membership changes.

var featureFields = []protocols.FieldHelp{
	{Name: "snapshot", Help: "index/term of the server's latest snapshot: its state machine as of that entry; the log before it is compacted away"},
	{Name: "config", Help: "the configuration in the server's log: the voters, and (learner) or (staging) for members that receive the log without voting"},
}

var featureGlossary = []protocols.FieldHelp{
	{Name: "PreVote", Help: "a server whose election timer fired asks whether a voter would vote for it in term=T, the term after its own, without changing anyone's term (PreVote, thesis §9.6)"},
	{Name: "PreVoteReply", Help: "granted: the voter would vote (its log is not ahead, and it has not heard from a leader for an election timeout); rejected carries the voter's own term"},
	{Name: "InstallSnapshot", Help: "a chunk of the leader's snapshot for a follower that needs entries the leader compacted: snap=INDEX/TERM, the bytes at offset, done on the last"},
	{Name: "InstallSnapshotReply", Help: "how many bytes of the snapshot the follower holds (offset), so the leader sends the next chunk; done once it has installed it"},
	{Name: "round", Help: "in AppendEntries and its reply: the leader's round of heartbeats, echoed back, so the leader learns a majority still follows it after a read arrived (ReadIndex) or since a lease began"},
	{Name: "lease", Help: "a leader answers reads at once for a while after a majority acknowledged a round: shorter than the election timeout, measured on its own clock (timers lease0, lease1, ...)"},
	{Name: "contact", Help: "with PreVote or CheckQuorum the election timer first measures the shortest election timeout after the leader's last message; until it fires the server refuses pre-votes and ignores vote requests of later terms"},
	{Name: "learner", Help: "a member that receives the log but neither votes nor counts towards a majority; staging: a learner the leader promotes itself once it has caught up"},
	{Name: "spare", Help: "a server outside its configuration (not yet added, or removed): it does not campaign"},
}

// featureMoment is a teaching moment for one of the features' probes.
func featureMoment(id protocols.NodeID, probe string) (protocols.Moment, bool) {
	// A switch, not a map: the runner asks after every event with a probe.
	var text string
	switch probe {
	case ProbeCheckQuorumStepDown:
		text = "%s has not heard from a majority for an election timeout and steps down (CheckQuorum)"
	case ProbeVoteIgnoredInLease:
		text = "%s heard from a leader less than an election timeout ago and ignores a request for votes"
	case ProbeSnapshotInstalled:
		text = "%s installs a snapshot: its state machine becomes the leader's as of the snapshot"
	case ProbeConfigChange:
		text = "%s appends a configuration change: every server uses it from the moment it has it"
	case ProbeLeaderRemoved:
		text = "%s committed its own removal and steps down"
	case ProbeLearnerPromoted:
		text = "%s promotes a staging server that caught up: it votes from now on"
	default:
		return protocols.Moment{}, false
	}
	return protocols.Moment{Kind: probe, Text: fmt.Sprintf(text, id)}, true
}

// tellFeatureTimer tells the timer firings only the features have: the end
// of the contact phase, a pre-vote, a lease window closing.
func tellFeatureTimer(s protocols.Step) string {
	id, a, b := s.Node, s.After, s.Before
	switch {
	case strings.HasPrefix(s.Timer, "lease"):
		return fmt.Sprintf("%s's %s timer fires: the lease its heartbeat round of that tick gave it has run out on its own clock", id, s.Timer)
	case s.Timer != timerElection || a == nil:
		return ""
	case a.Role == "pre-candidate" && b != nil && b.Role == "pre-candidate":
		return fmt.Sprintf("%s's pre-vote got no majority in time; it asks %s again, still in term %d", id, peersOf(s.Sends), a.Term)
	case a.Role == "pre-candidate":
		return fmt.Sprintf("%s's election timer fires: it asks %s whether they would vote for it in term %d, without leaving term %d (PreVote)",
			id, peersOf(s.Sends), a.Term+1, a.Term)
	case len(s.Sends) == 0 && hasTimerSet(s):
		return fmt.Sprintf("%s has not heard from a leader for the shortest election timeout: it would now grant pre-votes and votes; its timer runs on for the rest of its draw", id)
	}
	return ""
}

func hasTimerSet(s protocols.Step) bool {
	return s.After != nil && (s.After.Role == "follower" || s.After.Role == "learner")
}

// tellFeatureReceive tells the messages only the features send, and the
// requests for votes a server ignores.
func tellFeatureReceive(s protocols.Step) string {
	id, from := s.Node, s.From
	switch m := s.Msg.(type) {
	case RequestVote:
		switch {
		case protocols.HasProbe(s.Notes, ProbeVoteIgnoredInLease):
			return fmt.Sprintf("%s ignores %s's RequestVote for term %d: it heard from a leader less than an election timeout ago (CheckQuorum), so it neither adopts the term nor answers", id, from, m.Term)
		case protocols.HasProbe(s.Notes, ProbeVoteIgnoredNonMember):
			return fmt.Sprintf("%s ignores %s's RequestVote for term %d: %s is not in its configuration", id, from, m.Term, from)
		}
	case PreVote:
		r, _ := protocols.SentOf[PreVoteReply](s.Sends)
		switch {
		case r.Granted:
			return fmt.Sprintf("%s would vote for %s in term %d: it has not heard from a leader lately and %s's log is not behind; its own term stays %d", id, from, m.Term, from, s.After.Term)
		case protocols.HasProbe(s.Notes, ProbePreVoteDeniedLeader):
			return fmt.Sprintf("%s refuses %s's pre-vote: it hears from a leader, so there is no need for an election", id, from)
		}
		return fmt.Sprintf("%s refuses %s's pre-vote for term %d (its log is behind, or the term is not ahead)", id, from, m.Term)
	case PreVoteReply:
		switch {
		case s.After != nil && s.After.Role == "candidate" && (s.Before == nil || s.Before.Role == "pre-candidate"):
			return fmt.Sprintf("%s has pre-votes from a majority: now it moves to term %d and asks for real votes", id, s.After.Term)
		case m.Granted:
			return fmt.Sprintf("%s would get %s's vote in term %d", id, from, m.Term)
		}
		return fmt.Sprintf("%s would not get %s's vote", id, from)
	case InstallSnapshot:
		r, _ := protocols.SentOf[InstallSnapshotReply](s.Sends)
		switch {
		case protocols.HasProbe(s.Notes, ProbeSnapshotInstalled):
			return fmt.Sprintf("%s installs leader %s's snapshot %d/%d: its state machine and configuration become the snapshot's, and its log starts after it", id, from, m.Index, m.SnapTerm)
		case protocols.HasProbe(s.Notes, ProbeSnapshotStale):
			return fmt.Sprintf("%s ignores snapshot %d/%d from %s: it has committed that far already (a late or repeated message)", id, m.Index, m.SnapTerm, from)
		case r.Term > m.Term:
			return fmt.Sprintf("%s refuses a snapshot from %s of old term %d", id, from, m.Term)
		}
		return fmt.Sprintf("%s takes %d bytes of snapshot %d/%d from leader %s (it holds %d so far)", id, len(m.Data), m.Index, m.SnapTerm, from, r.Offset)
	case InstallSnapshotReply:
		if m.Done {
			return fmt.Sprintf("leader %s learns %s holds snapshot %d; it goes on with the entries after it", id, from, m.Index)
		}
		return fmt.Sprintf("leader %s sends %s the snapshot's next chunk, from byte %d", id, from, m.Offset)
	}
	return ""
}

// tellRead tells a get served without the log.
func tellRead(s protocols.Step, r kv.Request) string {
	id, from := s.Node, s.From
	switch {
	case protocols.HasProbe(s.Notes, ProbeLeaseRead):
		return fmt.Sprintf("leader %s answers %s's %s at once under its lease: a majority acknowledged a recent round of heartbeats, and no other leader can be elected before the lease runs out", id, from, r.Op)
	case protocols.HasProbe(s.Notes, ProbeReadIndex):
		return fmt.Sprintf("leader %s notes its commit index for %s's %s and sends a round of heartbeats; it answers once a majority acknowledges it (ReadIndex)", id, from, r.Op)
	case protocols.HasProbe(s.Notes, ProbeReadWaitsForNoop):
		return fmt.Sprintf("leader %s holds %s's %s until its no-op commits: until then its commit index may lag what its predecessor committed", id, from, r.Op)
	}
	return ""
}

// tellAdmin tells an operator's command.
func tellAdmin(s protocols.Step) string {
	id, words := s.Node, strings.Join(s.Command, " ")
	switch {
	case protocols.HasProbe(s.Notes, ProbeConfigChange):
		return fmt.Sprintf("leader %s appends the configuration change %s and replicates it; every server uses it as soon as it has it", id, words)
	case protocols.HasProbe(s.Notes, ProbeConfigChangeRefused):
		return fmt.Sprintf("leader %s refuses %s for now: a change may start only once the previous one, and an entry of the leader's own term, are committed", id, words)
	case protocols.HasProbe(s.Notes, ProbeSnapshotTaken):
		return fmt.Sprintf("%s snapshots its state machine and compacts its log, as the operator asked", id)
	case protocols.HasProbe(s.Notes, ProbeAdminIgnored):
		return fmt.Sprintf("%s ignores %s: it does not lead, or the change does not apply to its configuration", id, words)
	}
	return fmt.Sprintf("%s gets the operator's command %s", id, words)
}
