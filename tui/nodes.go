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

// columns says what the table's number columns mean for one protocol:
// Status.Term and Status.Commit are each protocol's own (a Raft commit
// index, a count of committed transactions, of values received). They come
// from the protocol's display hints.
type columns struct {
	term    string             // the term column's heading; "" hides it: the protocol has no terms
	commit  string             // the commit column's heading
	clients bool               // clients' Commit means the same; otherwise their cell is "-"
	log     string             // the heading of the last column; "" guesses from the logs
	grew    func(n int) string // how N says the highest Commit grew to n: "committed up to 7"
	help    string             // what the columns mean, for the full help
}

// columnsFor is the columns of a protocol, from its display hints; nil
// (a protocol the UI cannot look up) gets generic headings.
func columnsFor(p *protocols.Protocol) columns {
	if p == nil {
		return columns{term: "term", commit: "commit", clients: true, grew: committedUpTo,
			help: "term: the node's term or view. commit: its commit point."}
	}
	d := p.Display
	c := columns{term: d.Term, commit: d.Commit, clients: d.ClientCommit, log: d.Log, grew: d.Progress, help: d.Help}
	for _, r := range d.Roles {
		if r.Help != "" {
			c.help += "\n" + r.Name + ": " + r.Help + "."
		}
	}
	if c.commit == "" {
		c.commit = "commit"
	}
	if c.grew == nil {
		c.grew = committedUpTo
	}
	return c
}

func committedUpTo(n int) string { return fmt.Sprintf("committed up to %d", n) }

// heading is the table's heading row, for nodes as they are now.
func (c columns) heading(nodes []nodeInfo) string {
	logHead := c.log
	if logHead == "" {
		logHead = "log tail / status"
		if hasTerms(nodes) {
			logHead = "log (index/term; | = commit point)"
		}
	}
	head := padRight("", colSel) + padRight("node", colNode) + padRight("state", colState) + padRight("role", colRole)
	if c.term != "" {
		head += padLeft(c.term, colTerm)
	}
	return head + padLeft(c.commit, colCommit) + "  " + padRight("side", colSide) + logHead
}

// view draws the table with the selected node visible. The marker shows
// which node the node keys act on even when the messages have the focus;
// it is dimmed then.
func (p *nodesPanel) view(st styles, cols columns, nodes []nodeInfo, part partition, sel int, focused bool) string {
	lines := []string{st.colHead.Render(fitLine(cols.heading(nodes), p.w))}
	first, n, more := window(len(nodes), p.h-1, sel)
	for i := first; i < first+n; i++ {
		lines = append(lines, p.row(st, cols, nodes[i], part, i == sel, focused))
	}
	if more != "" {
		lines = append(lines, st.dim.Render("  "+more+" · ↑↓ scrolls"))
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

func (p *nodesPanel) row(st styles, cols columns, n nodeInfo, part partition, selected, focused bool) string {
	var state string
	switch {
	case !n.started:
		state = st.dim.Render(padRight("-", colState))
	case !n.state.Up:
		state = st.down.Render(padRight("DOWN", colState))
	case n.state.Paused:
		state = st.pause.Render(padRight("paused", colState))
	case n.state.Byzantine:
		state = st.roles[protocols.RoleFaulty].Render(padRight("BYZ", colState))
	default:
		state = st.up.Render(padRight("up", colState))
	}
	role, term, commit := "-", "-", "-"
	var tail []string
	if s := n.status; s != nil {
		role = s.Role
		if n.state.Server {
			term = strconv.FormatUint(s.Term, 10)
		}
		if n.state.Server || cols.clients {
			commit = strconv.Itoa(s.Commit)
		}
		tail = logTail(st, *s)
	} else if !n.started {
		role = "not started"
	}
	side := part.label[n.id]
	if part.oneWay[n.id] {
		side += "*"
	}
	left := padRight(string(n.id), colNode)
	switch {
	case selected && focused:
		left = st.selected.Render("▸ " + left)
	case selected:
		left = st.dim.Render("▸ ") + left
	default:
		left = "  " + left
	}
	roleText := padRight(role, colRole)
	if n.status != nil {
		roleText = st.roleStyle(role).Render(roleText)
	} else {
		roleText = st.dim.Render(roleText)
	}
	row := left + state + roleText
	if cols.term != "" {
		row += padLeft(term, colTerm)
	}
	row += padLeft(commit, colCommit) + "  " + padRight(side, colSide)
	room := p.w - ansi.StringWidth(row)
	if n.status != nil && len(n.status.Log) == 0 {
		// Status fields: the first ones matter most.
		return fitLine(row+st.dim.Render(fitHead(tail, room)), p.w)
	}
	return fitLine(row+fitTail(tail, n.status != nil && len(n.status.Log) > 0 && n.status.Log[0].Index > 1, room), p.w)
}

// logTail renders the end of a node's log as words: "index/term" (or the
// entry's text for protocols without terms), with a bar after the last
// committed entry. A node without a log shows its status fields instead,
// one word per field.
func logTail(st styles, s protocols.Status) []string {
	var words []string
	if len(s.Log) == 0 {
		for _, f := range s.Fields {
			if f.Value != "-" && f.Value != "" {
				words = append(words, f.Name+"="+f.Value)
			}
		}
		return words
	}
	withTerms := false
	for _, e := range s.Log {
		withTerms = withTerms || e.Term > 0
	}
	if withTerms && s.Commit < s.Log[0].Index {
		words = append(words, "|")
	}
	for i, e := range s.Log {
		if i > 0 && withTerms && s.Log[i-1].Index == s.Commit && e.Index > s.Commit {
			words = append(words, "|")
		}
		text := e.Text
		if withTerms || text == "" {
			text = fmt.Sprintf("%d/%d", e.Index, e.Term)
		}
		if withTerms && e.Index > s.Commit {
			text = st.dim.Render(text)
		}
		words = append(words, text)
	}
	if withTerms && s.Log[len(s.Log)-1].Index == s.Commit {
		words = append(words, "|")
	}
	return words
}

// fitTail keeps the newest words of a log tail that fit in w cells,
// dropping whole entries from the front: "… 55/1 56/1", never "…1 56/1".
// older says the log has entries before the first word.
func fitTail(words []string, older bool, w int) string {
	for i := range words {
		s := strings.Join(words[i:], " ")
		if older || i > 0 {
			s = "… " + s
		}
		if ansi.StringWidth(s) <= w {
			return s
		}
	}
	if w >= 1 && len(words) > 0 {
		return "…"
	}
	return ""
}

// fitHead keeps the first words (status fields, which matter in that
// order) that fit in w cells. When a good part of the next word fits too,
// it is cut with "…"; otherwise the words stop at a boundary with " …".
func fitHead(words []string, w int) string {
	all := strings.Join(words, " ")
	if ansi.StringWidth(all) <= w {
		return all
	}
	k, width := 0, 0
	for ; k < len(words); k++ {
		next := width + ansi.StringWidth(words[k])
		if k > 0 {
			next++
		}
		if next+2 > w {
			break
		}
		width = next
	}
	if k == 0 || w-width >= 12 {
		return ansi.Truncate(all, w, "…")
	}
	return strings.Join(words[:k], " ") + " …"
}
