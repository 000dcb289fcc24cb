package banktest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dsimlab/dsim/protocols"
)

// list is a message carrying a slice, which a careless node might share.
type list struct{ Items []int }

func (list) Kind() string     { return "List" }
func (m list) String() string { return fmt.Sprintf("List%v", m.Items) }

// careless sends its own slice and later changes it in place; on receipt it
// scribbles on the message.
type careless struct{ items []int }

func (c *careless) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Timer:
		if in.Timer == "send" {
			out.Send("n2", list{Items: c.items})
		} else {
			c.items[0]++ // mutates what it sent earlier
		}
	case protocols.Receive:
		in.Msg.(list).Items[0] = 99
	}
}

func (c *careless) Status() protocols.Status { return protocols.Status{} }

func TestFreezeReportsMutation(t *testing.T) {
	var got []string
	f := Freeze(func(protocols.Config) protocols.Node { return &careless{items: []int{1, 2}} }, func(s string) { got = append(got, s) })
	n1, n2 := f(protocols.Config{ID: "n1"}), f(protocols.Config{ID: "n2"})
	var out protocols.Effects
	n1.Step(protocols.Input{Kind: protocols.Timer, Timer: "send"}, &out)
	sent := out.Sends[0].Msg
	assert.Equal(t, "List[1 2]", sent.String(), "frozen messages print as what they wrap")
	n1.Step(protocols.Input{Kind: protocols.Timer, Timer: "scribble"}, &out)
	out.Reset()
	n2.Step(protocols.Input{Kind: protocols.Receive, From: "n1", Msg: sent}, &out)
	assert.Equal(t, []string{
		`message "List[1 2]" became "List[2 2]" at delivery`,
		`message "List[1 2]" became "List[99 2]" after the receiver's step`,
	}, got)
}
