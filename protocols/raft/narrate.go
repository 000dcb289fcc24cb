package raft

import (
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Raft's words for the terminal UI and reports: one line per event
// (narrate), its teaching moments (moments), and what every field and
// message on screen means (fields, glossary). They read the notes, sends
// and statuses a step already produces; nothing here changes what a
// server does.

func init() {
	Protocol.Course = 20 // its place in the learning path (docs/scenarios.md)
	d := &Protocol.Display
	d.Narrate = narrate
	d.Moments = moments
	d.Heartbeat = func(m protocols.Message) bool {
		ae, ok := m.(*AppendEntries)
		return ok && len(ae.Entries) == 0
	}
	d.Fields = append(append(fields, featureFields...), kv.ClientFields...)
	d.Glossary = append(append(glossary, featureGlossary...), kv.ClientGlossary...)
}

// fields explains a server's status fields.
var fields = []protocols.FieldHelp{
	{Name: "vote", Help: "whom the server voted for in its current term (- : nobody yet); it votes once per term, and the vote is durable"},
	{Name: "leader", Help: "the leader of its current term, as far as it knows (- : none known)"},
	{Name: "applied", Help: "the index of the last log entry it has applied to its key-value store; it trails commit until it catches up, and restarts from 0 after a crash (the store is rebuilt from the log)"},
	{Name: "term", Help: "a logical clock: each election starts a new term, and a server that sees a higher term adopts it at once and becomes a follower"},
	{Name: "commit", Help: "the highest log index the server knows is committed: on a majority, and so never lost or changed"},
	{Name: "log", Help: "index/term of each entry, oldest first; | marks the commit point, dim entries are not committed yet"},
}

// glossary explains messages, their fields, timers, probes and phrases.
var glossary = []protocols.FieldHelp{
	{Name: "RequestVote", Help: "a candidate asks for a vote in its term; last=INDEX/TERM is its log's last entry, so the voter can refuse a candidate whose log is behind its own"},
	{Name: "RequestVoteReply", Help: "a vote: granted or rejected, with the voter's term"},
	{Name: "AppendEntries", Help: "the leader's replication message: the entries after prev=INDEX/TERM (the follower must hold that entry, or it rejects) and the leader's commit index; with no entries it is a heartbeat"},
	{Name: "AppendEntriesReply", Help: "ok index=N: the follower's log matches the leader's up to N; reject: it lacks the prev entry, and xterm, xindex and xlen help the leader skip back"},
	{Name: "prev", Help: "in AppendEntries: the entry (index/term) just before the new ones; the follower accepts only if its log holds exactly that entry, which keeps logs identical up to there (the log matching property)"},
	{Name: "xterm", Help: "in a rejection: the term of the follower's entry at prev's index (0: it has no entry there)"},
	{Name: "xindex", Help: "in a rejection: the first index of the follower's xterm entries, so the leader can skip that whole term"},
	{Name: "xlen", Help: "in a rejection: the follower's last log index, so the leader can skip back past its end at once"},
	{Name: "election", Help: "a follower's or candidate's timer (random, 150-300ms by default): it fires if no leader was heard, and the server starts an election"},
	{Name: "heartbeat", Help: "the leader's timer (every 50ms by default): it sends AppendEntries to every follower, which resets their election timers"},
	{Name: "noop", Help: "the empty entry a new leader appends in its own term: committing it commits every earlier entry too (Figure 8's rule allows only current-term entries to commit by counting)"},
	{Name: "Figure 8", Help: "the Raft paper's figure showing that an entry of an earlier term stored on a majority can still be overwritten; so a leader commits by counting only entries of its own term"},
	{Name: "split vote", Help: "candidates split the votes and nobody wins the term; the random timeouts make the next round likely to have one clear winner"},
	{Name: "[send 1, persist 2, timer election]", Help: "the end of a trace line: what the step did: messages sent, records persisted, timers set (a - before a name cancels it)"},
}

// moments are Raft's teaching moments, from the notes and probes a step
// emits. Only a BecameLeader note or one of a few probes can make one: the
// runner asks after every event with notes, mostly Applied notes and
// probes that teach nothing (a lease read, a client redirected, a stale
// append), so those are passed over without the work of finding the
// moments, and momentsOf runs only for an event that has one.
func moments(ev protocols.Event) []protocols.Moment {
	for _, n := range ev.Notes {
		// Two assertions, not a type switch: each compares the note's
		// type with one, where a switch hashes it first.
		if p, ok := n.(protocols.Probe); ok {
			if momentProbe(string(p)) {
				return momentsOf(ev)
			}
			continue
		}
		if _, ok := n.(BecameLeader); ok {
			return momentsOf(ev)
		}
	}
	return nil
}

// momentProbe reports whether a probe makes a moment: whether momentsOf
// (or featureMoment) has a case for it. One switch over the probes'
// lengths and bytes, inline, where momentsOf's and featureMoment's take a
// call and two switches.
func momentProbe(p string) bool {
	switch p {
	case ProbeOldTermDeferred, ProbeLogTruncation, ProbeSplitVote, ProbeStepDown, ProbeCommitByNoop,
		ProbeCheckQuorumStepDown, ProbeVoteIgnoredInLease, ProbeSnapshotInstalled, ProbeConfigChange,
		ProbeLeaderRemoved, ProbeLearnerPromoted:
		return true
	}
	return false
}

// momentsOf finds the moments of an event with a BecameLeader note or a
// probe.
func momentsOf(ev protocols.Event) []protocols.Moment {
	var out []protocols.Moment
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case BecameLeader:
			out = append(out, protocols.Moment{Kind: protocols.MomentLeader, Text: fmt.Sprintf("%s is the leader of term %d", ev.Node, n.Term)})
		case protocols.Probe:
			switch string(n) {
			case ProbeOldTermDeferred:
				out = append(out, protocols.Moment{Kind: "deferred", Text: "an entry of an earlier term is on a majority but not committable: Figure 8's rule makes the leader wait for an entry of its own term"})
			case ProbeLogTruncation:
				out = append(out, protocols.Moment{Kind: "truncate", Text: fmt.Sprintf("%s deletes log entries that conflict with the leader's", ev.Node)})
			case ProbeSplitVote:
				out = append(out, protocols.Moment{Kind: "split-vote", Text: fmt.Sprintf("%s's election ended without a majority: a split vote", ev.Node)})
			case ProbeStepDown:
				out = append(out, protocols.Moment{Kind: "step-down", Text: fmt.Sprintf("%s sees a higher term and steps down", ev.Node)})
			case ProbeCommitByNoop:
				out = append(out, protocols.Moment{Kind: "commit-by-noop", Text: "an entry of the leader's own term commits, and every earlier entry with it"})
			default:
				if m, ok := featureMoment(ev.Node, string(n)); ok {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// narrate tells one event of a Raft run; clients are told by kv.
func narrate(s protocols.Step) string {
	if !s.Server {
		return kv.NarrateClient(s)
	}
	self, _ := s.Self.(*node) // nil if down or wrapped by a byzantine strategy
	var b strings.Builder
	switch s.Input {
	case protocols.Start:
		b.WriteString(tellStart(s))
	case protocols.Timer:
		b.WriteString(tellTimer(s, self))
	case protocols.Receive:
		b.WriteString(tellReceive(s, self))
	case protocols.Admin:
		b.WriteString(tellAdmin(s))
	default:
		return ""
	}
	if s.Byz {
		b.WriteString(" (byzantine: it may lie)")
	}
	return b.String()
}

func tellStart(s protocols.Step) string {
	if !s.Restart {
		return fmt.Sprintf("%s starts as a follower and arms its election timer", s.Node)
	}
	a := s.After
	if a == nil {
		return fmt.Sprintf("%s restarts", s.Node)
	}
	return fmt.Sprintf("%s restarts from %d durable records: term %d, vote %s, %d log entries; it is a follower again, and has forgotten its commit point until a leader tells it",
		s.Node, s.Records, a.Term, a.Field("vote"), a.LogLen)
}

func tellTimer(s protocols.Step, self *node) string {
	id := s.Node
	if line := tellFeatureTimer(s); line != "" {
		return line
	}
	switch s.Timer {
	case timerElection:
		a := s.After
		if a == nil || a.Role == "follower" {
			return fmt.Sprintf("%s's election timer fires (a stale one: nothing happens)", id)
		}
		if a.Role == "leader" {
			return fmt.Sprintf("%s's election timer fires: alone in its cluster, it votes for itself and leads term %d", id, a.Term)
		}
		why := "it heard from no leader for a whole election timeout"
		if s.Before != nil && s.Before.Role == "candidate" {
			why = fmt.Sprintf("its election in term %d ended without a majority", s.Before.Term)
		}
		return fmt.Sprintf("%s's election timer fires: %s, so it becomes a candidate in term %d, votes for itself and asks %s for votes",
			id, why, a.Term, peersOf(s.Sends))
	case timerHeartbeat:
		if s.After == nil || s.After.Role != "leader" {
			return fmt.Sprintf("%s's heartbeat timer fires, but it no longer leads", id)
		}
		return fmt.Sprintf("leader %s's heartbeat timer fires: it sends AppendEntries (%s) to every follower, which resets their election timers", id, entriesSummary(s.Sends))
	}
	return ""
}

func tellReceive(s protocols.Step, self *node) string {
	id, from := s.Node, s.From
	prefix := ""
	if s.Before != nil && s.After != nil && s.After.Term > s.Before.Term {
		prefix = fmt.Sprintf("%s adopts the higher term %d from %s's %s; ", id, s.After.Term, from, s.Msg.Kind())
		if s.Before.Role == "leader" {
			prefix = fmt.Sprintf("leader %s sees the higher term %d in %s's %s and steps down; ", id, s.After.Term, from, s.Msg.Kind())
		}
	}
	if line := tellFeatureReceive(s); line != "" {
		return prefix + line
	}
	switch m := s.Msg.(type) {
	case RequestVote:
		r, ok := protocols.SentOf[RequestVoteReply](s.Sends)
		if !ok {
			return prefix + fmt.Sprintf("%s receives %s's RequestVote", id, from)
		}
		if r.Granted {
			why := "is at least as up to date as its own"
			if s.After != nil && len(s.After.Log) > 0 {
				e := s.After.Log[len(s.After.Log)-1]
				switch {
				case m.LastTerm > e.Term:
					why = fmt.Sprintf("beats its own %d/%d: a later last term wins, whatever the length", e.Index, e.Term)
				case m.LastTerm == e.Term && m.LastIndex >= e.Index:
					why = fmt.Sprintf("is at least as long as its own %d/%d, in the same last term", e.Index, e.Term)
				}
			}
			return prefix + fmt.Sprintf("%s votes for %s in term %d: its first vote in this term, and %s's log, ending at %d/%d, %s",
				id, from, m.Term, from, m.LastIndex, m.LastTerm, why)
		}
		switch {
		case m.Term < r.Term:
			return prefix + fmt.Sprintf("%s refuses %s: its RequestVote is for term %d, but %s is already in term %d", id, from, m.Term, id, r.Term)
		case protocols.HasProbe(s.Notes, ProbeVoteDeniedLog):
			last := ""
			if s.After != nil && len(s.After.Log) > 0 {
				e := s.After.Log[len(s.After.Log)-1]
				last = fmt.Sprintf(" (its own ends at %d/%d)", e.Index, e.Term)
			}
			return prefix + fmt.Sprintf("%s refuses its vote to %s: %s's log, ending at %d/%d, is behind its own%s, so %s could lose committed entries",
				id, from, from, m.LastIndex, m.LastTerm, last, from)
		default:
			return prefix + fmt.Sprintf("%s refuses %s: it already voted for %s in term %d", id, from, s.After.Field("vote"), r.Term)
		}
	case RequestVoteReply:
		switch {
		case protocols.HasNote[BecameLeader](s.Notes):
			votes := ""
			if self != nil {
				votes = fmt.Sprintf(" (%d of %d votes)", self.votes, len(self.peers)+1)
			}
			noop := "appends a no-op entry of its term and "
			if self != nil && self.bugs.commitOldTerm {
				noop = ""
			}
			return prefix + fmt.Sprintf("%s gets %s's vote: a majority%s, so %s is the leader of term %d; it %ssends AppendEntries to everyone at once",
				id, from, votes, id, s.After.Term, noop)
		case s.After == nil || s.After.Role != "candidate" || m.Term != s.After.Term:
			return prefix + fmt.Sprintf("%s ignores %s's vote reply: it is no longer a candidate of term %d", id, from, m.Term)
		case !m.Granted:
			return prefix + fmt.Sprintf("%s refuses to vote for %s in term %d", from, id, m.Term)
		default:
			votes := ""
			if self != nil {
				votes = fmt.Sprintf(": %d of %d so far, %d needed", self.votes, len(self.peers)+1, self.quorum())
			}
			return prefix + fmt.Sprintf("%s gets %s's vote for term %d%s", id, from, m.Term, votes)
		}
	case *AppendEntries:
		return prefix + tellAppend(s, m)
	case *AppendEntriesReply:
		return prefix + tellAppendReply(s, m, self)
	case kv.Request:
		return prefix + tellRequest(s, m)
	}
	return ""
}

func tellAppend(s protocols.Step, m *AppendEntries) string {
	id, from := s.Node, s.From
	r, ok := protocols.SentOf[*AppendEntriesReply](s.Sends)
	if !ok {
		return fmt.Sprintf("%s receives AppendEntries from %s", id, from)
	}
	what := "a heartbeat"
	if len(m.Entries) > 0 {
		what = span(m.PrevIndex+1, len(m.Entries), m.Entries)
	}
	if !r.Success {
		switch {
		case r.Term > m.Term:
			return fmt.Sprintf("%s rejects AppendEntries from %s: %s leads term %d, an old term (%s is in term %d); the reply tells it so", id, from, from, m.Term, id, r.Term)
		case r.XTerm == 0:
			return fmt.Sprintf("%s rejects %s's %s: its log has no entry %d/%d to match (it ends at %d), so %s must back up and resend earlier entries",
				id, from, what, m.PrevIndex, m.PrevTerm, r.XLen, from)
		default:
			return fmt.Sprintf("%s rejects %s's %s: its entry at %d is of term %d, not %d, so the logs differ there; %s will back up past term %d",
				id, from, what, m.PrevIndex, r.XTerm, m.PrevTerm, from, r.XTerm)
		}
	}
	var parts []string
	switch {
	case protocols.HasProbe(s.Notes, ProbeLogTruncation):
		parts = append(parts, fmt.Sprintf("%s accepts %s from leader %s, deleting its own conflicting entries after %d/%d", id, what, from, m.PrevIndex, m.PrevTerm))
	case len(m.Entries) > 0 && protocols.HasProbe(s.Notes, ProbeStaleAppend):
		parts = append(parts, fmt.Sprintf("%s already has %s from leader %s (a repeat): its log matches up to %d", id, what, from, r.Index))
	case len(m.Entries) > 0:
		parts = append(parts, fmt.Sprintf("%s appends %s from leader %s: its log held %d/%d, so the logs match up to there", id, what, from, m.PrevIndex, m.PrevTerm))
	default:
		parts = append(parts, fmt.Sprintf("%s accepts %s from leader %s (term %d), which resets its election timer", id, what, from, m.Term))
	}
	if s.Before != nil && s.After != nil && s.After.Commit > s.Before.Commit {
		parts = append(parts, fmt.Sprintf("the leader's commit index tells it entries up to %d are committed, and it applies them", s.After.Commit))
	}
	return strings.Join(parts, "; ")
}

func tellAppendReply(s protocols.Step, m *AppendEntriesReply, self *node) string {
	id, from := s.Node, s.From
	if s.After == nil || s.After.Role != "leader" || m.Term != s.After.Term {
		return fmt.Sprintf("%s ignores %s's AppendEntriesReply of term %d: it is not that term's leader", id, from, m.Term)
	}
	if !m.Success {
		if len(s.Sends) == 0 {
			return fmt.Sprintf("leader %s ignores a stale rejection from %s", id, from)
		}
		ae, _ := s.Sends[0].Msg.(*AppendEntries)
		return fmt.Sprintf("%s's log did not match at %d: leader %s backs up and resends from %d/%d", from, m.Index, id, ae.PrevIndex+1, ae.PrevTerm)
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("leader %s learns %s's log matches its own up to %d", id, from, m.Index))
	if s.Before != nil && s.After.Commit > s.Before.Commit {
		maj := ""
		if self != nil {
			maj = fmt.Sprintf(" (%d of %d servers)", self.quorum(), len(self.peers)+1)
		}
		c := fmt.Sprintf("entry %d is now on a majority%s and of its own term, so it commits up to %d and applies", s.After.Commit, maj, s.After.Commit)
		if self != nil && self.bugs.commitOldTerm {
			if t, _ := self.log.term(s.After.Commit); t != s.After.Term {
				c = fmt.Sprintf("entry %d (of term %d, an EARLIER term) is on a majority, and this buggy leader commits it by counting replicas: Figure 8's rule forbids that", s.After.Commit, t)
			}
		}
		if replies := countKind(s.Sends, "Reply"); replies > 0 {
			c += fmt.Sprintf(", answering %s", plural(replies, "client"))
		}
		parts = append(parts, c)
	} else if protocols.HasProbe(s.Notes, ProbeOldTermDeferred) {
		parts = append(parts, "an entry of an earlier term is now on a majority, but it may not be committed by counting (Figure 8): it waits for an entry of the leader's own term")
	}
	if n := countKind(s.Sends, "AppendEntries"); n > 0 {
		parts = append(parts, fmt.Sprintf("%s is behind, so the leader sends it the next entries", from))
	}
	return strings.Join(parts, "; ")
}

func tellRequest(s protocols.Step, r kv.Request) string {
	id, from := s.Node, s.From
	if line := tellRead(s, r); line != "" {
		return line
	}
	if len(s.Sends) > 0 {
		if rep, ok := s.Sends[0].Msg.(kv.Reply); ok && s.Sends[0].To == from {
			switch {
			case rep.Status == kv.NotLeader && rep.LeaderHint != "":
				return fmt.Sprintf("%s is not the leader: it tells %s to try %s", id, from, rep.LeaderHint)
			case rep.Status == kv.NotLeader:
				return fmt.Sprintf("%s is not the leader and knows none (an election may be under way): %s must wait and retry", id, from)
			case protocols.HasProbe(s.Notes, ProbeDuplicateRequest):
				return fmt.Sprintf("leader %s has already applied %s#%d: it answers from its dedup table, so the retry takes effect once", id, from, r.Seq)
			default:
				return fmt.Sprintf("leader %s answers %s's %s from its own state at once, without checking it still leads", id, from, r.Op)
			}
		}
	}
	if s.After != nil && s.After.Role == "leader" && s.Before != nil && s.After.LogLen > s.Before.LogLen {
		return fmt.Sprintf("leader %s appends %s's %s to its log as entry %d/%d and sends it to the followers that are caught up; it answers once a majority has it",
			id, from, r.Op, s.After.LogLen, s.After.Term)
	}
	return fmt.Sprintf("%s ignores an old request from %s", id, from)
}

// replyOf returns the first message of type T a step sent.

func countKind(sends []protocols.Send, kind string) int {
	n := 0
	for _, s := range sends {
		if s.Msg.Kind() == kind {
			n++
		}
	}
	return n
}

// peersOf names the receivers of a step's messages: "n1, n3 and n4".
func peersOf(sends []protocols.Send) string {
	var ids []string
	for _, s := range sends {
		ids = append(ids, string(s.To))
	}
	if len(ids) == 0 {
		return "nobody"
	}
	return protocols.JoinWords(ids)
}

// entriesSummary says what a round of AppendEntries carries: "heartbeats
// only" or "entries to n2, heartbeats to n3".
func entriesSummary(sends []protocols.Send) string {
	var with, without []string
	for _, s := range sends {
		if ae, ok := s.Msg.(*AppendEntries); ok {
			if len(ae.Entries) > 0 {
				with = append(with, string(s.To))
			} else {
				without = append(without, string(s.To))
			}
		}
	}
	switch {
	case len(with) == 0:
		return "heartbeats only"
	case len(without) == 0:
		return "with entries for " + protocols.JoinWords(with)
	}
	return "entries for " + protocols.JoinWords(with) + ", heartbeats for " + protocols.JoinWords(without)
}

// span writes entries as "entry 6/2" or "entries 6/2-8/2" (index/term of
// the first and last).
func span(first, n int, es []Entry) string {
	if n == 1 {
		return fmt.Sprintf("entry %d/%d", first, es[0].Term)
	}
	return fmt.Sprintf("entries %d/%d-%d/%d", first, es[0].Term, first+n-1, es[n-1].Term)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
