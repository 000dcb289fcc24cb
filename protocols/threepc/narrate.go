package threepc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Three-phase commit's words for the terminal UI and reports: one line per
// event, its teaching moments (a participant commits or aborts, a
// termination round starts, two sides decide differently), and what every
// field and message on screen means.

func init() {
	Protocol.Course = 40 // its place in the learning path (docs/scenarios.md)
	d := &Protocol.Display
	d.Narrate = narrate
	d.Moments = moments
	d.Fields = slices.Concat(fields, bank.Fields)
	d.Glossary = slices.Concat(glossary, bank.Glossary)
}

var fields = []protocols.FieldHelp{
	{Name: "in-doubt", Help: "transactions this participant voted yes on and has not finished, as TX:STATE (uncertain: voted yes; precommitted: knows everyone voted yes), with @rN when it follows termination round N"},
	{Name: "pending", Help: "transactions the coordinator is still driving"},
}

var glossary = []protocols.FieldHelp{
	{Name: "CanCommit", Help: "phase 1: the coordinator asks a participant whether it can commit its part (lock, check funds, log) and to vote"},
	{Name: "Vote", Help: "a participant's answer to CanCommit: yes is a promise; no aborts the transaction"},
	{Name: "PreCommit", Help: "phase 2: everyone voted yes; a pre-committed participant knows the outcome will be commit, and acknowledges (rN: sent by round N's recovery coordinator; r0 is the coordinator)"},
	{Name: "Ack", Help: "a participant acknowledges PreCommit"},
	{Name: "DoCommit", Help: "phase 3: commit"},
	{Name: "Abort", Help: "the transaction aborts"},
	{Name: "HaveCommitted", Help: "a participant tells the coordinator it has committed, so it stops resending DoCommit"},
	{Name: "StateReq", Help: "the termination protocol: a recovery coordinator asks each participant its state"},
	{Name: "State", Help: "a participant's answer to StateReq: uncertain, precommitted, committed or aborted"},
	{Name: "Query", Help: "a restarted node asks the others whether a transaction was decided"},
	{Name: "uncertain", Help: "voted yes, not yet pre-committed: the outcome may still be either"},
	{Name: "precommitted", Help: "knows every participant voted yes: the outcome will be commit unless something breaks the protocol's assumptions (a partition)"},
	{Name: "term/TX", Help: "a participant's termination timer for a transaction (not a Raft term): if the coordinator stays silent this long, the participant runs the termination protocol"},
	{Name: "termination protocol", Help: "when the coordinator falls silent, a participant becomes recovery coordinator, collects everyone's states and decides: any commit/abort wins; any precommitted means commit; all uncertain means abort. Participants that do not answer are presumed crashed, which is unsafe under a partition"},
	{Name: "votes/TX", Help: "the coordinator's timer for a transaction's votes: it aborts if they are not all in"},
	{Name: "acks/TX", Help: "the coordinator's timer for PreCommit acknowledgements: with at least one ack it commits anyway"},
	{Name: "resend/TX", Help: "the coordinator's timer to resend DoCommit until every participant confirms"},
	{Name: "recover/TX", Help: "a restarted coordinator's timer to ask the participants again what became of a transaction"},
	{Name: "split decision", Help: "under a partition each side runs the termination protocol, presumes the other side crashed, and may decide the opposite: atomicity is lost"},
}

func moments(ev protocols.Event) []protocols.Moment {
	out := bank.Moments(ev)
	for _, n := range ev.Notes {
		if p, ok := n.(protocols.Probe); ok {
			switch string(p) {
			case ProbeTerminationRan:
				out = append(out, protocols.Moment{Kind: "termination", Text: fmt.Sprintf("%s suspects the coordinator and runs the termination protocol as recovery coordinator", ev.Node)})
			case ProbeConflictingDecision:
				out = append(out, protocols.Moment{Kind: "split", Text: fmt.Sprintf("%s hears a decision opposite to its own: the two sides decided differently, and atomicity is lost", ev.Node)})
			}
		}
	}
	return out
}

func narrate(s protocols.Step) string {
	if !s.Server {
		return bank.NarrateClient(s)
	}
	if s.After != nil && s.After.Role == "coordinator" || s.Before != nil && s.Before.Role == "coordinator" {
		return tellCoordinator(s)
	}
	return tellParticipant(s)
}

func decidedOf(s protocols.Step) (bank.Decided, bool) {
	for _, n := range s.Notes {
		if d, ok := n.(bank.Decided); ok {
			return d, true
		}
	}
	return bank.Decided{}, false
}

func tellCoordinator(s protocols.Step) string {
	id := s.Node
	d, decided := decidedOf(s)
	switch s.Input {
	case protocols.Start:
		if s.Restart {
			return fmt.Sprintf("coordinator %s restarts from its log and asks the participants what became of the transactions it had not finished", id)
		}
		return fmt.Sprintf("coordinator %s starts", id)
	case protocols.Timer:
		kind, tx, _ := strings.Cut(s.Timer, "/")
		switch {
		case kind == "votes" && decided:
			return fmt.Sprintf("the votes on %s did not all arrive in time: coordinator %s aborts it", tx, id)
		case kind == "acks" && decided:
			return fmt.Sprintf("not every participant acknowledged PreCommit on %s in time; those that did are pre-committed, so coordinator %s commits (DoCommit, phase 3) and presumes the silent ones crashed", tx, id)
		case kind == "acks":
			return fmt.Sprintf("no participant acknowledged PreCommit on %s: coordinator %s asks again", tx, id)
		case kind == "resend" && len(s.Sends) > 0:
			return fmt.Sprintf("coordinator %s resends DoCommit for %s to %s", id, tx, protocols.Receivers(s.Sends))
		case kind == "recover" && len(s.Sends) > 0:
			return fmt.Sprintf("coordinator %s asks the participants again what became of %s", id, tx)
		}
		return fmt.Sprintf("coordinator %s's %s timer for %s fires; nothing to do", id, kind, tx)
	case protocols.Receive:
		switch m := s.Msg.(type) {
		case bank.Submit:
			if _, ok := protocols.SentOf[CanCommit](s.Sends); ok {
				return fmt.Sprintf("coordinator %s begins transaction %s (%s): it sends CanCommit to %s (phase 1: can you commit?)", id, m.Tx, m.Transfer, protocols.Receivers(s.Sends))
			}
			return fmt.Sprintf("coordinator %s already knows %s", id, m.Tx)
		case Vote:
			switch {
			case decided && !d.Commit:
				return fmt.Sprintf("%s votes NO on %s: coordinator %s aborts it and tells everyone", s.From, m.Tx, id)
			case countKind(s.Sends, "PreCommit") > 0:
				return fmt.Sprintf("%s's yes is the last vote on %s: everyone voted yes, so coordinator %s sends PreCommit (phase 2): no participant commits before all know the outcome will be commit", s.From, m.Tx, id)
			case m.Yes:
				return fmt.Sprintf("coordinator %s gets %s's yes vote on %s", id, s.From, m.Tx)
			}
			return fmt.Sprintf("coordinator %s ignores %s's late vote on %s", id, s.From, m.Tx)
		case Ack:
			if decided && d.Commit {
				return fmt.Sprintf("%s acknowledges PreCommit on %s, the last one: coordinator %s logs commit and sends DoCommit (phase 3)", s.From, m.Tx, id)
			}
			return fmt.Sprintf("%s acknowledges PreCommit on %s", s.From, m.Tx)
		case HaveCommitted:
			return fmt.Sprintf("%s confirms it committed %s", s.From, m.Tx)
		case DoCommit, Abort:
			commit := s.Msg.Kind() == "DoCommit"
			if protocols.HasProbe(s.Notes, ProbeConflictingDecision) {
				return fmt.Sprintf("coordinator %s hears that %s decided %s on %s, the opposite of its own decision: the partition split the outcome", id, s.From, verb(commit), txOf(s.Msg))
			}
			if decided {
				return fmt.Sprintf("coordinator %s adopts the outcome %s decided for %s (%s) and tells the client", id, s.From, txOf(s.Msg), verb(commit))
			}
			return fmt.Sprintf("coordinator %s already knows the outcome of %s", id, txOf(s.Msg))
		case Query:
			if len(s.Sends) > 0 {
				return fmt.Sprintf("%s asks about %s; coordinator %s answers %s", s.From, m.Tx, id, s.Sends[0].Msg.Kind())
			}
			return fmt.Sprintf("%s asks about %s; coordinator %s has no decision to give", s.From, m.Tx, id)
		}
	}
	return ""
}

func tellParticipant(s protocols.Step) string {
	id := s.Node
	finished := func() (bank.Finished, bool) {
		for _, n := range s.Notes {
			if f, ok := n.(bank.Finished); ok {
				return f, true
			}
		}
		return bank.Finished{}, false
	}
	f, done := finished()
	d, decided := decidedOf(s)
	switch s.Input {
	case protocols.Start:
		if s.Restart && protocols.HasProbe(s.Notes, ProbeParticipantRecovered) {
			return fmt.Sprintf("participant %s restarts in doubt: bound by its vote, it asks everyone whether the transaction was decided, and will not decide from a partial picture", id)
		}
		if s.Restart {
			return fmt.Sprintf("participant %s restarts from %d durable records", id, s.Records)
		}
		return fmt.Sprintf("participant %s starts", id)
	case protocols.Timer:
		_, tx, _ := strings.Cut(s.Timer, "/")
		switch {
		case decided:
			return fmt.Sprintf("as recovery coordinator of %s, %s decides %s with the states it has; participants that did not answer are presumed crashed (unsafe if they are only cut off)", tx, id, verb(d.Commit))
		case protocols.HasProbe(s.Notes, ProbeTerminationRan):
			return fmt.Sprintf("participant %s heard nothing about %s for a termination timeout: it becomes recovery coordinator and asks %s for their states (the termination protocol; no blocking, unlike 2PC)", id, tx, protocols.Receivers(s.Sends))
		case countKind(s.Sends, "StateReq") > 0:
			return fmt.Sprintf("participant %s still lacks states for %s: it asks again", id, tx)
		case countKind(s.Sends, "PreCommit") > 0:
			return fmt.Sprintf("participant %s pre-commits the uncertain for %s", id, tx)
		}
		return fmt.Sprintf("participant %s's termination timer for %s fires: it waits for the next round's recovery coordinator", id, tx)
	case protocols.Receive:
		switch m := s.Msg.(type) {
		case CanCommit:
			v, ok := protocols.SentOf[Vote](s.Sends)
			switch {
			case !ok:
				return fmt.Sprintf("participant %s receives CanCommit for %s", id, m.Tx)
			case !v.Yes:
				return fmt.Sprintf("participant %s votes NO on %s (an account is locked or would overdraw): it aborts at once", id, m.Tx)
			case protocols.HasNote[bank.Voted](s.Notes):
				return fmt.Sprintf("participant %s locks its accounts for %s, logs its writes and votes YES: it is uncertain now, and runs the termination protocol if the coordinator falls silent", id, m.Tx)
			}
			return fmt.Sprintf("a repeated CanCommit for %s: participant %s repeats its vote", m.Tx, id)
		case PreCommit:
			if len(s.Sends) == 0 {
				return fmt.Sprintf("participant %s ignores a stale PreCommit for %s", id, m.Tx)
			}
			return fmt.Sprintf("participant %s pre-commits %s (durably) and acknowledges: it now knows everyone voted yes", id, m.Tx)
		case DoCommit, Abort:
			commit := s.Msg.Kind() == "DoCommit"
			switch {
			case protocols.HasProbe(s.Notes, ProbeConflictingDecision):
				return fmt.Sprintf("participant %s is told %s %s, but it already decided the opposite: the two sides of the partition decided differently", id, verb(commit), txOf(s.Msg))
			case done:
				return fmt.Sprintf("participant %s learns the decision from %s: it %ss %s and releases its locks", id, s.From, verb(f.Commit), f.Tx)
			}
			return fmt.Sprintf("participant %s already knows the outcome of %s", id, txOf(s.Msg))
		case StateReq:
			st, _ := protocols.SentOf[State](s.Sends)
			return fmt.Sprintf("%s, recovery coordinator of round %d, asks for %s's state on %s: %s answers %s", s.From, m.Round, id, m.Tx, id, st.State)
		case State:
			switch {
			case decided:
				return fmt.Sprintf("recovery coordinator %s has %s's state (%s) on %s and decides %s: it tells everyone", id, s.From, m.State, m.Tx, verb(d.Commit))
			case countKind(s.Sends, "PreCommit") > 0:
				return fmt.Sprintf("recovery coordinator %s has every state on %s; some participant is pre-committed, so it pre-commits the uncertain ones before committing", id, m.Tx)
			case done:
				return fmt.Sprintf("%s reports %s on %s: participant %s takes that outcome", s.From, m.State, m.Tx, id)
			}
			return fmt.Sprintf("recovery coordinator %s records %s's state on %s: %s", id, s.From, m.Tx, m.State)
		case Ack:
			if decided {
				return fmt.Sprintf("%s acknowledges the pre-commit of %s, the last one: recovery coordinator %s commits and tells everyone", s.From, m.Tx, id)
			}
			return fmt.Sprintf("%s acknowledges the pre-commit of %s", s.From, m.Tx)
		case Query:
			if len(s.Sends) > 0 {
				return fmt.Sprintf("%s asks about %s; participant %s answers %s", s.From, m.Tx, id, s.Sends[0].Msg.Kind())
			}
			return fmt.Sprintf("%s asks about %s; participant %s is in doubt itself and has no answer", s.From, m.Tx, id)
		}
	}
	return ""
}

func txOf(m protocols.Message) bank.TxID {
	switch m := m.(type) {
	case DoCommit:
		return m.Tx
	case Abort:
		return m.Tx
	}
	return ""
}

func verb(commit bool) string {
	if commit {
		return "commit"
	}
	return "abort"
}

func countKind(sends []protocols.Send, kind string) int {
	n := 0
	for _, s := range sends {
		if s.Msg.Kind() == kind {
			n++
		}
	}
	return n
}
