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
	"github.com/charmbracelet/x/ansi"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios"
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

	cols columns // what the nodes table's columns mean for this protocol

	showText   bool
	showHelp   bool
	gotoMode   bool
	gotoBuf    string
	flash      string
	flashErr   bool
	saveDir    string
	fromPicker bool
	// escArmed is set by an esc that would discard injected faults: the
	// next key, if it is esc again, goes back to the catalogue.
	escArmed bool
	savedAt  int // sess.injections when last saved
}

func newRunView(s *session, saveDir string) *runView {
	h := help.New()
	proto := lookupProtocol(s.base.Protocol)
	st := newStyles()
	if proto != nil {
		st = st.withRoles(proto.Display)
	}
	h.Styles.ShortKey, h.Styles.FullKey = st.helpKey, st.helpKey
	h.Styles.ShortDesc, h.Styles.FullDesc = st.helpDesc, st.helpDesc
	h.Styles.ShortSeparator, h.Styles.FullSeparator, h.Styles.Ellipsis = st.helpSep, st.helpSep, st.helpSep
	return &runView{
		sess: s, st: st, keys: newKeyMap(), help: h, w: 80, h: 24,
		speed: defaultSpeed, showText: len(s.base.Text) > 0, saveDir: saveDir,
		cols: columnsFor(proto),
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
	if m.flashErr || !key.Matches(msg, k.Play, k.Faster, k.Slower, k.Help, k.Text, k.Focus, k.Up, k.Down) {
		// The last action's result stays while the user looks around; a
		// refusal or a warning is answered by the next key, whatever it is.
		m.flash, m.flashErr = "", false
	}
	armed := m.escArmed
	m.escArmed = false
	switch {
	case key.Matches(msg, k.Quit, k.ForceQuit):
		return tea.Quit
	case key.Matches(msg, k.Picker):
		switch {
		case m.showHelp:
			m.showHelp = false
		case m.fromPicker:
			if n := len(m.sess.injected); n > 0 && m.sess.injections != m.savedAt && !armed {
				m.escArmed = true
				them := "them"
				if n == 1 {
					them = "it"
				}
				m.setFlash(fmt.Sprintf("esc again discards %s; s saves %s first", count(n, "injected fault"), them), true)
				return nil
			}
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
	case key.Matches(msg, k.NextFault):
		m.pause()
		m.nextFault()
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
		m.setFlash("speed "+count(speeds[m.speed], "event")+"/s", false)
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
			m.savedAt = m.sess.injections
			path = showPath(path)
			m.setFlash(fmt.Sprintf("saved %s · dsim run %s replays this run exactly", path, path), false)
		}
	case key.Matches(msg, k.Goto):
		m.pause()
		m.gotoMode, m.gotoBuf = true, ""
	}
	return nil
}

// gotoKey edits the go-to prompt: an event number, or a virtual time
// with a unit.
func (m *runView) gotoKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		m.gotoMode = false
	case tea.KeyCtrlC:
		return tea.Quit
	case tea.KeyBackspace:
		if r := []rune(m.gotoBuf); len(r) > 0 {
			m.gotoBuf = string(r[:len(r)-1])
		}
	case tea.KeyEnter:
		m.gotoMode = false
		if m.gotoBuf != "" {
			m.goTo(m.gotoBuf)
		}
	case tea.KeyRunes:
		for _, r := range msg.Runes {
			if strings.ContainsRune("0123456789.smhuµn", r) && len(m.gotoBuf) < 16 {
				m.gotoBuf += string(r)
			}
		}
	}
	return nil
}

// goTo goes where the go-to prompt says: "120" is event 120; "2s", "1.5s"
// and "250ms" are the first event at or after that virtual time.
func (m *runView) goTo(in string) {
	s := m.sess
	if n, err := strconv.ParseUint(in, 10, 64); err == nil {
		if err := s.goTo(n); err != nil {
			m.setFlash(err.Error(), true)
		} else if s.event() < n {
			m.setFlash(m.endText(), false)
		}
		return
	}
	d, err := clock.ParseDuration(in)
	if err != nil {
		m.setFlash(fmt.Sprintf("go to %q: want an event number (120) or a time with a unit (2s, 1.5s, 250ms)", in), true)
		return
	}
	t := clock.Time(d)
	if err := s.goToTime(t); err != nil {
		m.setFlash(err.Error(), true)
		return
	}
	if s.world().Now() < t || s.event() == 0 {
		m.setFlash(fmt.Sprintf("no event at or after %s: %s", in, m.endText()), false)
		return
	}
	m.setFlash(fmt.Sprintf("event %d, at %s, is the first at or after %s", s.event(), showTime(s.world().Now()), in), false)
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
	steps := s.next()
	if steps == 0 {
		m.setFlash(m.endText(), false)
		return
	}
	what := describeChange(s, m.cols, s.before, s.signatures())
	m.setFlash(fmt.Sprintf("%s on, at event %d: %s", count(steps, "event"), s.event(), what), false)
}

// nextFault steps to the next fault event and says what it did.
func (m *runView) nextFault() {
	s := m.sess
	steps := s.nextFault()
	switch {
	case steps == 0:
		m.setFlash(m.endText(), false)
	case s.lastFaultN == s.event() && s.lastFault != nil:
		m.setFlash(fmt.Sprintf("%s on, at event %d (%s): fault %s", count(steps, "event"), s.event(), showTime(s.world().Now()), s.lastFaultT), false)
	case s.world().Failure() != nil:
		m.setFlash(fmt.Sprintf("%s on, no fault before the violation: %s", count(steps, "event"), m.endText()), false)
	default:
		m.setFlash(fmt.Sprintf("%s on, no fault before the end: %s", count(steps, "event"), m.endText()), false)
	}
}

// describeChange names what made an event interesting, in words.
func describeChange(s *session, cols columns, before, after []signature) string {
	var out []string
	if s.lastFaultN == s.event() && s.lastFault != nil {
		out = append(out, "fault "+s.lastFaultT)
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
			out = append(out, fmt.Sprintf("%s %s (was %d)", s.nodes[at], cols.grew(ca), cb))
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
		if !m.inject(sim.Fault{Kind: sim.Restart, Nodes: []protocols.NodeID{id}}) {
			return
		}
		// The restart is one event and the node's start the next: step
		// past the start, so the frame shows the node up.
		at := m.sess.event()
		if m.sess.stepUntilUp(id, 64) {
			m.setFlash(fmt.Sprintf("injected %q at event %d; %s started again at event %d and is up · s saves this branch",
				"restart "+string(id), at, id, m.sess.event()), false)
		}
	case key.Matches(msg, k.Isolate):
		if !st.Server {
			m.setFlash(fmt.Sprintf("%s is a client: isolate cuts a server off from the other servers", id), true)
			return
		}
		m.inject(sim.Fault{Kind: sim.Isolate, Nodes: []protocols.NodeID{id}})
	}
}

// dropMessage dooms the selected in-flight message. It acts only when the
// message list has the focus, so it never drops a message the user did not
// see selected.
func (m *runView) dropMessage() {
	w := m.sess.world()
	msgs := w.InFlight()
	i := m.selectedMsg(msgs)
	switch {
	case i < 0:
		m.setFlash("no message in flight to drop", true)
		return
	case m.focus != focusMsgs:
		m.setFlash("select a message first: tab, then ↑/↓", true)
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

// inject injects a fault and says so; it reports whether it could.
func (m *runView) inject(f sim.Fault) bool {
	if err := m.sess.inject(f); err != nil {
		m.setFlash(err.Error(), true)
		return false
	}
	m.setFlash(fmt.Sprintf("injected %q at %s (now event %d) · s saves this branch", f.String(), showTime(m.sess.world().Now()), m.sess.event()), false)
	return true
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
	f.part = sides(w.Servers(), w.Clients(), w.Network().CutLinks(), m.sess.cutGroups)
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
	bodyH := h - strings.Count(top, "\n") - 1 - len(bottom) - 1
	var body string
	timeline := true
	switch {
	case m.showHelp:
		lines := append([]string{rule(m.st.section, "keys", w)}, strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n")...)
		prose := wrap(helpProse+"\n"+m.cols.help, w)
		if len(lines)+1+len(prose) <= bodyH {
			lines = append(lines, "") // room to breathe
		}
		for _, l := range prose {
			lines = append(lines, m.st.dim.Render(l))
		}
		if hidden := len(lines) - bodyH + 1; hidden > 1 && bodyH > 1 {
			lines = append(lines[:bodyH-1:bodyH-1], m.st.dim.Render("… "+count(hidden, "more line")+": a taller terminal shows them"))
		}
		body = block(lines, w, bodyH)
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

// helpProse follows the key table in the full help.
const helpProse = "Fault keys act a microsecond after the current event, so the events shown stay " +
	"as they were; after stepping back, a new fault discards those injected later (a branch). " +
	"s saves the schedule and seed as a scenario file that dsim run replays exactly. Faults act " +
	"in the chaos phase; the healing phase turns them off and judges liveness. g takes an event " +
	"number (120) or a time (2s, 250ms).\n" +
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
	// The sixth key is c, or t while the text hides the timeline.
	sixth := k.Crash
	if textHidesTimeline {
		sixth = short(k.Text, "t", "timeline")
	}
	tries := [][]key.Binding{
		{k.Step, k.Back, k.Next, k.NextFault, k.Play, sixth, k.Help, k.Quit},
		{k.Step, k.Back, short(k.Next, "N", "next"), short(k.NextFault, "f", "fault"), k.Play, sixth, short(k.Help, "?", "keys"), k.Quit},
		{short(k.Step, "n", "step"), short(k.Back, "b", "back"), short(k.Next, "N", "next"), short(k.NextFault, "f", "fault"), k.Play, sixth, short(k.Help, "?", "keys"), k.Quit},
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
	l.nodes = min(1+len(f.nodes), max(h-6, 2))
	rest := h - l.nodes
	l.flight = 1 + max(2, rest/5)
	rest -= l.flight
	if m.showText {
		// A short terminal gives the text the whole bottom; a tall one
		// shares it with the timeline and the detail pane.
		l.text = rest
		if rest >= 20 {
			l.text = min(m.teach.height(m.sess.base.Text, w), rest/2)
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
	if l.timeline+l.detail > 0 {
		m.tl.setSize(w, l.timeline)
		m.detail.setSize(w, l.detail)
		parts = append(parts, m.tl.view(m.st, m.sess.nodes, m.sess.recent, m.sess.event()), m.detailView(f))
	}
	if l.text > 0 {
		m.teach.setSize(w, l.text)
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

// lookupProtocol returns a scenario's protocol description, or nil.
func lookupProtocol(name string) *protocols.Protocol {
	p, err := scenarios.Lookup(name)
	if err != nil {
		return nil
	}
	return p
}
