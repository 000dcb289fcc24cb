package protocols

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
)

// Teaching: the words a protocol gives the terminal UI and the reports so
// that a run explains itself. A protocol tells each event in one line
// (Display.Narrate), names its teaching moments (Display.Moments, or Moment
// notes emitted by its nodes) and explains its jargon (Display.Fields and
// Display.Glossary). Everything here is optional: without it the UI tells
// events from the trace's structure ("n3 receives AppendEntries from n1 and
// sends 1 message").

// Moment is a teaching moment: an event a learner should stop at, such as a
// leader elected, a participant blocked, an entry on a majority that may not
// be committed yet, a commit or abort, a view change. The UI's N key stops
// at moments and the narration names them; the runner counts them by kind
// (MomentLeader gives the elections metric).
//
// A node may emit a Moment as a Note (Effects.Note) where the moment
// happens; more often a protocol derives moments from the notes its nodes
// already emit, in Display.Moments.
type Moment struct {
	// Kind is one short word: "leader", "blocked", "commit", "abort",
	// "deferred", "truncate", "view-change". MomentLeader is counted by
	// the runner; other kinds are the protocol's own.
	Kind string
	// Node is the node it is about; "" means the node that stepped.
	Node NodeID
	// Text says what happened in one plain-English line: "n2 is now
	// BLOCKED: prepared, coordinator silent".
	Text string
}

// String renders the moment for traces of notes: moment blocked: n2 ...
func (m Moment) String() string { return "moment " + m.Kind + ": " + m.Text }

// Standard moment kinds: the runner counts these.
const (
	// MomentLeader: a node became leader (or primary) of a term or view.
	// The elections metric and `expect elections` count these moments, and
	// time to first leader is the time of the first.
	MomentLeader = "leader"
)

// FieldHelp explains one word a learner meets on screen: a status field, a
// message kind or field, a timer, a probe, a phrase.
type FieldHelp struct {
	Name string // as it appears: "applied", "xterm", "term/TX", "presumed abort"
	Help string // what it means, in a sentence or two
}

// Step is one event as narration sees it: which node stepped on what, what
// it sent and noted, and its status before and after.
type Step struct {
	Seq   uint64
	Time  clock.Time // global virtual time
	Node  NodeID     // the node that stepped (the receiver, for a dropped message)
	Input InputKind  // Start, Receive, Timer or Admin; 0 for a dropped message
	// Restart is set for a Start that is not the node's first.
	Restart bool
	// Records is, for a restart, how many durable records the node
	// recovers from.
	Records int
	From    NodeID   // Receive, or a dropped message: the sender
	Msg     Message  // Receive, or a dropped message
	Timer   string   // Timer: its name
	Command []string // Admin: the operator's words
	Dropped string   // a dropped message: why ("lost", "partitioned", "receiver down", ...)
	Notes   []Note   // what the node noted
	Sends   []Send   // what it sent, in order
	Server  bool     // the node is a server (not a client)
	Before  *Status  // its status before the event; nil if it was down or not started
	After   *Status  // its status after; nil if it is down
	Moments []Moment // the event's teaching moments, already gathered
	Byz     bool     // the node is byzantine: it may lie
	// Self is the node after the event (nil while down), for a protocol's
	// own Narrate to read what its status does not show (a candidate's
	// vote count). Read it only; never step it.
	Self    Node
	Cluster []NodeID // every server, for "a majority of 5"
}

// Tell is the one line that narrates s: the protocol's own words
// (Narrate), or the generic line built from the event's structure.
func (d *Display) Tell(s Step) string {
	if d.Narrate != nil && s.Input != 0 {
		if t := d.Narrate(s); t != "" {
			return t
		}
	}
	return d.generic(s)
}

// generic is GenericNarration in the display's own words for the term and
// commit columns ("moves to ballot 101", "learnt 0 → 1").
func (d *Display) generic(s Step) string {
	text := GenericNarration(s)
	if d.Term == "" && d.Commit == "" {
		return text
	}
	if ch := Changes(s.Before, s.After); ch != "" {
		text = strings.TrimSuffix(text, "; "+ch) + "; " + changes(s.Before, s.After, cmpOr(d.Term, "term"), cmpOr(d.Commit, "commit"))
	}
	return text
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// MomentsOf gathers the teaching moments of one event: the Moment notes its
// node emitted and those Display.Moments derives from its notes. Events
// without notes have none, so this costs nothing on most events.
func (d *Display) MomentsOf(ev Event) []Moment {
	if len(ev.Notes) == 0 {
		return nil
	}
	var derived []Moment
	if d.Moments != nil {
		derived = d.Moments(ev)
	}
	return GatherMoments(ev, derived)
}

// GatherMoments is MomentsOf given what Display.Moments returned for ev
// (nil without one): the Moment notes, then the derived moments not among
// them yet, each with its node filled in. A caller that sees every event
// (the runner) calls Display.Moments itself and gathers only when it or a
// Moment note found something, which is seldom.
func GatherMoments(ev Event, derived []Moment) []Moment {
	var out []Moment
	for _, n := range ev.Notes {
		if m, ok := n.(Moment); ok {
			if m.Node == "" {
				m.Node = ev.Node
			}
			out = append(out, m)
		}
	}
	for _, m := range derived {
		if m.Node == "" {
			m.Node = ev.Node
		}
		if !slices.Contains(out, m) { // one blocked moment, however many transactions
			out = append(out, m)
		}
	}
	return out
}

// Explain returns the help for a word shown on screen: a status field, a
// glossary entry (matched exactly, then by the part before a "/" or "=",
// so "term/c1.1" finds "term/TX"), or a role; "" if the protocol has none.
func (d Display) Explain(word string) string {
	for _, list := range [][]FieldHelp{d.Fields, d.Glossary} {
		for _, f := range list {
			if strings.EqualFold(f.Name, word) {
				return f.Help
			}
		}
	}
	if head, _, ok := strings.Cut(word, "/"); ok {
		for _, list := range [][]FieldHelp{d.Fields, d.Glossary} {
			for _, f := range list {
				if h, _, ok := strings.Cut(f.Name, "/"); ok && strings.EqualFold(h, head) {
					return f.Help
				}
			}
		}
	}
	if r, ok := d.Role(word); ok {
		return r.Help
	}
	return ""
}

// GenericNarration tells an event from its structure alone, for protocols
// that do not narrate: "n3 receives AppendEntries from n1 and sends 1
// message; becomes leader (was candidate)".
func GenericNarration(s Step) string {
	var b strings.Builder
	id := string(s.Node)
	switch {
	case s.Dropped != "" && s.Msg != nil:
		fmt.Fprintf(&b, "the network drops %s's %s to %s: %s", s.From, s.Msg.Kind(), id, droppedWhy(s.Dropped))
		return b.String()
	case s.Input == Start && s.Restart:
		fmt.Fprintf(&b, "%s restarts, recovering from %s", id, plural(s.Records, "durable record"))
	case s.Input == Start:
		fmt.Fprintf(&b, "%s starts", id)
	case s.Input == Timer:
		fmt.Fprintf(&b, "%s's %s timer fires", id, s.Timer)
	case s.Input == Receive && s.Msg != nil:
		fmt.Fprintf(&b, "%s receives %s from %s", id, s.Msg.Kind(), s.From)
	case s.Input == Admin:
		fmt.Fprintf(&b, "%s is given the operator's command %q", id, strings.Join(s.Command, " "))
	default:
		fmt.Fprintf(&b, "%s steps", id)
	}
	if sent := SendSummary(s.Sends); sent != "" {
		b.WriteString(" and " + sent)
	}
	if ch := Changes(s.Before, s.After); ch != "" {
		b.WriteString("; " + ch)
	}
	return b.String()
}

func droppedWhy(reason string) string {
	switch reason {
	case "lost":
		return "lost on the link (random loss)"
	case "partitioned":
		return "the link is cut (a partition)"
	case "receiver down":
		return "the receiver is down"
	case "dropped by rule":
		return "a drop rule of the scenario took it"
	case "dropped by hand":
		return "it was dropped by hand"
	}
	return reason
}

// SendSummary says what a step sent, in words: "sends 2 RequestVote", "sends
// AppendEntries to n2 and n3", "sends 3 messages"; "" when it sent nothing.
func SendSummary(sends []Send) string {
	if len(sends) == 0 {
		return ""
	}
	kinds := map[string]int{}
	var order []string
	var to []string
	for _, s := range sends {
		k := s.Msg.Kind()
		if kinds[k] == 0 {
			order = append(order, k)
		}
		kinds[k]++
		to = append(to, string(s.To))
	}
	if len(order) == 1 {
		if len(sends) <= 3 {
			return "sends " + order[0] + " to " + JoinWords(to)
		}
		return fmt.Sprintf("sends %d %s messages", len(sends), order[0])
	}
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = fmt.Sprintf("%d %s", kinds[k], k)
	}
	return "sends " + JoinWords(parts)
}

// Changes says how a node's status changed, in words: "becomes leader (was
// candidate); moves to term 2; commit 5 → 7"; "" when nothing the table
// shows changed.
func Changes(before, after *Status) string { return changes(before, after, "term", "commit") }

func changes(before, after *Status, termWord, commitWord string) string {
	switch {
	case before == nil || after == nil:
		return ""
	}
	var out []string
	if before.Role != after.Role && before.Role != "" {
		out = append(out, "becomes "+after.Role+" (was "+before.Role+")")
	}
	if before.Term != after.Term {
		out = append(out, "moves to "+termWord+" "+strconv.FormatUint(after.Term, 10))
	}
	if before.Commit != after.Commit {
		out = append(out, fmt.Sprintf("%s %d → %d", commitWord, before.Commit, after.Commit))
	}
	return strings.Join(out, "; ")
}

// JoinWords joins words as English does: "a", "a and b", "a, b and c".
func JoinWords(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Field returns the value of the status field called name, or "".
func (s *Status) Field(name string) string {
	if s == nil {
		return ""
	}
	for _, f := range s.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// The helpers below read what a step produced, for a protocol's Narrate and
// Moments.

// SentOf returns the first message of type T among sends.
func SentOf[T Message](sends []Send) (T, bool) {
	for _, s := range sends {
		if m, ok := s.Msg.(T); ok {
			return m, true
		}
	}
	var zero T
	return zero, false
}

// HasNote reports whether notes hold a note of type T.
func HasNote[T Note](notes []Note) bool {
	for _, n := range notes {
		if _, ok := n.(T); ok {
			return true
		}
	}
	return false
}

// HasProbe reports whether notes hold the probe named name.
func HasProbe(notes []Note, name string) bool {
	for _, n := range notes {
		if p, ok := n.(Probe); ok && string(p) == name {
			return true
		}
	}
	return false
}

// Receivers names the distinct receivers of sends, in the order first sent
// to, joined as words ("n2, n3 and n4").
func Receivers(sends []Send) string {
	var out []string
	for _, s := range sends {
		if !slices.Contains(out, string(s.To)) {
			out = append(out, string(s.To))
		}
	}
	return JoinWords(out)
}
