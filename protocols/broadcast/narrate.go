package broadcast

import (
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// Gossip's words for the terminal UI and reports: one line per event, its
// teaching moments (a value born, a node that has every value), and what
// every field and message on screen means.

func init() {
	Protocol.Course = 10 // its place in the learning path (docs/scenarios.md)
	d := &Protocol.Display
	d.Narrate = narrate
	d.Moments = moments
	d.Fields = fields
	d.Glossary = glossary
}

var fields = []protocols.FieldHelp{
	{Name: "values", Help: "how many values the node holds, its own and received"},
	{Name: "originated", Help: "how many values the node has made up itself so far"},
	{Name: "unacked", Help: "values it has sent to some peer that the peer has not acknowledged yet: it resends them every gossip interval"},
}

var glossary = []protocols.FieldHelp{
	{Name: "Gossip", Help: "a batch of values a node passes on to a peer; the peer persists them, then acknowledges"},
	{Name: "Ack", Help: "a peer acknowledges values, so the sender stops resending them"},
	{Name: "gossip", Help: "a node's timer (every 100ms by default): it resends each peer the values that peer has not acknowledged"},
	{Name: "originate", Help: "a node's timer: it makes up a new value (n1.3 is n1's 3rd) and gossips it"},
	{Name: "n1.3", Help: "a value: node n1's 3rd"},
	{Name: "convergence", Help: "once the network heals, every node ends up holding every value"},
}

// moments: a value is born; a retransmission crosses a network that lost
// or cut the first copy.
func moments(ev protocols.Event) []protocols.Moment {
	var out []protocols.Moment
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case Learned:
			if n.Origin {
				out = append(out, protocols.Moment{Kind: "originate", Text: fmt.Sprintf("%s makes up value %s: it must reach every node", ev.Node, n.Value)})
			}
		case protocols.Probe:
			if string(n) == ProbeRecoveredValues {
				out = append(out, protocols.Moment{Kind: "recovered", Text: fmt.Sprintf("%s restarts with the values it persisted", ev.Node)})
			}
		}
	}
	return out
}

func narrate(s protocols.Step) string {
	id := s.Node
	switch s.Input {
	case protocols.Start:
		switch {
		case s.Restart && s.After != nil:
			return fmt.Sprintf("%s restarts from %d durable records and holds %d values again; values it had not yet passed on are resent by its peers until acknowledged", id, s.Records, s.After.Commit)
		case s.Restart:
			return fmt.Sprintf("%s restarts", id)
		}
		return fmt.Sprintf("%s starts: it will make up values and gossip them", id)
	case protocols.Timer:
		switch s.Timer {
		case timerOriginate:
			v := ""
			for _, n := range s.Notes {
				if l, ok := n.(Learned); ok {
					v = l.Value
				}
			}
			return fmt.Sprintf("%s makes up value %s, persists it and gossips it to %s", id, v, receivers(s.Sends))
		case timerGossip:
			if len(s.Sends) == 0 {
				return fmt.Sprintf("%s's gossip timer fires: every peer has acknowledged everything, nothing to resend", id)
			}
			return fmt.Sprintf("%s's gossip timer fires: it resends unacknowledged values to %s (retrying is what survives loss and partitions)", id, receivers(s.Sends))
		}
	case protocols.Receive:
		switch m := s.Msg.(type) {
		case Gossip:
			learned := 0
			if s.Before != nil && s.After != nil {
				learned = s.After.Commit - s.Before.Commit
			}
			if learned == 0 {
				return fmt.Sprintf("%s already has %s from %s (a resend): it acknowledges again", id, strings.Join(m.Values, " "), s.From)
			}
			what := "1 new value"
			if learned > 1 {
				what = fmt.Sprintf("%d new values", learned)
			}
			return fmt.Sprintf("%s learns %s from %s (%s), persists, acknowledges, and will pass it on", id, what, s.From, strings.Join(m.Values, " "))
		case Ack:
			return fmt.Sprintf("%s acknowledges %s: %s stops resending them to it", s.From, strings.Join(m.Values, " "), id)
		}
	}
	return ""
}

func receivers(sends []protocols.Send) string {
	var out []string
	for _, s := range sends {
		out = append(out, string(s.To))
	}
	if len(out) == 0 {
		return "nobody (it has no peer left to tell)"
	}
	return protocols.JoinWords(out)
}
