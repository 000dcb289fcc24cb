package kv

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The generic client's words for the terminal UI and reports: a KV
// protocol's Narrate calls NarrateClient for its clients' events, and adds
// ClientFields and ClientGlossary to its display hints.

// NarrateClient tells one event of a generic KV client in a line, or
// returns "" for an event that is not a client's (a server's step).
func NarrateClient(s protocols.Step) string {
	if s.Server {
		return ""
	}
	id := s.Node
	var op string
	for _, n := range s.Notes {
		switch n := n.(type) {
		case Completed:
			op = fmt.Sprintf("%s's %s is done: %s answered", id, n.Op, n.Server)
			if n.Op.Kind == Get {
				op += fmt.Sprintf(" %q", n.Output)
			}
			op += " (the operation completes in the history)"
		case Abandoned:
			op = fmt.Sprintf("%s gives up on %s: it stays indeterminate (it may or may not have taken effect)", id, n.Op)
		}
	}
	var issued string
	for _, n := range s.Notes {
		if n, ok := n.(Invoked); ok {
			issued = fmt.Sprintf("%s issues %s", id, n.Op)
		}
	}
	to := ""
	if len(s.Sends) > 0 {
		to = string(s.Sends[0].To)
		if len(s.Sends) > 1 {
			to = "every server"
		}
	}
	switch s.Input {
	case protocols.Start:
		if s.Restart {
			return fmt.Sprintf("client %s restarts: what it was waiting for stays indeterminate", id)
		}
		if issued != "" {
			return fmt.Sprintf("client %s starts and %s, sending it to %s", id, issued[len(id)+1:], to)
		}
		return fmt.Sprintf("client %s starts", id)
	case protocols.Timer:
		switch s.Timer {
		case timerTimeout:
			if op != "" {
				return op
			}
			if to != "" {
				return fmt.Sprintf("%s heard no answer in time (its timeout timer): it retries the same request at %s", id, to)
			}
			return fmt.Sprintf("%s's timeout timer fires, but nothing is outstanding", id)
		case timerRetry:
			return fmt.Sprintf("%s waited after a not-leader answer with no hint (its retry timer); it tries %s", id, to)
		case timerThink:
			if issued != "" {
				return issued + ", sending it to " + to
			}
			return fmt.Sprintf("%s's think time is over", id)
		}
	case protocols.Receive:
		r, ok := s.Msg.(Reply)
		if !ok {
			break
		}
		switch {
		case op != "" && issued != "":
			return op + "; then " + issued[len(id)+1:] + ", sending it to " + to
		case op != "":
			return op
		case r.Status == NotLeader && r.LeaderHint != "" && to != "":
			return fmt.Sprintf("%s is not the leader and says to try %s: %s resends there", s.From, r.LeaderHint, id)
		case r.Status == NotLeader:
			return fmt.Sprintf("%s is not the leader and knows no leader: %s waits a moment (its retry timer) before trying again", s.From, id)
		default:
			return fmt.Sprintf("%s ignores a late answer from %s to an operation it already finished", id, s.From)
		}
	}
	return ""
}

// ClientFields explains the generic client's status fields.
var ClientFields = []protocols.FieldHelp{
	{Name: "done", Help: "how many operations this client has completed (in this incarnation)"},
	{Name: "outstanding", Help: "the operation it is waiting for: c1#7 is client c1's 7th, then get(key), put(key,value) or append(key,value)"},
	{Name: "target", Help: "the server it sends its next attempt to: its best guess at the leader"},
}

// ClientGlossary explains the words a KV client's events show.
var ClientGlossary = []protocols.FieldHelp{
	{Name: "Request", Help: "a client's operation sent to a server: c1#7 get(k1) is c1's 7th operation; a retry repeats the same number, so a server can tell it from a new one"},
	{Name: "Reply", Help: "a server's answer: ok with the value, or not-leader with a hint of who leads"},
	{Name: "timeout", Help: "a client's timer: no answer in time, so it retries the same request at the next server"},
	{Name: "retry", Help: "a client's timer: it waited after a not-leader answer without a hint, and now tries again"},
	{Name: "think", Help: "a client's timer: the pause between one operation and the next"},
	{Name: "indeterminate", Help: "an operation whose outcome the client never learned: it may or may not have taken effect, and the linearizability check treats it so"},
	{Name: "linearizable", Help: "every operation seems to take effect at one instant between its call and its return, as on a single copy of the store"},
}
