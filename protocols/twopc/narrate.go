package twopc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Two-phase commit's words for the terminal UI and reports: one line per
// event, its teaching moments (a participant commits, aborts, or blocks),
// and what every field and message on screen means. They read the notes,
// sends and statuses a step already produces.

func init() {
	Protocol.Course = 30 // its place in the learning path (docs/scenarios.md)
	d := &Protocol.Display
	d.Narrate = narrate
	d.Moments = moments
	d.Fields = slices.Concat(fields, bank.Fields)
	d.Glossary = slices.Concat(glossary, bank.Glossary)
}

var fields = []protocols.FieldHelp{
	{Name: "prepared", Help: "transactions this participant voted yes on and has no decision for yet: it is in doubt, holding their locks, and must not decide alone"},
	{Name: "BLOCKED", Help: "prepared transactions the participant has asked the coordinator about 3 times without an answer: it is blocked, holding its locks, until the coordinator comes back"},
}

var glossary = []protocols.FieldHelp{
	{Name: "Prepare", Help: "phase 1: the coordinator asks a participant to prepare its part of a transaction (lock, check funds, log durably) and vote"},
	{Name: "Vote", Help: "a participant's answer to Prepare: yes is a promise to commit if told to; no aborts the transaction"},
	{Name: "Decision", Help: "phase 2: the coordinator's outcome, commit or abort, sent once it is durable in its log"},
	{Name: "Ack", Help: "a participant has applied a commit, so the coordinator can stop resending it"},
	{Name: "Query", Help: "a prepared participant asks the coordinator for the decision, because it may not decide on its own"},
	{Name: "presumed abort", Help: "a coordinator that has no decision record for a transaction answers abort: it never logged a commit, so commit cannot have been decided"},
	{Name: "query", Help: "a prepared participant's timer: it asks the coordinator again for the decision"},
	{Name: "votes/TX", Help: "the coordinator's timer for a transaction's votes: if they are not all in by then, it aborts"},
	{Name: "resend/TX", Help: "the coordinator's timer to resend a commit decision to participants that have not acknowledged it"},
	{Name: "blocked", Help: "2PC's weakness: a participant that voted yes cannot decide alone, so if the coordinator dies it waits, holding its locks, for as long as the coordinator is gone"},
}

// moments: the bank's (commit, abort, decided), and a participant that
// has become blocked.
func moments(ev protocols.Event) []protocols.Moment {
	out := bank.Moments(ev)
	for _, n := range ev.Notes {
		if p, ok := n.(protocols.Probe); ok {
			switch string(p) {
			case ProbeBlockedPrepared:
				out = append(out, protocols.Moment{Kind: "blocked", Text: fmt.Sprintf("%s is now BLOCKED: prepared, and its coordinator is silent; it holds its locks and can decide nothing alone", ev.Node)})
			case ProbePresumedAbort:
				out = append(out, protocols.Moment{Kind: "presumed-abort", Text: fmt.Sprintf("%s presumes abort: it has no decision record for the transaction", ev.Node)})
			}
		}
	}
	return out
}

func narrate(s protocols.Step) string {
	if !s.Server {
		return bank.NarrateClient(s)
	}
	switch n := s.Self.(type) {
	case *Coordinator:
		return tellCoordinator(s, n)
	case *Participant:
		return tellParticipant(s, n)
	}
	if s.After != nil && s.After.Role == "coordinator" {
		return tellCoordinator(s, nil)
	}
	return tellParticipant(s, nil)
}

func tellCoordinator(s protocols.Step, c *Coordinator) string {
	id := s.Node
	decided := func() (bank.Decided, bool) {
		for _, n := range s.Notes {
			if d, ok := n.(bank.Decided); ok {
				return d, true
			}
		}
		return bank.Decided{}, false
	}
	d, hasDecision := decided()
	decision := func(why string) string {
		if d.Commit {
			return fmt.Sprintf("%s: coordinator %s decides COMMIT for %s, logs the decision durably, then tells %s (phase 2) and the client",
				why, id, d.Tx, protocols.JoinWords(ids(d.Participants)))
		}
		return fmt.Sprintf("%s: coordinator %s decides ABORT for %s and tells %s and the client", why, id, d.Tx, protocols.JoinWords(ids(d.Participants)))
	}
	switch s.Input {
	case protocols.Start:
		switch {
		case !s.Restart:
			return fmt.Sprintf("coordinator %s starts", id)
		case protocols.HasProbe(s.Notes, ProbePresumedAbort) || protocols.HasProbe(s.Notes, ProbeCoordinatorRecovered):
			return fmt.Sprintf("coordinator %s restarts and reads its log: transactions without a decision record are aborted (presumed abort); committed ones not yet acknowledged are resent", id)
		}
		return fmt.Sprintf("coordinator %s restarts from %d durable records", id, s.Records)
	case protocols.Timer:
		kind, tx, _ := strings.Cut(s.Timer, "/")
		switch {
		case kind == "votes" && hasDecision:
			return decision(fmt.Sprintf("the votes on %s did not all arrive in time", tx))
		case kind == "resend" && len(s.Sends) > 0:
			return fmt.Sprintf("no acknowledgement yet: coordinator %s resends the commit of %s to %s", id, tx, protocols.Receivers(s.Sends))
		}
		return fmt.Sprintf("coordinator %s's %s timer fires; nothing left to do for %s", id, kind, tx)
	case protocols.Receive:
		switch m := s.Msg.(type) {
		case bank.Submit:
			if len(s.Sends) == 0 || protocols.HasProbe(s.Notes, ProbeDuplicateSubmit) {
				return fmt.Sprintf("coordinator %s already knows %s: a duplicate submission", id, m.Tx)
			}
			if r, ok := s.Sends[0].Msg.(bank.Result); ok {
				return fmt.Sprintf("coordinator %s cannot run %s (%s): it answers %s", id, m.Tx, m.Transfer, r.Outcome)
			}
			return fmt.Sprintf("coordinator %s begins transaction %s (%s): it logs it and sends Prepare to %s (phase 1: who can commit?)",
				id, m.Tx, m.Transfer, protocols.Receivers(s.Sends))
		case Vote:
			switch {
			case hasDecision && m.Yes:
				return decision(fmt.Sprintf("%s votes yes on %s, the last vote", s.From, m.Tx))
			case hasDecision:
				return decision(fmt.Sprintf("%s votes NO on %s, and one no aborts", s.From, m.Tx))
			case protocols.HasProbe(s.Notes, ProbePresumedAbort):
				return fmt.Sprintf("coordinator %s has no record of %s (it restarted): by presumed abort it answers abort to %s's yes vote", id, m.Tx, s.From)
			case len(s.Sends) > 0:
				return fmt.Sprintf("a late vote from %s on %s: coordinator %s repeats its decision", s.From, m.Tx, id)
			case m.Yes:
				got := ""
				if c != nil {
					if t := c.txs[m.Tx]; t != nil {
						got = fmt.Sprintf(": %d of %d yes votes", len(t.yes), len(t.parts))
					}
				}
				return fmt.Sprintf("coordinator %s gets %s's yes vote on %s%s", id, s.From, m.Tx, got)
			}
			return fmt.Sprintf("coordinator %s ignores %s's vote on %s", id, s.From, m.Tx)
		case Ack:
			if c != nil {
				if t := c.txs[m.Tx]; t != nil && t.done {
					return fmt.Sprintf("%s acknowledges the commit of %s: every participant has it, so %s stops resending and forgets it", s.From, m.Tx, id)
				}
			}
			return fmt.Sprintf("%s acknowledges the commit of %s", s.From, m.Tx)
		case Query:
			if dec, ok := protocols.SentOf[Decision](s.Sends); ok {
				if protocols.HasProbe(s.Notes, ProbePresumedAbort) {
					return fmt.Sprintf("%s asks about %s; coordinator %s has no record of it, so by presumed abort it answers abort", s.From, m.Tx, id)
				}
				return fmt.Sprintf("%s asks about %s; coordinator %s answers %s", s.From, m.Tx, id, verb(dec.Commit))
			}
			return fmt.Sprintf("%s asks about %s; coordinator %s is still collecting votes and has no answer yet", s.From, m.Tx, id)
		}
	}
	return ""
}

func tellParticipant(s protocols.Step, p *Participant) string {
	id := s.Node
	switch s.Input {
	case protocols.Start:
		switch {
		case !s.Restart:
			return fmt.Sprintf("participant %s starts", id)
		case protocols.HasProbe(s.Notes, ProbeParticipantRecovered):
			return fmt.Sprintf("participant %s restarts in doubt: its log says it voted yes on %s with no decision, so it keeps the locks and asks coordinator %s at once",
				id, txsOf(s.Sends), protocols.Receivers(s.Sends))
		}
		return fmt.Sprintf("participant %s restarts from %d durable records", id, s.Records)
	case protocols.Timer:
		if s.Timer != timerQuery {
			return ""
		}
		var asked []string
		for _, snd := range s.Sends {
			if q, ok := snd.Msg.(Query); ok {
				n := 0
				if p != nil {
					n = p.queries[q.Tx]
				}
				asked = append(asked, fmt.Sprintf("%s (%s time)", q.Tx, ordinal(n)))
			}
		}
		for _, n := range s.Notes {
			if f, ok := n.(bank.Finished); ok && !f.Commit {
				return fmt.Sprintf("participant %s gives up waiting and aborts %s on its own, although it voted yes: the coordinator may have decided commit", id, f.Tx)
			}
		}
		if len(asked) == 0 {
			return fmt.Sprintf("participant %s's query timer fires; it is no longer in doubt", id)
		}
		if protocols.HasProbe(s.Notes, ProbeBlockedPrepared) {
			return fmt.Sprintf("%s asks coordinator %s about %s, never answered: %s is BLOCKED (it voted yes, so it may not decide alone, and it holds its locks)",
				id, protocols.Receivers(s.Sends), strings.Join(asked, ", "), id)
		}
		return fmt.Sprintf("participant %s is in doubt (it voted yes, no decision yet): it asks coordinator %s about %s",
			id, protocols.Receivers(s.Sends), strings.Join(asked, ", "))
	case protocols.Receive:
		switch m := s.Msg.(type) {
		case Prepare:
			v, ok := protocols.SentOf[Vote](s.Sends)
			switch {
			case !ok:
				return fmt.Sprintf("participant %s receives Prepare for %s", id, m.Tx)
			case !protocols.HasNote[bank.Voted](s.Notes):
				return fmt.Sprintf("a repeated Prepare for %s: participant %s repeats its vote (%s)", m.Tx, id, yesNo(v.Yes))
			case v.Yes:
				return fmt.Sprintf("participant %s prepares %s: it locks %s, logs the writes durably and votes YES; from now on it is in doubt and must wait for the decision",
					id, m.Tx, accounts(m.Writes))
			case protocols.HasProbe(s.Notes, ProbeVoteNoFunds):
				return fmt.Sprintf("participant %s votes NO on %s: the withdrawal would overdraw an account; it aborts at once (it may, having not voted yes)", id, m.Tx)
			default:
				return fmt.Sprintf("participant %s votes NO on %s: an account is locked by another transaction; it aborts at once", id, m.Tx)
			}
		case Decision:
			for _, n := range s.Notes {
				if f, ok := n.(bank.Finished); ok {
					if f.Commit {
						return fmt.Sprintf("participant %s learns the decision: it commits %s, applies the writes, releases its locks and acknowledges", id, f.Tx)
					}
					return fmt.Sprintf("participant %s learns the decision: it aborts %s and releases its locks", id, f.Tx)
				}
			}
			if len(s.Sends) > 0 {
				return fmt.Sprintf("participant %s already committed %s (a resend): it acknowledges again", id, m.Tx)
			}
			return fmt.Sprintf("participant %s already knows the outcome of %s", id, m.Tx)
		}
	}
	return ""
}

func ids(ns []protocols.NodeID) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n)
	}
	return out
}

func txsOf(sends []protocols.Send) string {
	var out []string
	for _, s := range sends {
		if q, ok := s.Msg.(Query); ok {
			out = append(out, string(q.Tx))
		}
	}
	return protocols.JoinWords(out)
}

func accounts(ws []bank.Write) string {
	var out []string
	for _, w := range ws {
		out = append(out, string(w.Account))
	}
	return protocols.JoinWords(out)
}

func verb(commit bool) string {
	if commit {
		return "commit"
	}
	return "abort"
}

func yesNo(yes bool) string {
	if yes {
		return "yes"
	}
	return "no"
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		return fmt.Sprintf("%dst", n)
	case n%10 == 2:
		return fmt.Sprintf("%dnd", n)
	case n%10 == 3:
		return fmt.Sprintf("%drd", n)
	}
	return fmt.Sprintf("%dth", n)
}
