package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// focus is the panel whose selection the arrow keys move.
type focus uint8

const (
	focusNodes focus = iota
	focusMsgs
)

// speeds are the autoplay rates, in events per second.
var speeds = []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}

const defaultSpeed = 3 // 10 events per second: slow enough to read

// runView steps through one run. It owns the session and every panel, and
// is the only place the world is advanced: on a key press, or on an
// autoplay tick, both inside Update.
type runView struct {
	sess *session
	st   styles
	keys keyMap
	help help.Model
	w, h int

	header header
	nodes  nodesPanel
	flight flightPanel
	tl     timeline
	detail detailPane
	teach  teachPanel

	focus   focus
	nodeSel int
	// The selected message is remembered by what it is, so the selection
	// survives rebuilds; msgIdx is where it was, used once it is gone.
	msgKey    msgKey
	hasMsgKey bool
	msgIdx    int

	running bool
	speed   int // index into speeds
	gen     int // autoplay generation; see tickMsg

	showText   bool
	showHelp   bool
	gotoMode   bool
	gotoBuf    string
	flash      string
	flashErr   bool
	saveDir    string
	fromPicker bool
}

func newRunView(s *session, saveDir string) *runView {
	h := help.New()
	st := newStyles()
	h.Styles.ShortKey, h.Styles.FullKey = st.helpKey, st.helpKey
	h.Styles.ShortDesc, h.Styles.FullDesc = st.helpDesc, st.helpDesc
	h.Styles.ShortSeparator, h.Styles.FullSeparator, h.Styles.Ellipsis = st.helpSep, st.helpSep, st.helpSep
	return &runView{
		sess: s, st: st, keys: newKeyMap(), help: h, w: 80, h: 24,
		speed: defaultSpeed, showText: len(s.base.Text) > 0, saveDir: saveDir,
	}
}

func (m *runView) setSize(w, h int) {
	m.w, m.h = max(w, 20), max(h, 8)
	m.help.Width = m.w
	m.header.setSize(m.w)
}

// tick schedules the next autoplay beat.
func (m *runView) tick() tea.Cmd {
	gen := m.gen
	return tea.Tick(time.Second/time.Duration(min(speeds[m.speed], 20)), func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

// perTick is how many events one autoplay beat advances: beats are at most
// 20 a second, faster speeds take bigger strides.
func (m *runView) perTick() int { return max(1, speeds[m.speed]/20) }

func (m *runView) setFlash(text string, isErr bool) { m.flash, m.flashErr = text, isErr }

func (m *runView) pause() {
	if m.running {
		m.running = false
		m.gen++
	}
}

// Update handles one message; it returns the view itself for the caller's
// convenience.
func (m *runView) Update(msg tea.Msg) (*runView, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
	case tickMsg:
		if msg.gen != m.gen || !m.running {
			return m, nil
		}
		for range m.perTick() {
			if !m.sess.step() {
				break
			}
		}
		if m.sess.over() {
			m.pause()
			return m, nil
		}
		return m, m.tick()
	case tea.KeyMsg:
		if m.gotoMode {
			return m, m.gotoKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

func (m *runView) key(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	if !key.Matches(msg, k.Play, k.Faster, k.Slower, k.Help, k.Text, k.Focus, k.Up, k.Down) {
		m.flash = "" // the last action's message stays until the next action
	}
	switch {
	case key.Matches(msg, k.Quit, k.ForceQuit):
		return tea.Quit
	case key.Matches(msg, k.Picker):
		switch {
		case m.showHelp:
			m.showHelp = false
		case m.fromPicker:
			m.pause()
			return func() tea.Msg { return pickMsg{} }
		}
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
	case key.Matches(msg, k.Text):
		m.showText = !m.showText
	case key.Matches(msg, k.Step):
		m.pause()
		if !m.sess.step() {
			m.setFlash(m.endText(), false)
		}
	case key.Matches(msg, k.Next):
		m.pause()
		m.next()
	case key.Matches(msg, k.Back):
		m.pause()
		if m.sess.event() == 0 {
			m.setFlash("already at the start (event 0)", false)
		} else if err := m.sess.back(); err != nil {
			m.setFlash(err.Error(), true)
		}
	case key.Matches(msg, k.Play):
		if m.running {
			m.pause()
			return nil
		}
		if m.sess.over() {
			m.setFlash(m.endText(), false)
			return nil
		}
		m.running = true
		m.gen++
		return m.tick()
	case key.Matches(msg, k.Faster, k.Slower):
		if key.Matches(msg, k.Faster) {
			m.speed = min(m.speed+1, len(speeds)-1)
		} else {
			m.speed = max(m.speed-1, 0)
		}
		m.setFlash(fmt.Sprintf("speed %d events/s", speeds[m.speed]), false)
		if m.running {
			m.gen++ // restart the beat at the new rate
			return m.tick()
		}
	case key.Matches(msg, k.Focus):
		if m.focus == focusNodes {
			m.focus = focusMsgs
		} else {
			m.focus = focusNodes
		}
	case key.Matches(msg, k.Up, k.Down):
		d := 1
		if key.Matches(msg, k.Up) {
			d = -1
		}
		m.moveSelection(d)
	case key.Matches(msg, k.Crash, k.Restart, k.Isolate):
		m.nodeFault(msg)
	case key.Matches(msg, k.Heal):
		w := m.sess.world()
		if len(w.Network().CutLinks()) == 0 && len(w.Network().HeldLinks(w.Now())) == 0 {
			m.setFlash("nothing to heal: no link is cut, clogged or held", true)
			return nil
		}
		m.inject(sim.Fault{Kind: sim.Heal})
	case key.Matches(msg, k.Drop):
		m.dropMessage()
	case key.Matches(msg, k.Save):
		path, err := m.sess.save(m.saveDir)
		if err != nil {
			m.setFlash("save: "+err.Error(), true)
		} else {
			m.setFlash(fmt.Sprintf("saved %s (dsim run FILE replays this run exactly)", path), false)
		}
	case key.Matches(msg, k.Goto):
		m.pause()
		m.gotoMode, m.gotoBuf = true, ""
	}
	return nil
}

// gotoKey edits the go-to-event prompt.
func (m *runView) gotoKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		m.gotoMode = false
	case tea.KeyCtrlC:
		return tea.Quit
	case tea.KeyBackspace:
		if m.gotoBuf != "" {
			m.gotoBuf = m.gotoBuf[:len(m.gotoBuf)-1]
		}
	case tea.KeyEnter:
		m.gotoMode = false
		if m.gotoBuf == "" {
			return nil
		}
		n, err := strconv.ParseUint(m.gotoBuf, 10, 64)
		if err != nil {
			m.setFlash("go to: want an event number", true)
			return nil
		}
		if err := m.sess.goTo(n); err != nil {
			m.setFlash(err.Error(), true)
		} else if m.sess.event() < n {
			m.setFlash(m.endText(), false)
		} else {
			m.flash = ""
		}
	case tea.KeyRunes:
		for _, r := range msg.Runes {
			if r >= '0' && r <= '9' && len(m.gotoBuf) < 12 {
				m.gotoBuf += string(r)
			}
		}
	}
	return nil
}

// endText says where the run ended and what can be done from there.
func (m *runView) endText() string {
	if m.sess.world().Failure() != nil {
		return fmt.Sprintf("the run stopped at event %d on a violation: b steps back, g goes to an event", m.sess.event())
	}
	return fmt.Sprintf("the run is over at event %d: b steps back, g goes to an event", m.sess.event())
}

// next steps to the next interesting event and says what changed.
func (m *runView) next() {
	s := m.sess
	from := s.event()
	steps := s.next()
	if steps == 0 {
		m.setFlash(m.endText(), false)
		return
	}
	what := describeChange(s, s.before, s.signatures())
	m.setFlash(fmt.Sprintf("%d event(s) on, at event %d: %s", steps, from+uint64(steps), what), false)
}

// describeChange names what made an event interesting, in words.
func describeChange(s *session, before, after []signature) string {
	var out []string
	if s.lastFaultN == s.event() && s.lastFault != nil {
		out = append(out, "fault "+s.lastFault.String())
	}
	if f := s.world().Failure(); f != nil {
		out = append(out, "violation "+f.Kind)
	}
	for i := range before {
		if i >= len(after) {
			break
		}
		a, b := before[i], after[i]
		id := s.nodes[i]
		if !a.started {
			continue
		}
		switch {
		case a.up && !b.up:
			out = append(out, fmt.Sprintf("%s went down", id))
			continue
		case !a.up && b.up:
			out = append(out, fmt.Sprintf("%s came up", id))
			continue
		case !a.paused && b.paused:
			out = append(out, fmt.Sprintf("%s paused", id))
		case a.paused && !b.paused:
			out = append(out, fmt.Sprintf("%s resumed", id))
		}
		if a.role != b.role && a.role != "" {
			out = append(out, fmt.Sprintf("%s became %s (was %s)", id, b.role, a.role))
		}
		if a.term != b.term {
			out = append(out, fmt.Sprintf("%s moved to term %d", id, b.term))
		}
	}
	if cb, _ := maxCommit(before); len(after) == len(before) {
		if ca, at := maxCommit(after); ca != cb && at >= 0 {
			out = append(out, fmt.Sprintf("%s committed up to %d (was %d)", s.nodes[at], ca, cb))
		}
	}
	if len(out) == 0 {
		if s.over() {
			return "the run ended"
		}
		return "nothing changed"
	}
	if len(out) > 3 {
		out = append(out[:3], "…")
	}
	return strings.Join(out, "; ")
}

// selectedNode is the node the node keys act on.
func (m *runView) selectedNode() protocols.NodeID {
	return m.sess.nodes[min(m.nodeSel, len(m.sess.nodes)-1)]
}

// selectedMsg returns the index of the selected message in msgs, or -1.
func (m *runView) selectedMsg(msgs []sim.InFlight) int {
	if len(msgs) == 0 {
		return -1
	}
	if m.hasMsgKey {
		for i, msg := range msgs {
			if keyOf(msg) == m.msgKey {
				return i
			}
		}
	}
	return min(m.msgIdx, len(msgs)-1)
}

func (m *runView) moveSelection(d int) {
	if m.focus == focusNodes {
		m.nodeSel = (m.nodeSel + d + len(m.sess.nodes)) % len(m.sess.nodes)
		return
	}
	msgs := m.sess.world().InFlight()
	if len(msgs) == 0 {
		return
	}
	i := max(0, min(m.selectedMsg(msgs)+d, len(msgs)-1))
	m.msgIdx, m.msgKey, m.hasMsgKey = i, keyOf(msgs[i]), true
}

// nodeFault injects a crash, restart or isolation of the selected node.
func (m *runView) nodeFault(msg tea.KeyMsg) {
	id := m.selectedNode()
	st := m.sess.world().State(id)
	k := m.keys
	switch {
	case key.Matches(msg, k.Crash):
		if !st.Up {
			m.setFlash(fmt.Sprintf("%s is already down: r restarts it", id), true)
			return
		}
		m.inject(sim.Fault{Kind: sim.Crash, Nodes: []protocols.NodeID{id}})
	case key.Matches(msg, k.Restart):
		if st.Up {
			m.setFlash(fmt.Sprintf("%s is up: only a crashed node restarts (c crashes it)", id), true)
			return
		}
		m.inject(sim.Fault{Kind: sim.Restart, Nodes: []protocols.NodeID{id}})
	case key.Matches(msg, k.Isolate):
		if !st.Server {
			m.setFlash(fmt.Sprintf("%s is a client: isolate cuts a server off from the other servers", id), true)
			return
		}
		m.inject(sim.Fault{Kind: sim.Isolate, Nodes: []protocols.NodeID{id}})
	}
}

// dropMessage dooms the selected in-flight message.
func (m *runView) dropMessage() {
	w := m.sess.world()
	msgs := w.InFlight()
	i := m.selectedMsg(msgs)
	if i < 0 {
		m.setFlash("no message in flight to drop", true)
		return
	}
	msg := msgs[i]
	switch {
	case msg.Fate != net.Delivered:
		m.setFlash("that message is already doomed", true)
		return
	case msg.Due < injectTime(w.Now()):
		m.setFlash("that message arrives within the microsecond, before a fault can act: n delivers it", true)
		return
	}
	m.msgKey, m.hasMsgKey, m.msgIdx = keyOf(msg), true, i
	m.inject(msg.DropFault())
}

func (m *runView) inject(f sim.Fault) {
	if err := m.sess.inject(f); err != nil {
		m.setFlash(err.Error(), true)
		return
	}
	m.setFlash(fmt.Sprintf("injected %q at %s (now event %d) · s saves this branch", f.String(), m.sess.world().Now(), m.sess.event()), false)
}

// frame is everything a view of the current event needs, read from the
// world once per View.
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
	f.part = sides(w.Servers(), w.Clients(), w.Network().CutLinks())
	f.held = w.Network().HeldLinks(w.Now())
	heldSet := map[net.Link]bool{}
	for _, l := range f.held {
		heldSet[l] = true
	}
	f.msgs = w.InFlight()
	for _, msg := range f.msgs {
		f.fates = append(f.fates, fate(msg, f.part, down, heldSet))
	}
	return f
}

// View renders the whole screen at the current size.
func (m *runView) View() string {
	w, h := m.w, m.h
	f := m.frame()
	top := m.header.view(m.st, m.sess, headerState{running: m.running, speed: speeds[m.speed]})
	bottom := []string{m.helpLine()}
	if m.flash != "" {
		style := m.st.flash
		if m.flashErr {
			style = m.st.errFlash
		}
		line := style.Render(fitLine(m.flash, w))
		if m.sess.result == nil {
			// The title line is what matters least once running: the
			// last action's message takes its place until the next key.
			top = line + top[strings.IndexByte(top, '\n'):]
		} else {
			bottom = append([]string{line}, bottom...)
		}
	}
	bodyH := h - strings.Count(top, "\n") - 1 - len(bottom)
	var body string
	switch {
	case m.showHelp:
		lines := append(strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n"), "")
		for _, l := range wrap(helpProse, w) {
			lines = append(lines, m.st.dim.Render(l))
		}
		body = block(append([]string{rule(m.st.section, "keys", w)}, lines...), w, bodyH)
	case w >= 150:
		body = m.wideBody(f, w, bodyH)
	default:
		body = m.narrowBody(f, w, bodyH)
	}
	return lipgloss.JoinVertical(lipgloss.Left, top, body, strings.Join(bottom, "\n"))
}

// helpProse follows the key table in the full help.
const helpProse = "A fault key acts a microsecond after the current event, so every event shown stays " +
	"as it was. After stepping back, injecting a fault discards the faults injected later (a branch). " +
	"s saves the whole schedule, with the seed, as a scenario file that dsim run replays exactly. " +
	"The run has a chaos phase (faults allowed) and then a healing phase (every fault off) in which " +
	"liveness is judged.\n? or esc closes this help."

func (m *runView) helpLine() string {
	if m.gotoMode {
		return m.st.input.Render("go to event: "+m.gotoBuf+"▏") + m.st.helpDesc.Render("  enter goes · esc cancels")
	}
	if m.showHelp {
		return m.help.ShortHelpView([]key.Binding{m.keys.Help, m.keys.Quit})
	}
	return m.help.ShortHelpView(m.keys.ShortHelp())
}

// narrowBody stacks the panels: nodes, in flight, then the timeline and the
// detail pane, or the teaching text in their place.
func (m *runView) narrowBody(f frame, w, h int) string {
	nodesH := min(1+len(f.nodes), max(h-6, 2))
	rest := h - nodesH
	flightH := 1 + max(2, rest/5)
	rest -= flightH
	m.nodes.setSize(w, nodesH)
	m.flight.setSize(w, flightH)
	parts := []string{m.nodesView(f), m.flightView(f)}
	textH := 0
	if m.showText {
		// A short terminal gives the text the whole bottom; a tall one
		// shares it with the timeline and the detail pane.
		textH = rest
		if rest >= 20 {
			textH = min(m.teach.height(m.sess.base.Text, w), rest/2)
		}
		rest -= textH
	}
	if rest > 0 {
		detailH := min(4, rest/2)
		if h >= 34 {
			detailH = min(7, rest/2)
		}
		m.tl.setSize(w, rest-detailH)
		m.detail.setSize(w, detailH)
		parts = append(parts, m.tl.view(m.st, m.sess.nodes, m.sess.recent, m.sess.event()), m.detailView(f))
	}
	if textH > 0 {
		m.teach.setSize(w, textH)
		parts = append(parts, m.teach.view(m.st, m.sess.base.Text))
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
		detailH := h / 2
		m.detail.setSize(rw, detailH)
		m.teach.setSize(rw, h-detailH)
		right = lipgloss.JoinVertical(lipgloss.Left, m.detailView(f), m.teach.view(m.st, m.sess.base.Text))
	} else {
		m.detail.setSize(rw, h)
		right = m.detailView(f)
	}
	sep := strings.TrimSuffix(strings.Repeat(m.st.lifeline.Render("│")+" \n", h), "\n")
	return lipgloss.JoinHorizontal(lipgloss.Top, left, sep, right)
}
func (m *runView) nodesView(f frame) string {
	return m.nodes.view(m.st, f.nodes, f.part, min(m.nodeSel, len(f.nodes)-1), m.focus == focusNodes)
}

func (m *runView) flightView(f frame) string {
	return m.flight.view(m.st, f.msgs, f.fates, m.sess.world().Now(), f.held, m.selectedMsg(f.msgs), m.focus == focusMsgs)
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
	return m.detail.nodeView(m.st, f.nodes[i], f.part, m.sess.nodes, now)
}
