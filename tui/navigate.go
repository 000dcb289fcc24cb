package tui

import (
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/dsimlab/dsim/clock"
)

// focus is the panel whose selection the arrow keys move.
// Moving through a run: the go-to prompt, stepping to the next change or
// fault, and the words that say what changed.

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
	case s.atViolation():
		vs := s.violations()
		m.setFlash(fmt.Sprintf("%s on, no fault before the violation at event %d (%s): n goes on, to show the harm", count(steps, "event"), s.event(), vs[len(vs)-1].Kind), false)
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
	if s.atViolation() {
		vs := s.violations()
		out = append(out, "✗ violation "+vs[len(vs)-1].Kind)
	}
	for _, mo := range s.moments {
		out = append(out, "★ "+mo.Text)
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
