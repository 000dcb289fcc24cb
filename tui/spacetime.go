package tui

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios"
)

// The space-time diagram (v): Lamport's picture of a run. One column per
// node, one row per event, time going down; every message is a line from
// the row and column where it was sent to the row and column where it was
// received, so causality reads off the picture: a receive hangs from its
// send. Drops end in x, messages held on a clogged link are drawn with ≈,
// messages still on the wire run off the bottom. Filters keep a five-node
// run readable: H hides heartbeats (and their replies), C hides clients,
// o shows only the selected node's messages.

// diagramFilter is what the diagram leaves out.
type diagramFilter struct {
	hideBeats   bool
	hideClients bool
	only        bool // only the selected node's events and messages
}

// diagramLegend explains the marks.
const diagramLegend = "o sent  > < received  x dropped  ≈ held  t timer  S start  R restart  * fault"

// diagramView draws the diagram in w x h.
func (m *runView) diagramView(w, h int) string {
	s := m.sess
	st := m.st
	filt := m.filt
	sel := s.nodes[min(m.nodeSel, len(s.nodes)-1)]
	// Columns: every node, or the servers when clients are hidden.
	var cols []protocols.NodeID
	colOf := map[protocols.NodeID]int{}
	for _, id := range s.nodes {
		if filt.hideClients && !s.world().State(id).Server {
			continue
		}
		colOf[id] = len(cols)
		cols = append(cols, id)
	}
	var flags []string
	if filt.hideBeats {
		flags = append(flags, "heartbeats hidden (H)")
	} else {
		flags = append(flags, "H hides heartbeats")
	}
	if filt.hideClients {
		flags = append(flags, "clients hidden (C)")
	} else {
		flags = append(flags, "C hides clients")
	}
	if filt.only {
		flags = append(flags, "only "+string(sel)+"'s messages (o; ↑↓ picks the node)")
	} else {
		flags = append(flags, "o: only "+string(sel)+"'s")
	}
	lines := []string{rule(st.section, "space-time diagram · v closes · "+strings.Join(flags, " · "), w)}
	if h <= 3 {
		return block(lines, w, h)
	}
	// Events kept by the filters, oldest first.
	selIdx := s.nodeIndex[sel]
	keep := func(r eventRec) bool {
		e := r.tape
		if e.What == "fault" {
			return !filt.only || r.all || len(r.fault) == 0 || slices.Contains(r.fault, selIdx)
		}
		if _, ok := colOf[e.Node]; !ok {
			return false
		}
		if filt.hideBeats && len(e.Moments) == 0 && routine(e) {
			return false
		}
		if filt.only && e.Node != sel && e.From != sel && !slices.ContainsFunc(e.Sends, func(t scenarios.TapeSend) bool { return t.To == sel }) {
			return false
		}
		return true
	}
	var recs []eventRec
	for _, r := range s.recent {
		if keep(r) {
			recs = append(recs, r)
		}
	}
	cw := max(5, min(9, (w-36)/max(len(cols), 1)))
	gridW := cw * len(cols)
	var names strings.Builder
	for _, id := range cols {
		names.WriteString(center(string(id), cw))
	}
	lines = append(lines, st.colHead.Render(fitLine(names.String()+"  event time · what happened", w)))
	rows := h - 3
	if len(recs) == 0 || s.event() == 0 {
		lines = append(lines, st.dim.Render("  nothing to draw yet: n steps one event, space runs"))
		lines = append(lines, st.dim.Render(fitLine(diagramLegend, w)))
		return block(lines, w, h)
	}
	recs = recs[max(0, len(recs)-rows):]
	tapes := make([]scenarios.TapeEvent, len(recs))
	for i, r := range recs {
		tapes[i] = r.tape
	}
	held := heldLinks(tapes)

	// The grid: lifelines first, then messages, then the events' marks.
	type cellT struct {
		r     rune
		style *lipgloss.Style
	}
	grid := make([][]cellT, len(recs))
	x := func(id protocols.NodeID) int { return colOf[id]*cw + cw/2 }
	for i, r := range recs {
		grid[i] = make([]cellT, gridW)
		for k := range grid[i] {
			grid[i][k] = cellT{' ', nil}
		}
		for c, id := range cols {
			ch := '·'
			if r.up&(1<<uint(s.nodeIndex[id])) != 0 {
				ch = '│'
			}
			grid[i][c*cw+cw/2] = cellT{ch, &st.lifeline}
		}
	}
	put := func(row, col int, ch rune, style *lipgloss.Style) {
		if row >= 0 && row < len(grid) && col >= 0 && col < gridW {
			grid[row][col] = cellT{ch, style}
		}
	}
	arrows := scenarios.Arrows(tapes)
	// Messages still on the wire at the current event run off the bottom;
	// they are among the sends no shown event received.
	for _, a := range arrows {
		if _, ok := colOf[a.Sender]; !ok {
			continue
		}
		if _, ok := colOf[a.Receiver]; !ok {
			continue
		}
		if filt.hideBeats && a.Heartbeat {
			continue
		}
		if filt.only && a.Sender != sel && a.Receiver != sel {
			continue
		}
		r1, r2 := float64(a.From), float64(a.To)
		if a.From < 0 {
			r1 = -0.5 // sent before the first row shown
		}
		if a.To < 0 {
			r2 = float64(len(recs)) - 0.5 // still on the wire, or received later
		}
		x1, x2 := float64(x(a.Sender)), float64(x(a.Receiver))
		isHeld := held(a, tapes)
		style := &st.arrow
		switch {
		case a.Dropped:
			style = &st.dropMark
		case a.Heartbeat:
			style = &st.lifeline
		}
		// Routed as a staircase: on each row the line runs across, then
		// turns down (╮ or ╭) and comes in on the next row (╰ or ╯), so
		// one message reads as one line however many rows it spans.
		right := x2 > x1
		lo, hi := int(x1)+1, int(x2)-1
		if !right {
			lo, hi = int(x2)+1, int(x1)-1
		}
		// down is the column where the line leaves row r for the next.
		down := func(r int) int {
			t := float64(r) + 0.5
			c := int(math.Round(x1 + (x2-x1)*(t-r1)/(r2-r1)))
			return max(lo, min(hi, c))
		}
		horiz, vert := '─', '│'
		switch {
		case a.Dropped:
			horiz, vert = '╌', '┆'
		case isHeld:
			horiz, vert = '≈', '┆'
		}
		turnDown, comeIn := '╮', '╰'
		if !right {
			turnDown, comeIn = '╭', '╯'
		}
		first := max(int(math.Ceil(r1)), 0)
		last := len(recs) - 1
		if a.To >= 0 {
			last = a.To
		}
		for row := first; row <= last; row++ {
			in := int(x1) // where the line is when the row begins
			if float64(row) > r1 {
				in = down(row - 1)
			}
			out := down(row)
			if row == a.To {
				out = int(x2)
			}
			if in == out && float64(row) > r1 {
				put(row, in, vert, style)
				continue
			}
			step := 1
			if out < in {
				step = -1
			}
			for c := in; c != out+step; c += step {
				ch := horiz
				switch {
				case c == in && float64(row) <= r1:
					continue // the sender's own column: its mark goes there
				case c == in:
					ch = comeIn
				case c == out && row == a.To:
					continue // the head goes there
				case c == out:
					ch = turnDown
				}
				put(row, c, ch, style)
			}
		}
		if a.From >= 0 {
			put(a.From, int(x1), 'o', style)
		}
		if a.To >= 0 {
			head := '>'
			switch {
			case a.Dropped:
				head = 'x'
			case x2 < x1:
				head = '<'
			}
			put(a.To, int(x2), head, style)
		}
	}
	for i, r := range recs {
		t := r.tape
		switch t.What {
		case "start":
			put(i, x(t.Node), 'S', &st.up)
		case "restart":
			put(i, x(t.Node), 'R', &st.up)
		case "timer":
			put(i, x(t.Node), 't', &st.value)
		case "admin":
			put(i, x(t.Node), 'a', &st.value)
		case "fault":
			if len(r.fault) == 0 || r.all {
				for c := range cols {
					put(i, c*cw+cw/2, '*', &st.fault)
				}
			}
			for _, k := range r.fault {
				if c, ok := colOf[s.nodes[k]]; ok {
					put(i, c*cw+cw/2, '*', &st.fault)
				}
			}
		}
	}
	for i, r := range recs {
		var b strings.Builder
		for _, c := range grid[i] {
			if c.style != nil {
				b.WriteString(c.style.Render(string(c.r)))
			} else {
				b.WriteRune(c.r)
			}
		}
		text := fmt.Sprintf("%d %s %s", r.seq, showTime(r.at), r.tape.Text)
		if len(r.tape.Moments) > 0 {
			text = "★ " + text
		}
		room := max(w-gridW-2, 0)
		mark := "  "
		switch {
		case r.seq == s.event():
			mark = "◀ "
			text = st.current.Render(fitLine(text, max(room-2, 0)))
		case r.tape.Violation != "":
			text = st.errFlash.Render(fitLine("✗ "+text, max(room-2, 0)))
		case r.tape.What == "fault":
			text = st.fault.Render(fitLine(text, max(room-2, 0)))
		}
		lines = append(lines, fitLine(b.String()+mark+ansi.Truncate(text, max(room-2, 0), "…"), w))
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	lines = append(lines, st.dim.Render(fitLine(diagramLegend, w)))
	return block(lines, w, h)
}

// routine reports whether an event is routine traffic the heartbeat
// filter hides: a heartbeat received, or a step that sent only heartbeats.
func routine(e scenarios.TapeEvent) bool {
	if e.What == "recv" || e.What == "drop" {
		return e.Heartbeat
	}
	if len(e.Sends) == 0 {
		return false
	}
	for _, s := range e.Sends {
		if !s.Heartbeat {
			return false
		}
	}
	return true
}

// heldLinks returns a test of whether a message waited on a held or
// clogged link: its link was held (hold, clog) between its send and its
// receive, by the fault events among events.
func heldLinks(events []scenarios.TapeEvent) func(a scenarios.Arrow, events []scenarios.TapeEvent) bool {
	type span struct{ from, to int }
	spans := map[string][]span{}
	open := map[string]int{}
	for i, e := range events {
		if e.What != "fault" {
			continue
		}
		f := strings.Fields(e.Fault)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "hold", "clog":
			if len(f) > 1 {
				open[f[1]] = i
			}
		case "release", "heal", "recover":
			for link, at := range open {
				if f[0] != "release" || len(f) > 1 && f[1] == link {
					spans[link] = append(spans[link], span{at, i})
					delete(open, link)
				}
			}
		}
	}
	for link, at := range open {
		spans[link] = append(spans[link], span{at, len(events)})
	}
	return func(a scenarios.Arrow, _ []scenarios.TapeEvent) bool {
		link := string(a.Sender) + "->" + string(a.Receiver)
		to := a.To
		if to < 0 {
			to = len(events)
		}
		for _, sp := range spans[link] {
			if a.From < sp.to && to > sp.from {
				return true
			}
		}
		return false
	}
}
