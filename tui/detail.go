package tui

import (
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// detailPane shows everything about the selected node or message.
type detailPane struct {
	w, h int
}

func (p *detailPane) setSize(w, h int) { p.w, p.h = w, h }

// nodeView is the whole status of one node: what the protocol reports, and
// what the simulator knows (clock, durable records, armed timers, cuts).
func (p *detailPane) nodeView(st styles, cols columns, n nodeInfo, part partition, all []protocols.NodeID, now clock.Time) string {
	s := n.state
	title := "selected node " + string(n.id) + " · tab selects messages"
	var lines []string
	add := func(text string) { lines = append(lines, wrap(text, p.w)...) }
	if !n.started {
		add(fmt.Sprintf("%s has not started yet: every node starts at time 0, one event each.", n.id))
		return p.render(st, title, lines)
	}
	if n.status == nil {
		add(fmt.Sprintf("%s is %s. Its %s (%d synced) survive; volatile state is gone. r restarts it.",
			n.id, st.down.Render("DOWN"), count(s.Records, "durable record"), s.Synced))
	} else {
		ns := n.status
		head := fmt.Sprintf("%s · %s · %s", n.id, upWord(s), st.roleStyle(ns.Role).Render(ns.Role))
		if s.Server && cols.term != "" {
			head += fmt.Sprintf(" · %s %d", cols.term, ns.Term)
		}
		if s.Server || cols.clients {
			head += fmt.Sprintf(" · %s %d", cols.commit, ns.Commit)
		}
		if ns.LogLen > 0 {
			head += fmt.Sprintf(" · log length %d", ns.LogLen)
		}
		add(head)
		if len(ns.Fields) > 0 {
			fs := make([]string, len(ns.Fields))
			for i, f := range ns.Fields {
				fs[i] = f.Name + " " + f.Value
			}
			add(strings.Join(fs, " · "))
		}
	}
	clk := fmt.Sprintf("clock offset %s, drift %s", signedDuration(s.Offset), sim.FormatPercent(s.DriftPPM))
	if n.status != nil {
		clk += fmt.Sprintf(" · %s, %d synced", count(s.Records, "durable record"), s.Synced)
	}
	if s.Paused {
		clk += fmt.Sprintf(" · paused with %s queued", count(s.Queued, "input"))
	}
	add(clk)
	if len(s.Timers) > 0 {
		ts := make([]string, len(s.Timers))
		for i, t := range s.Timers {
			ts[i] = fmt.Sprintf("%s at %s (%s)", t.Name, showTime(t.Due), relTime(now, t.Due))
		}
		add("timers: " + strings.Join(ts, ", "))
	} else if n.status != nil {
		add("timers: none armed")
	}
	if sendTo, hearFrom := part.cannot(n.id, all); len(sendTo)+len(hearFrom) > 0 {
		text := "network:"
		if len(sendTo) > 0 {
			text += " cannot send to " + strings.Join(sendTo, " ") + ";"
		}
		if len(hearFrom) > 0 {
			text += " cannot hear from " + strings.Join(hearFrom, " ")
		}
		add(strings.TrimSuffix(text, ";"))
	}
	if n.status != nil && len(n.status.Log) > 0 {
		es := make([]string, len(n.status.Log))
		for i, e := range n.status.Log {
			es[i] = fmt.Sprintf("%d/%d %s", e.Index, e.Term, e.Text)
			if e.Term == 0 {
				es[i] = fmt.Sprintf("%d %s", e.Index, e.Text)
			}
		}
		add("log: " + strings.Join(es, " · "))
	}
	return p.render(st, title, lines)
}

// msgView is one in-flight message in full.
func (p *detailPane) msgView(st styles, m sim.InFlight, fate string, now clock.Time) string {
	var lines []string
	add := func(text string) { lines = append(lines, wrap(text, p.w)...) }
	add(fmt.Sprintf("%s→%s %s · sent %s · due %s (%s)", m.From, m.To, m.Msg.Kind(), showTime(m.Sent), showTime(m.Due), relTime(now, m.Due)))
	if fate != "" {
		add(st.doomed.Render(fateText(fate)))
	} else {
		add(fateText(fate))
	}
	add(m.Msg.String())
	return p.render(st, "selected message · tab selects nodes", lines)
}

func (p *detailPane) empty(st styles, what string) string {
	return p.render(st, "detail", []string{st.dim.Render(what)})
}

// render draws the pane. Lines that do not fit are counted in the title,
// which costs none of the few lines the pane has at 80x24.
func (p *detailPane) render(st styles, title string, lines []string) string {
	if hidden := len(lines) - (p.h - 1); hidden > 0 && p.h > 1 {
		title += " · … " + count(hidden, "more line") + " below"
	}
	return block(append([]string{rule(st.section, title, p.w)}, lines...), p.w, p.h)
}

func upWord(s sim.NodeState) string {
	switch {
	case !s.Up:
		return "DOWN"
	case s.Paused:
		return "paused"
	case s.Byzantine:
		return "up, BYZANTINE (its messages may lie; the checks ignore it)"
	}
	return "up"
}

// teachPanel shows the scenario's teaching text.
type teachPanel struct {
	w, h int
}

func (p *teachPanel) setSize(w, h int) { p.w, p.h = w, h }

// textLines wraps the teaching text to w cells: lines form paragraphs,
// and an empty line ends one.
func textLines(text []string, w int) []string {
	var paras []string
	cur := ""
	for _, t := range text {
		if t == "" {
			paras = append(paras, cur)
			cur = ""
			continue
		}
		cur = strings.TrimSpace(cur + " " + t)
	}
	paras = append(paras, cur)
	var lines []string
	for i, para := range paras {
		if i > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, wrap(para, w)...)
	}
	return lines
}

// height is how many lines the panel needs to show all the text at width w.
func (p *teachPanel) height(text []string, w int) int {
	return 1 + max(len(textLines(text, w)), 1)
}

// view draws the text from line *top on (clamped so the last page is
// full); t's action is named for the layout: in the narrow one the text
// takes the timeline's place.
func (p *teachPanel) view(st styles, text []string, top *int, swapsTimeline bool) string {
	title := "teaching text · t hides it"
	if swapsTimeline {
		title = "teaching text · t shows the timeline instead"
	}
	if len(text) == 0 {
		return block([]string{rule(st.section, title, p.w), st.dim.Render("This scenario has no teaching text.")}, p.w, p.h)
	}
	body := textLines(text, p.w)
	rows := p.h - 1
	if rows <= 0 {
		return block([]string{rule(st.section, title, p.w)}, p.w, p.h)
	}
	if len(body) <= rows {
		*top = 0
		return block(append([]string{rule(st.section, title, p.w)}, body...), p.w, p.h)
	}
	// More text than room: it scrolls, and the title says where it is.
	*top = max(min(*top, len(body)-rows), 0)
	where := fmt.Sprintf(" · lines %d–%d of %d, ] more", *top+1, *top+rows, len(body))
	if *top+rows >= len(body) {
		where = fmt.Sprintf(" · lines %d–%d of %d, [ back up", *top+1, *top+rows, len(body))
	}
	lines := append([]string{rule(st.section, title+where, p.w)}, body[*top:*top+rows]...)
	return block(lines, p.w, p.h)
}
