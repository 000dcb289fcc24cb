package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dsimlab/dsim/protocols"
)

// timeline shows the recent events, newest at the bottom and the current
// one marked, each as its trace line (the stable format of sim/trace.go)
// after a compact Lamport-style diagram: one column per node, a lifeline
// while it is up, and per event a mark at the node it happened at. A
// delivery draws an arrow from the sender's column to the receiver's, so a
// burst of messages reads as a sequence chart.
type timeline struct {
	w, h int
}

func (p *timeline) setSize(w, h int) { p.w, p.h = w, h }

// legend explains the diagram's marks.
const legend = "o─> delivered  o╌x dropped  t timer  S start  R restart  * fault"

func (p *timeline) view(st styles, nodes []protocols.NodeID, recent []eventRec, current uint64) string {
	lines := []string{rule(st.section, "timeline · "+legend, p.w)}
	var names strings.Builder
	names.WriteString("  ")
	for _, id := range nodes {
		names.WriteString(center(string(id), 3))
	}
	names.WriteString("  event time node what")
	lines = append(lines, st.colHead.Render(fitLine(names.String(), p.w)))
	rows := p.h - 2
	if rows <= 0 {
		return block(lines, p.w, p.h)
	}
	if current == 0 || len(recent) == 0 {
		lines = append(lines, st.dim.Render("  nothing has happened yet: n steps one event, space runs"))
		return block(lines, p.w, p.h)
	}
	shown := recent[max(0, len(recent)-rows):]
	// The numbers and times are right-aligned to the widest shown, so the
	// columns stay put as numbers grow.
	var cols [2]int
	cols[0] = len("event")
	for _, rec := range shown {
		seq, at, _ := splitLine(rec)
		cols[0], cols[1] = max(cols[0], len(seq)), max(cols[1], len(at))
	}
	for _, rec := range shown {
		lines = append(lines, p.row(st, len(nodes), rec, rec.seq == current, cols))
	}
	return block(lines, p.w, p.h)
}

// splitLine splits a trace line into its event number, its time written
// with six decimals (the trace writes three, six or nine), and the rest.
func splitLine(rec eventRec) (seq, at, rest string) {
	parts := strings.SplitN(rec.line, " ", 3)
	if len(parts) < 3 {
		return strconv.FormatUint(rec.seq, 10), showTime(rec.at), rec.line
	}
	return parts[0], showTime(rec.at), parts[2]
}

// center centres s in w cells.
func center(s string, w int) string {
	if len(s) >= w {
		return s
	}
	left := (w - len(s)) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", w-len(s)-left)
}

// cell is one node's three columns of a diagram row.
type cell struct {
	r     [3]rune
	style *lipgloss.Style
}

func (p *timeline) row(st styles, n int, rec eventRec, current bool, cols [2]int) string {
	cells := make([]cell, n)
	for i := range cells {
		if rec.up&(1<<uint(i)) != 0 {
			cells[i] = cell{r: [3]rune{' ', '│', ' '}, style: &st.lifeline}
		} else {
			cells[i] = cell{r: [3]rune{' ', '·', ' '}, style: &st.lifeline}
		}
	}
	mark := func(i int, r rune, style *lipgloss.Style) {
		if i >= 0 && i < n {
			cells[i].r[1], cells[i].style = r, style
		}
	}
	switch rec.kind {
	case recStart:
		mark(rec.node, 'S', &st.up)
	case recRestart:
		mark(rec.node, 'R', &st.up)
	case recTimer:
		mark(rec.node, 't', &st.value)
	case recFault:
		if rec.all {
			for i := range cells {
				mark(i, '*', &st.fault)
			}
		}
		for _, i := range rec.fault {
			mark(i, '*', &st.fault)
		}
	case recRecv, recDrop:
		line, head, style := '─', '>', &st.arrow
		if rec.kind == recDrop {
			line, head, style = '╌', 'x', &st.dropMark
		}
		a, b := rec.from, rec.node
		if a < 0 || b < 0 || a >= n || b >= n || a == b {
			mark(b, head, style)
			break
		}
		lo, hi := min(a, b), max(a, b)
		for k := lo; k <= hi; k++ {
			cells[k] = cell{r: [3]rune{line, line, line}, style: style}
		}
		cells[lo].r[0], cells[hi].r[2] = ' ', ' '
		if head == '>' && b < a {
			head = '<'
		}
		cells[a].r[1], cells[b].r[1] = 'o', head
	}
	var b strings.Builder
	if current {
		b.WriteString("▶ ")
	} else {
		b.WriteString("  ")
	}
	for _, c := range cells {
		b.WriteString(c.style.Render(string(c.r[:])))
	}
	b.WriteString("  ")
	seq, at, rest := splitLine(rec)
	if rec.tape.ByHand && rec.kind == recDrop {
		// The trace says "dropped by rule" for every targeted drop; this
		// one was dropped by hand (d), and the screen says so.
		rest = strings.Replace(rest, "(dropped by rule)", "(dropped by hand)", 1)
	}
	text := padLeft(seq, cols[0]) + " " + padLeft(at, cols[1]) + " " + rest
	switch {
	case current:
		b.WriteString(st.current.Render(fitLine(text, max(p.w-ansi.StringWidth(b.String()), 0))))
	case rec.kind == recFault:
		b.WriteString(st.fault.Render(text))
	case rec.kind == recDrop:
		b.WriteString(st.doomed.Render(text))
	default:
		b.WriteString(text)
	}
	return fitLine(b.String(), p.w)
}
