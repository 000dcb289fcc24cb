package tui

import (
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// flightPanel lists the messages on the wire, soonest first.
type flightPanel struct {
	w, h int
}

func (p *flightPanel) setSize(w, h int) { p.w, p.h = w, h }

// msgKey names an in-flight message across rebuilds of the world (its
// queue ID shifts when a fault is injected before it was sent).
type msgKey struct {
	from, to protocols.NodeID
	kind     string
	sent     clock.Time
}

func keyOf(m sim.InFlight) msgKey {
	return msgKey{from: m.From, to: m.To, kind: m.Msg.Kind(), sent: m.Sent}
}

// fate says, in a word, what will become of a message if nothing changes:
// "" when it will be delivered.
func fate(m sim.InFlight, part partition, down map[protocols.NodeID]bool, held map[net.Link]bool) string {
	switch {
	case m.Fate == net.Lost:
		return "lost"
	case m.Fate == net.Targeted:
		return "drop"
	case m.Due == clock.Never || held[net.Link{From: m.From, To: m.To}]:
		return "held"
	case part.cut[net.Link{From: m.From, To: m.To}]:
		return "cut"
	case down[m.To]:
		return "down"
	}
	return ""
}

// fateText explains a fate word in the detail pane.
func fateText(f string) string {
	switch f {
	case "lost":
		return "it will never arrive: the link loses it (random loss, decided when it was sent)"
	case "drop":
		return "it will never arrive: a drop rule of the scenario (drop next ...) took it"
	case "hand":
		return "it will never arrive: it was dropped by hand (d, saved as drop inflight)"
	case "held":
		return "held: its link is clogged or held; it waits until released"
	case "cut":
		return "its link is cut now: it is dropped on arrival unless the network heals first"
	case "down":
		return "its receiver is down now: it is dropped on arrival unless the node restarts first"
	case "shed":
		return shedText // load.go
	}
	return "on its way: it will be delivered"
}

// relTime says how long until t, compactly: "in 3.6ms", "in 120µs",
// "in 1.25s".
func relTime(now, t clock.Time) string {
	if t == clock.Never {
		return "never"
	}
	d := t.Sub(now)
	switch {
	case d < clock.Millisecond:
		return fmt.Sprintf("in %dµs", d/clock.Microsecond)
	case d < clock.Second:
		return fmt.Sprintf("in %.1fms", float64(d)/float64(clock.Millisecond))
	}
	return fmt.Sprintf("in %.2fs", d.Seconds())
}

const (
	colLink = 9
	colDue  = 10
	colFate = 6
)

// view lists the messages. sel is the selected one, or -1 when the list
// does not have the focus: an unfocused list shows no selection, since d
// acts only on a focused one.
func (p *flightPanel) view(st styles, msgs []sim.InFlight, fates []string, now clock.Time, heldLinks []net.Link, sel int) string {
	title := "in flight: " + count(len(msgs), "message")
	if len(heldLinks) > 0 {
		ls := make([]string, len(heldLinks))
		for i, l := range heldLinks {
			ls[i] = l.String()
		}
		title += " · held links: " + strings.Join(ls, " ")
	}
	if sel >= 0 {
		title += " · ↑↓ select, d drops it"
	}
	how := "tab, then ↓ scrolls"
	if sel >= 0 {
		how = "↑↓ scrolls"
	}
	rows := p.h - 1
	first, n, more := window(len(msgs), rows, sel)
	if more != "" && rows <= 3 {
		// Too few rows to spend one on the note: it goes in the title.
		first, n, more = windowOf(len(msgs), rows, sel)
		title += " · " + more + " (" + how + ")"
		more = ""
	}
	lines := []string{rule(st.section, title, p.w)}
	if len(msgs) == 0 && p.h > 1 {
		lines = append(lines, st.dim.Render("  nothing on the wire"))
	}
	for i := first; i < first+n; i++ {
		m := msgs[i]
		left := "  " + padRight(string(m.From)+"→"+string(m.To), colLink-2)
		if i == sel {
			left = st.selected.Render("▸ " + padRight(string(m.From)+"→"+string(m.To), colLink-2))
		}
		word := fates[i]
		if word == "hand" {
			word = "drop" // the detail pane says by whom
		}
		f := padRight(word, colFate)
		if word != "" {
			f = st.doomed.Render(strings.ToUpper(f))
		}
		lines = append(lines, left+padLeft(relTime(now, m.Due), colDue)+"  "+f+m.Msg.String())
	}
	if more != "" {
		lines = append(lines, st.dim.Render("  "+more+" · "+how))
	}
	return block(lines, p.w, p.h)
}
