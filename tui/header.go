package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/scenarios"
)

// header is the top two lines: what is being run, and where the run is
// (and a third for the load, when the run records a timeline).
// When the run has failed or ended, the first line becomes a full-width
// banner with the verdict, so a violation cannot be missed.
type header struct {
	w int
}

func (p *header) setSize(w int) { p.w = w }

// headerState is what the header shows besides the session.
type headerState struct {
	running bool
	speed   int // events per second while running
}

func (p *header) view(st styles, s *session, hs headerState) string {
	sc := s.base
	w := s.world()
	first := st.title.Render("dsim") + " " + st.value.Render(sc.Name) + st.label.Render(fmt.Sprintf(" seed %d", s.seed))
	if s.bug != "" || sc.Bug != "" {
		bug := s.bug
		if bug == "" {
			bug = sc.Bug
		}
		first += st.label.Render(" bug ") + st.errFlash.Render(bug)
	}
	if sc.Title != "" {
		first += st.label.Render(" — " + sc.Title)
	}
	firsts := []string{first}
	if banner, style, ok := p.banner(st, s); ok {
		// The verdict is worth up to three lines: a violation's detail is
		// the point of the run.
		firsts = nil
		lines := wrap(banner, p.w-1)
		if len(lines) > 3 {
			lines = lines[:3]
			lines[2] = fitLine(lines[2]+" …", p.w-1)
		}
		for _, l := range lines {
			firsts = append(firsts, style.Render(fitLine(" "+l, p.w)))
		}
	}

	parts := []string{
		st.label.Render("event ") + st.value.Render(fmt.Sprint(s.event())),
		st.value.Render(showTime(w.Now())),
	}
	switch {
	case s.over():
		parts = append(parts, st.value.Render("ended"))
	case hs.running:
		parts = append(parts, st.running.Render(fmt.Sprintf("▶ running %d ev/s", hs.speed)))
	default:
		// The speed shows while paused too: it is what space will run at.
		parts = append(parts, st.paused.Render("❚❚ paused")+st.label.Render(fmt.Sprintf(" (space: %d ev/s)", hs.speed)))
	}
	healAt := clock.Time(sc.Duration)
	end := clock.FormatDuration(s.run.End.Since0())
	switch {
	case s.over():
	case s.run.Healing():
		parts = append(parts, st.healing.Render("healing: faults off, checks at "+end))
	case len(sc.Faults) == 0 && sc.Chaos == "" && len(s.injected) == 0:
		// A calm scenario has no fault phase to speak of.
		parts = append(parts, st.label.Render("no faults scheduled · checks at "+end))
	default:
		parts = append(parts, st.label.Render("faults until "+clock.FormatDuration(healAt.Since0())+", then healing"))
	}
	parts = append(parts, p.checks(st, s))
	lines := append(firsts, strings.Join(parts, st.label.Render(" · ")))
	if l := loadLine(st, s, p.w); l != "" {
		lines = append(lines, l) // load.go: a line of its own
	}
	return block(lines, p.w, len(lines))
}

// checks is the one-word status of the checks.
func (p *header) checks(st styles, s *session) string {
	if vs := s.violations(); len(vs) > 0 {
		if s.expects(vs[0].Kind) {
			return st.expected.Render("VIOLATION (expected)")
		}
		return st.violation.Render("✗ VIOLATION")
	}
	if r := s.result; r != nil {
		if r.Pass {
			return st.ok.Render("✓ PASS")
		}
		return st.violation.Render("✗ FAIL")
	}
	return st.ok.Render("✓ checks ok")
}

// banner is the verdict line, once there is one.
func (p *header) banner(st styles, s *session) (string, lipgloss.Style, bool) {
	r := s.result
	if vs := s.violations(); len(vs) > 0 && (r == nil || !r.Pass || s.expects(vs[0].Kind)) {
		// The first broken rule, with the later ones named: the run goes
		// on past a violation to show the harm it does.
		f := vs[0]
		text := fmt.Sprintf("VIOLATION %s at event %d (%s)", f.Kind, f.Seq, showTime(f.Time))
		if f.Node != "" {
			text += " at " + string(f.Node)
		}
		text += ": " + f.Detail
		for _, g := range vs[1:] {
			text += fmt.Sprintf(" · then %s at event %d", g.Kind, g.Seq)
		}
		style := st.violation
		switch {
		case s.expects(f.Kind):
			text += " — this scenario exists to show it"
			style = st.expected
		}
		if r == nil && s.world().Failure() == nil {
			text += " · n goes on, to show the harm"
		}
		return text, style, true
	}
	if r == nil {
		return "", lipgloss.Style{}, false
	}
	if r.Pass {
		text := "RUN OVER: PASS · " + verdictSummary(r)
		if r.Expect != "" {
			text = "RUN OVER: PASS (" + r.Expect + " found) · " + verdictSummary(r)
		}
		return text, st.okBanner, true
	}
	var vs []string
	for _, v := range r.Violations {
		vs = append(vs, v.String())
	}
	text := "RUN OVER: FAIL · " + strings.Join(vs, "; ")
	if len(vs) == 0 && r.Expect != "" {
		text = "RUN OVER: FAIL · the scenario expects " + r.Expect + ", and the run did not show it"
	}
	return text, st.violation, true
}

// verdictSummary is the short account of a passing run.
func verdictSummary(r *scenarios.Result) string {
	parts := []string{count(int(r.Events), "event")}
	if r.Linearizable != "skipped" {
		parts = append(parts, fmt.Sprintf("%d ops ok, %d indeterminate", r.Ops.OK, r.Ops.Indeterminate), "linearizable "+r.Linearizable)
	}
	parts = append(parts, fmt.Sprintf("%d messages sent, %d dropped", r.Messages.Sent, r.Messages.Dropped))
	// The hash is what `dsim run` of a saved file prints for the same run.
	parts = append(parts, "trace hash "+r.TraceHash)
	return strings.Join(parts, " · ")
}

// expects reports whether the scenario exists to show a violation of kind.
func (s *session) expects(kind string) bool {
	e := s.base.Expect
	return e.Kind == "violation" && e.Name == kind
}
