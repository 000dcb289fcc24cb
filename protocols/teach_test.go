package protocols

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

type ping struct{}

func (ping) Kind() string   { return "Ping" }
func (ping) String() string { return "Ping{}" }

// Without a Narrate, an event is told from its structure, in the
// display's own words for its columns.
func TestGenericNarration(t *testing.T) {
	before := &Status{Role: "candidate", Term: 1, Commit: 0}
	after := &Status{Role: "leader", Term: 1, Commit: 2}
	s := Step{Node: "n3", Input: Receive, From: "n1", Msg: ping{}, Sends: []Send{{To: "n1", Msg: ping{}}}, Before: before, After: after}
	assert.Equal(t, "n3 receives Ping from n1 and sends Ping to n1; becomes leader (was candidate); commit 0 → 2", GenericNarration(s))
	d := Display{Term: "ballot", Commit: "learnt"}
	assert.Equal(t, "n3 receives Ping from n1 and sends Ping to n1; becomes leader (was candidate); learnt 0 → 2", d.Tell(s))
	d.Narrate = func(Step) string { return "" } // "" falls back
	assert.Contains(t, d.Tell(s), "n3 receives Ping")
	d.Narrate = func(s Step) string { return "told: " + string(s.Node) }
	assert.Equal(t, "told: n3", d.Tell(s))

	assert.Equal(t, "n1's timeout timer fires", GenericNarration(Step{Node: "n1", Input: Timer, Timer: "timeout"}))
	assert.Equal(t, "n2 restarts, recovering from 3 durable records", GenericNarration(Step{Node: "n2", Input: Start, Restart: true, Records: 3}))
	assert.Equal(t, "the network drops n1's Ping to n2: the link is cut (a partition)", GenericNarration(Step{Node: "n2", From: "n1", Msg: ping{}, Dropped: "partitioned"}))
	var many []Send
	for range 5 {
		many = append(many, Send{To: "n2", Msg: ping{}})
	}
	assert.Equal(t, "sends 5 Ping messages", SendSummary(many))
	assert.Equal(t, "a, b and c", JoinWords([]string{"a", "b", "c"}))
}

// Moments come from Moment notes and from Display.Moments, once each.
func TestMomentsOf(t *testing.T) {
	d := Display{Moments: func(ev Event) []Moment {
		return []Moment{{Kind: "blocked", Text: "x"}, {Kind: "blocked", Text: "x"}}
	}}
	got := d.MomentsOf(Event{Node: "n2", Notes: []Note{Moment{Kind: MomentLeader, Text: "leads"}}})
	assert.Equal(t, []Moment{{Kind: MomentLeader, Node: "n2", Text: "leads"}, {Kind: "blocked", Node: "n2", Text: "x"}}, got)
	assert.Nil(t, d.MomentsOf(Event{Node: "n2"}), "no notes, no moments")
}

// Explain finds a field, a glossary word (term/c1.1 by its term/TX entry),
// or a role.
func TestExplain(t *testing.T) {
	d := Display{
		Fields:   []FieldHelp{{Name: "vote", Help: "whom it voted for"}},
		Glossary: []FieldHelp{{Name: "term/TX", Help: "a termination timer"}},
		Roles:    []Role{{Name: "leader", Help: "leads"}},
	}
	assert.Equal(t, "whom it voted for", d.Explain("vote"))
	assert.Equal(t, "a termination timer", d.Explain("term/c1.1"))
	assert.Equal(t, "leads", d.Explain("leader"))
	assert.Empty(t, d.Explain("nothing"))
}
