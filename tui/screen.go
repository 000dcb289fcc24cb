package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// focus is the panel whose selection the arrow keys move.
// The screen: the frame a view is drawn from, the help, and how the
// panels share the terminal.

type frame struct {
	nodes []nodeInfo
	msgs  []sim.InFlight
	fates []string
	part  partition
	held  []net.Link
}

func (m *runView) frame() frame {
	w := m.sess.world()
	var f frame
	down := map[protocols.NodeID]bool{}
	for i, id := range m.sess.nodes {
		n := nodeInfo{id: id, state: w.State(id), started: m.sess.started[i]}
		if node := w.Node(id); node != nil {
			s := node.Status()
			n.status = &s
		} else {
			down[id] = true
		}
		f.nodes = append(f.nodes, n)
	}
	f.part = sides(w.Servers(), w.Clients(), w.Network().CutLinks(), m.sess.cutGroups)
	f.held = w.Network().HeldLinks(w.Now())
	heldSet := map[net.Link]bool{}
	for _, l := range f.held {
		heldSet[l] = true
	}
	f.msgs = w.InFlight()
	for _, msg := range f.msgs {
		ft := fate(msg, f.part, down, heldSet)
		if ft == "drop" && m.sess.droppedByHand(msg.From, msg.To, msg.Msg.Kind(), msg.Sent) {
			ft = "hand"
		}
		f.fates = append(f.fates, ft)
	}
	shedFates(w, &f) // load.go
	return f
}

// View renders the whole screen at the current size: the header, the
// body, the last action's message on lines of its own, and the help bar.
func (m *runView) View() string {
	w, h := m.w, m.h
	f := m.frame()
	top := m.header.view(m.st, m.sess, headerState{running: m.running, speed: speeds[m.speed]})
	var bottom []string
	if m.flash != "" {
		style := m.st.flash
		if m.flashErr {
			style = m.st.errFlash
		}
		for _, l := range wrapAtMost(m.flash, w, 3) {
			bottom = append(bottom, style.Render(l))
		}
	}
	maxTell := 2
	switch {
	case h < 20:
		maxTell = 1
	case h >= 30:
		maxTell = 3
	}
	tell := m.narration(w, maxTell)
	top = lipgloss.JoinVertical(lipgloss.Left, append([]string{top}, tell...)...)
	bodyH := h - strings.Count(top, "\n") - 1 - len(bottom) - 1
	var body string
	timeline := true
	switch {
	case m.showHelp:
		body = m.page(m.helpLines(w), w, bodyH)
	case m.explain:
		body = m.page(m.explainLines(f, w), w, bodyH)
	case m.showDiagram:
		body = m.diagramView(w, bodyH)
	case w >= 150:
		body = m.wideBody(f, w, bodyH)
	default:
		var l narrowLayout
		l, timeline = m.narrowLayout(f, w, bodyH)
		body = m.narrowBody(f, w, l)
	}
	bottom = append(bottom, fitLine(m.helpLine(!timeline), w))
	return lipgloss.JoinVertical(lipgloss.Left, top, body, strings.Join(bottom, "\n"))
}

// page shows lines from m.pageTop, as many as fit in h; when some do not
// fit, the last line says where the view is and how to scroll.
func (m *runView) page(lines []string, w, h int) string {
	if h <= 0 {
		return ""
	}
	if len(lines) <= h {
		m.pageTop = 0
		return block(lines, w, h)
	}
	rows := h - 1
	m.pageTop = min(m.pageTop, len(lines)-rows)
	shown := slices.Clone(lines[m.pageTop : m.pageTop+rows])
	note := fmt.Sprintf("… lines %d–%d of %d · ] scrolls down, [ up", m.pageTop+1, m.pageTop+rows, len(lines))
	return block(append(shown, m.st.dim.Render(note)), w, h)
}

// helpLines is the full help: every key, how faults and phases work, and
// the protocol's words (its columns, roles, status fields and glossary).
func (m *runView) helpLines(w int) []string {
	lines := append([]string{rule(m.st.section, "keys", w)}, strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n")...)
	lines = append(lines, "")
	for _, l := range wrap(helpProse+"\n"+m.cols.help, w) {
		lines = append(lines, m.st.dim.Render(l))
	}
	if words := m.glossary(w); len(words) > 0 {
		lines = append(lines, "", rule(m.st.section, "words of "+m.sess.base.Protocol, w))
		lines = append(lines, words...)
	}
	return lines
}

// glossary lists the protocol's words, each with what it means: its
// status fields, then its glossary.
func (m *runView) glossary(w int) []string {
	var out []string
	d := m.sess.disp
	for _, list := range [][]protocols.FieldHelp{d.Fields, d.Glossary} {
		for _, f := range list {
			for i, l := range wrap(f.Name+": "+f.Help, w-2) {
				if i == 0 {
					out = append(out, "  "+m.st.helpKey.Render(f.Name)+strings.TrimPrefix(l, f.Name))
				} else {
					out = append(out, "    "+l)
				}
			}
		}
	}
	return out
}

// helpProse follows the key table in the full help.
const helpProse = "The line under the header tells the event shown, in words; ★ marks a teaching moment " +
	"(N stops at each). After a violation the run goes on, so n shows the harm the broken rule does.\n" +
	"Fault keys act a microsecond after the current event, so the events shown stay " +
	"as they were; after stepping back, a new fault discards those injected later (a branch). " +
	"s saves the schedule and seed as a scenario file that dsim run replays exactly. A run has two " +
	"phases: faults happen until the scenario's duration; then the healing phase turns every fault " +
	"off, restarts crashed nodes and judges that the run makes progress again. g takes an event " +
	"number (120) or a time (2s, 250ms). e explains every field of the selected node or message.\n" +
	"A trace line ends with what the step did: [send 2, persist 1, timer election -timeout] sent 2 " +
	"messages, persisted 1 record, set the election timer and cancelled the timeout timer.\n" +
	"side: which side of a cut network a node is on. A partition fault's groups are A, B, … in " +
	"its order; other cuts make the largest side A. A+B reaches both sides, * marks a one-way " +
	"cut, and a client has a side only when its own links are cut.\n" +
	"state: up, DOWN (crashed), paused, or BYZ: made byzantine, so it may lie; the checks judge the other nodes."

// helpLine is the key hint bar: the fullest wording that fits the width.
// When the teaching text takes the timeline's place, it says how to get
// the timeline back.
func (m *runView) helpLine(textHidesTimeline bool) string {
	if m.gotoMode {
		return m.st.input.Render("go to event or time: "+m.gotoBuf+"▏") +
			m.st.helpDesc.Render("  e.g. 120, 2s, 250ms · enter goes · esc cancels")
	}
	if m.showHelp {
		return m.help.ShortHelpView([]key.Binding{key.NewBinding(key.WithKeys("?"), key.WithHelp("? or esc", "close this help")), m.keys.Quit})
	}
	k := m.keys
	short := func(b key.Binding, keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(keys, desc))
	}
	// The sixth key is c, or t while the teaching text takes the
	// timeline's place (the panel's title says t swaps them).
	sixth, sixthShort := k.Crash, k.Crash
	if textHidesTimeline {
		sixth, sixthShort = k.Text, short(k.Text, "t", "text")
	}
	tries := [][]key.Binding{
		{k.Step, k.Back, k.Next, k.NextFault, k.Play, sixth, k.Help, k.Quit},
		{k.Step, k.Back, short(k.Next, "N", "next"), short(k.NextFault, "f", "fault"), k.Play, sixth, short(k.Help, "?", "keys"), k.Quit},
		{short(k.Step, "n", "step"), short(k.Back, "b", "back"), short(k.Next, "N", "next"), short(k.NextFault, "f", "fault"), k.Play, sixthShort, short(k.Help, "?", "keys"), k.Quit},
	}
	wide := m.help
	wide.Width = 0
	for _, bs := range tries {
		if v := wide.ShortHelpView(bs); ansi.StringWidth(v) <= m.w {
			return v
		}
	}
	// help.Model overflows when not even its ellipsis fits: cut it here.
	return fitLine(m.help.ShortHelpView(tries[len(tries)-1]), m.w)
}

// narrowLayout is the heights of the stacked panels; zero hides a panel.
type narrowLayout struct {
	nodes, flight, timeline, detail, text int
}

// narrowLayout sizes the stacked panels for a body of w x h, and reports
// whether the timeline has room.
func (m *runView) narrowLayout(f frame, w, h int) (narrowLayout, bool) {
	var l narrowLayout
	l.nodes = max(min(1+len(f.nodes), max(h-6, 3), h), 0)
	rest := h - l.nodes
	l.flight = max(min(1+max(2, rest/5), rest), 0)
	rest -= l.flight
	if m.showText {
		// A short terminal gives the text the whole bottom (it scrolls);
		// a tall one shares it with the timeline and the detail pane.
		// Rows the text does not need go to the timeline.
		need := m.teach.height(m.sess.base.Text, w)
		switch {
		case rest >= 20:
			l.text = min(need, rest/2)
		case rest-need >= 5:
			l.text = need
		default:
			l.text = rest
		}
		rest -= l.text
	}
	if rest > 0 {
		l.detail = min(4, rest/2)
		if h >= 34 {
			l.detail = min(7, rest/2)
		}
		l.timeline = rest - l.detail
	}
	return l, l.timeline > 2
}

// narrowBody stacks the panels: nodes, in flight, then the timeline and the
// detail pane, or the teaching text in their place.
func (m *runView) narrowBody(f frame, w int, l narrowLayout) string {
	m.nodes.setSize(w, l.nodes)
	m.flight.setSize(w, l.flight)
	parts := []string{m.nodesView(f), m.flightView(f)}
	if l.timeline > 0 {
		m.tl.setSize(w, l.timeline)
		parts = append(parts, m.tl.view(m.st, m.sess.nodes, m.sess.recent, m.sess.event()))
	}
	if l.detail > 0 {
		m.detail.setSize(w, l.detail)
		parts = append(parts, m.detailView(f))
	}
	if l.text > 0 {
		m.teach.setSize(w, l.text)
		parts = append(parts, m.teach.view(m.st, m.sess.base.Text, &m.textTop, l.timeline <= 2))
	}
	return lipgloss.JoinVertical(lipgloss.Left, parts...)
}

// wideBody puts nodes, in flight and the timeline on the left, and the
// detail pane and the teaching text on the right.
func (m *runView) wideBody(f frame, w, h int) string {
	rw := min(max(w/3, 48), 72)
	lw := w - rw - 2 // a rule and a space between the columns
	nodesH := min(1+len(f.nodes), max(h-8, 2))
	flightH := 1 + max(3, h/6)
	m.nodes.setSize(lw, nodesH)
	m.flight.setSize(lw, flightH)
	m.tl.setSize(lw, h-nodesH-flightH)
	left := lipgloss.JoinVertical(lipgloss.Left, m.nodesView(f), m.flightView(f),
		m.tl.view(m.st, m.sess.nodes, m.sess.recent, m.sess.event()))
	var right string
	if m.showText {
		// The text takes the room it needs (free rows are wasted on the
		// detail pane), leaving the detail pane at least a third; beyond
		// that it scrolls.
		textH := min(m.teach.height(m.sess.base.Text, rw), h-max(h/3, 6))
		detailH := h - textH
		m.detail.setSize(rw, detailH)
		m.teach.setSize(rw, textH)
		right = lipgloss.JoinVertical(lipgloss.Left, m.detailView(f), m.teach.view(m.st, m.sess.base.Text, &m.textTop, false))
	} else {
		m.detail.setSize(rw, h)
		right = m.detailView(f)
	}
	sep := strings.TrimSuffix(strings.Repeat(m.st.lifeline.Render("│")+" \n", h), "\n")
	return lipgloss.JoinHorizontal(lipgloss.Top, left, sep, right)
}
func (m *runView) nodesView(f frame) string {
	return m.nodes.view(m.st, m.cols, f.nodes, f.part, min(m.nodeSel, len(f.nodes)-1), m.focus == focusNodes)
}

func (m *runView) flightView(f frame) string {
	sel := -1
	if m.focus == focusMsgs {
		sel = m.selectedMsg(f.msgs)
	}
	return m.flight.view(m.st, f.msgs, f.fates, m.sess.world().Now(), f.held, sel)
}

func (m *runView) detailView(f frame) string {
	now := m.sess.world().Now()
	if m.focus == focusMsgs {
		i := m.selectedMsg(f.msgs)
		if i < 0 {
			return m.detail.empty(m.st, "no message in flight · tab selects nodes")
		}
		return m.detail.msgView(m.st, f.msgs[i], f.fates[i], now)
	}
	i := min(m.nodeSel, len(f.nodes)-1)
	return m.detail.nodeView(m.st, m.cols, f.nodes[i], f.part, m.sess.nodes, now)
}

// current is the record of the event shown, if it is recorded.
func (s *session) current() *eventRec {
	if n := len(s.recent); n > 0 && s.recent[n-1].seq == s.event() {
		return &s.recent[n-1]
	}
	return nil
}

// narration is the always-visible account of the event shown: what
// happened, in words, with its teaching moments and any rule it broke,
// wrapped to at most n lines of width w.
func (m *runView) narration(w, n int) []string {
	s := m.sess
	rec := s.current()
	var text string
	switch {
	case s.event() == 0:
		text = "event 0: nothing has happened yet. n steps one event and tells it here; N jumps to the next change; space runs."
	case rec == nil:
		text = fmt.Sprintf("event %d", s.event())
	default:
		text = fmt.Sprintf("event %d: %s", rec.seq, rec.tape.Text)
		if len(rec.tape.Moments) > 0 {
			// A teaching moment: N stops here. A protocol that narrates
			// names the moment in its own words; otherwise say it.
			text = "★ " + text
			if s.disp.Narrate == nil {
				for _, mo := range rec.tape.Moments {
					text += " ★ " + mo.Text
				}
			}
		}
		if rec.tape.Violation != "" {
			text += " ✗ this event breaks " + rec.tape.Violation
		}
	}
	lines := wrapAtMost(text, w, n)
	for i, l := range lines {
		if rec != nil && rec.tape.Violation != "" {
			lines[i] = m.st.errFlash.Render(l)
		} else {
			lines[i] = m.st.tell.Render(l)
		}
	}
	return lines
}
