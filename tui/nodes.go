package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// nodeInfo is one node as the frame shows it.
type nodeInfo struct {
	id      protocols.NodeID
	state   sim.NodeState
	status  *protocols.Status // nil while the node is down
	started bool              // false until its first start event
}

// nodesPanel is the table of nodes: one row per server and client.
type nodesPanel struct {
	w, h int
}

func (p *nodesPanel) setSize(w, h int) { p.w, p.h = w, h }

// The column widths of the table, so heading and rows line up.
const (
	colSel    = 2
	colNode   = 5
	colState  = 7
	colRole   = 12
	colTerm   = 5
	colCommit = 7
	colSide   = 6
)

func (p *nodesPanel) view(st styles, nodes []nodeInfo, part partition, sel int, focused bool) string {
	lines := make([]string, 0, len(nodes)+1)
	logHead := "log (index/term; | = commit point)"
	if !hasTerms(nodes) {
		logHead = "log tail / status"
	}
	head := padRight("", colSel) + padRight("node", colNode) + padRight("state", colState) + padRight("role", colRole) +
		padLeft("term", colTerm) + padLeft("commit", colCommit) + "  " + padRight("side", colSide) + logHead
	lines = append(lines, st.colHead.Render(fitLine(head, p.w)))
	rows := max(p.h-1, 0)
	first := 0
	if sel >= rows && rows > 0 {
		first = sel - rows + 1
	}
	terms := anyTerm(nodes)
	for i := first; i < len(nodes) && len(lines) < p.h; i++ {
		lines = append(lines, p.row(st, nodes[i], part, i == sel, focused, terms))
	}
	return block(lines, p.w, p.h)
}

func hasTerms(nodes []nodeInfo) bool {
	for _, n := range nodes {
		if n.status != nil {
			for _, e := range n.status.Log {
				if e.Term > 0 {
					return true
				}
			}
		}
	}
	return false
}

// anyTerm reports whether some node has a term above zero: until one
// does, the term column shows "-" (no term yet, or a protocol without
// terms, such as gossip).
func anyTerm(nodes []nodeInfo) bool {
	for _, n := range nodes {
		if n.status != nil && n.status.Term > 0 {
			return true
		}
	}
	return false
}

func (p *nodesPanel) row(st styles, n nodeInfo, part partition, selected, focused, terms bool) string {
	mark := "  "
	if selected {
		mark = "▸ "
	}
	var state string
	switch {
	case !n.started:
		state = st.dim.Render(padRight("-", colState))
	case !n.state.Up:
		state = st.down.Render(padRight("DOWN", colState))
	case n.state.Paused:
		state = st.pause.Render(padRight("paused", colState))
	default:
		state = st.up.Render(padRight("up", colState))
	}
	role, term, commit, tail := "-", "-", "-", ""
	if s := n.status; s != nil {
		role = s.Role
		if n.state.Server && terms {
			term = strconv.FormatUint(s.Term, 10)
		}
		commit = strconv.Itoa(s.Commit)
		tail = logTail(st, *s)
	} else if !n.started {
		role = "not started"
	}
	side := part.label[n.id]
	if part.oneWay[n.id] {
		side += "*"
	}
	left := mark + padRight(string(n.id), colNode)
	if selected && focused {
		left = st.selected.Render(left)
	}
	roleText := padRight(role, colRole)
	if n.status != nil {
		roleText = st.roleStyle(role).Render(roleText)
	} else {
		roleText = st.dim.Render(roleText)
	}
	row := left + state + roleText + padLeft(term, colTerm) + padLeft(commit, colCommit) + "  " + padRight(side, colSide)
	if n.status != nil && len(n.status.Log) == 0 {
		return fitLine(row+tail, p.w) // status fields: the first ones matter most
	}
	room := p.w - ansi.StringWidth(row)
	return fitLine(row+fitTail(tail, room), p.w)
}

// logTail renders the end of a node's log as "index/term" (or the entry's
// text for protocols without terms), with a bar after the last committed
// entry. A node without a log shows its status fields instead.
func logTail(st styles, s protocols.Status) string {
	if len(s.Log) == 0 {
		var parts []string
		for _, f := range s.Fields {
			if f.Value != "-" && f.Value != "" {
				parts = append(parts, f.Name+"="+f.Value)
			}
		}
		return st.dim.Render(strings.Join(parts, " "))
	}
	var b strings.Builder
	if s.Log[0].Index > 1 {
		b.WriteString("… ")
	}
	withTerms := false
	for _, e := range s.Log {
		withTerms = withTerms || e.Term > 0
	}
	if withTerms && s.Commit < s.Log[0].Index {
		b.WriteString("| ")
	}
	for i, e := range s.Log {
		if i > 0 {
			if withTerms && s.Log[i-1].Index == s.Commit && e.Index > s.Commit {
				b.WriteString(" | ")
			} else {
				b.WriteByte(' ')
			}
		}
		text := e.Text
		if withTerms || text == "" {
			text = fmt.Sprintf("%d/%d", e.Index, e.Term)
		}
		if withTerms && e.Index > s.Commit {
			text = st.dim.Render(text)
		}
		b.WriteString(text)
	}
	if withTerms && len(s.Log) > 0 && s.Log[len(s.Log)-1].Index == s.Commit {
		b.WriteString(" |")
	}
	return b.String()
}

// fitTail keeps the newest end of a log tail that is too long for w cells.
func fitTail(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.TruncateLeft(s, ansi.StringWidth(s)-w+1, "…")
}
