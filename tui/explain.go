package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The explain page (e): every field the screen shows for the selected
// node or message, each with what it means, in the protocol's own words
// (its display hints' Fields and Glossary, through the seam), and the
// event shown, with its trace line taken apart.

// explainLines is the page for the current selection.
func (m *runView) explainLines(f frame, w int) []string {
	var lines []string
	add := func(text string) { lines = append(lines, wrap(text, w)...) }
	term := func(name, value, help string) {
		if help == "" {
			help = "(the protocol does not explain this one)"
		}
		head := name
		if value != "" {
			head += " " + value
		}
		for i, l := range wrap(head+" — "+help, w-2) {
			if i == 0 {
				lines = append(lines, "  "+m.st.helpKey.Render(head)+strings.TrimPrefix(l, head))
			} else {
				lines = append(lines, "    "+l)
			}
		}
	}
	d := m.sess.disp
	if m.focus == focusMsgs {
		i := m.selectedMsg(f.msgs)
		lines = append(lines, rule(m.st.section, "explain the selected message · e or esc closes", w))
		if i < 0 {
			add("No message is in flight. tab selects the nodes; e explains the selected node.")
		} else {
			msg := f.msgs[i]
			add(fmt.Sprintf("%s→%s %s, sent %s, due %s (%s).", msg.From, msg.To, msg.Msg, showTime(msg.Sent), showTime(msg.Due), relTime(m.sess.world().Now(), msg.Due)))
			term(msg.Msg.Kind(), "", d.Explain(msg.Msg.Kind()))
			for _, word := range msgWords(msg.Msg.String()) {
				if h := d.Explain(word); h != "" {
					term(word, "", h)
				}
			}
			term("fate", "", fateText(f.fates[i]))
		}
	} else {
		n := f.nodes[min(m.nodeSel, len(f.nodes)-1)]
		lines = append(lines, rule(m.st.section, "explain node "+string(n.id)+" · e or esc closes", w))
		switch {
		case !n.started:
			add(fmt.Sprintf("%s has not started yet: every node starts at time 0, one event each.", n.id))
		case n.status == nil:
			add(fmt.Sprintf("%s is DOWN: it crashed. Its synced durable records survive; everything else it knew is gone until r restarts it.", n.id))
		default:
			s := n.status
			term("role", s.Role, d.Explain(s.Role))
			if n.state.Server && m.cols.term != "" {
				term(m.cols.term, fmt.Sprint(s.Term), firstOf(d.Explain(m.cols.term), m.cols.help))
			}
			if n.state.Server || m.cols.clients {
				term(m.cols.commit, fmt.Sprint(s.Commit), firstOf(d.Explain(m.cols.commit), m.cols.help))
			}
			for _, fl := range s.Fields {
				term(fl.Name, fl.Value, d.Explain(fl.Name))
			}
			if len(s.Log) > 0 {
				term("log", "", firstOf(d.Explain("log"), "the tail of the node's log, oldest first"))
			}
			for _, t := range n.state.Timers {
				term("timer "+t.Name, "at "+showTime(t.Due), d.Explain(t.Name))
			}
		}
		if n.started {
			term("state", upWord(n.state), "up: running; DOWN: crashed; paused: stalled, its inputs queue up; BYZ: byzantine, it may lie")
		}
		if side := f.part.label[n.id]; side != "" {
			term("side", side, "which side of a cut network it is on: nodes on one side can talk; A+B reaches both sides; * a one-way cut")
		}
	}
	if rec := m.sess.current(); rec != nil {
		lines = append(lines, "", rule(m.st.section, fmt.Sprintf("the event shown: %d", rec.seq), w))
		add(rec.tape.Text)
		add(m.st.dim.Render(rec.line))
		if i := strings.LastIndex(rec.line, " ["); i >= 0 && strings.HasSuffix(rec.line, "]") {
			add("The part in brackets is what the step did: send N messages, persist N durable records, and the timers it set (a - cancels one).")
		}
		for _, mo := range rec.tape.Moments {
			add("★ teaching moment (" + mo.Kind + "): " + mo.Text)
		}
	}
	return lines
}

// msgWords are the words of a message's rendering that a glossary may
// explain: field names before "=", and bare words.
func msgWords(s string) []string {
	var out []string
	for _, w := range wordRe.FindAllString(s, -1) {
		w = strings.TrimSuffix(w, "=")
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

var wordRe = regexp.MustCompile(`[A-Za-z][A-Za-z-]*=?`)

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
