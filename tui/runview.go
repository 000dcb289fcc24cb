package tui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

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

	showText bool
	showHelp bool
	gotoMode bool
	gotoBuf  string
	flash    string
	flashErr bool
	saveDir  string
	// escArmed is set by an esc that would discard injected faults: the
	// next key, if it is esc again, goes back to the catalogue. quitArmed
	// is the same for q.
	escArmed  bool
	quitArmed bool
	explain   bool // the body explains every field of the selection (e)
	// showDiagram draws the space-time diagram in the body (v), with
	// the filters of filt.
	showDiagram bool
	filt        diagramFilter
	pageTop     int // the first line shown of the help or the explanation
	textTop     int // the first line shown of the teaching text
	savedAt     int // sess.injections when last saved
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
			if m.sess.atViolation() {
				// A broken rule is worth stopping for; n (or space) goes
				// on from here to show what harm it does.
				m.pause()
				m.setFlash("stopped at a violation: the banner says which rule broke; n or space goes on, to show the harm", false)
				return m, nil
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
	if m.flashErr || !key.Matches(msg, k.Play, k.Faster, k.Slower, k.Help, k.Text, k.Focus, k.Up, k.Down, k.Explain, k.PageDown, k.PageUp, k.Diagram, k.Beats, k.Clients, k.Only) {
		// The last action's result stays while the user looks around; a
		// refusal or a warning is answered by the next key, whatever it is.
		m.flash, m.flashErr = "", false
	}
	armed, quitArmed := m.escArmed, m.quitArmed
	m.escArmed, m.quitArmed = false, false
	switch {
	case key.Matches(msg, k.ForceQuit):
		return tea.Quit
	case key.Matches(msg, k.Quit):
		if m.unsaved() && !quitArmed {
			m.quitArmed = true
			m.setFlash(m.discardWarning("q again quits and"), true)
			return nil
		}
		return tea.Quit
	case key.Matches(msg, k.Picker):
		switch {
		case m.showHelp:
			m.showHelp = false
		case m.explain:
			m.explain = false
		default:
			if m.unsaved() && !armed {
				m.escArmed = true
				m.setFlash(m.discardWarning("esc again goes to the catalogue and"), true)
				return nil
			}
			m.pause()
			return func() tea.Msg { return pickMsg{} }
		}
	case key.Matches(msg, k.Help):
		m.showHelp, m.explain, m.pageTop = !m.showHelp, false, 0
	case key.Matches(msg, k.Diagram):
		m.showDiagram = !m.showDiagram
		m.showHelp, m.explain = false, false
	case key.Matches(msg, k.Beats, k.Clients, k.Only):
		switch {
		case key.Matches(msg, k.Beats):
			m.filt.hideBeats = !m.filt.hideBeats
		case key.Matches(msg, k.Clients):
			m.filt.hideClients = !m.filt.hideClients
		default:
			m.filt.only = !m.filt.only
		}
		if !m.showDiagram {
			m.showDiagram = true // the filters are the diagram's
		}
	case key.Matches(msg, k.Explain):
		m.explain, m.showHelp, m.pageTop = !m.explain, false, 0
	case key.Matches(msg, k.PageDown, k.PageUp):
		d := max(m.h/2, 1)
		if key.Matches(msg, k.PageUp) {
			d = -d
		}
		switch {
		case m.showHelp || m.explain:
			m.pageTop = max(m.pageTop+d, 0) // the view clamps the bottom
		case m.showText:
			m.textTop = max(m.textTop+d, 0)
		default:
			m.setFlash("] and [ scroll the teaching text (t shows it), the keys and words (?) and an explanation (e)", false)
		}
	case key.Matches(msg, k.Text):
		m.showText = !m.showText
	case key.Matches(msg, k.Step):
		m.pause()
		if !m.sess.step() {
			m.setFlash(m.endText(), false)
		} else if m.sess.atViolation() {
			m.setFlash("this event broke a rule (the banner says which): n goes on, to show the harm", false)
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
			m.setFlash(fmt.Sprintf("saved %s · %s run %s replays this run exactly", path, scenarios.Command, scenarios.ShellQuote(path)), false)
		}
	case key.Matches(msg, k.Goto):
		m.pause()
		m.gotoMode, m.gotoBuf = true, ""
	}
	return nil
}

// lookupProtocol returns a scenario's protocol description, or nil.
func lookupProtocol(name string) *protocols.Protocol {
	p, err := scenarios.Lookup(name)
	if err != nil {
		return nil
	}
	return p
}

// unsaved reports whether faults were injected since the last save.
func (m *runView) unsaved() bool {
	return len(m.sess.injected) > 0 && m.sess.injections != m.savedAt
}

// discardWarning says what a second key press would lose.
func (m *runView) discardWarning(what string) string {
	n := len(m.sess.injected)
	them := "them"
	if n == 1 {
		them = "it"
	}
	return fmt.Sprintf("%s discards %s not saved; s saves %s first", what, count(n, "injected fault"), them)
}
