package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/dsimlab/dsim/scenarios"
)

// picker is the catalogue: every built-in scenario, grouped by protocol,
// with its one-line title. enter opens one; / filters by name or title.
//
// It is a small hand-made list rather than bubbles/list, whose fuzzy
// filter and clipboard support pull in modules this project does not
// otherwise need.
type picker struct {
	st    styles
	keys  pickerKeyMap
	help  help.Model
	items []pickItem
	w, h  int

	sel       int // index into visible()
	filter    string
	filtering bool
	flash     string
}

type pickItem struct {
	name, protocol, short, title string
	text                         []string
	lesson                       int // its place in the learning path, from 1
}

func newPicker(all []*scenarios.Scenario) *picker {
	st := newStyles()
	h := help.New()
	h.Styles.ShortKey, h.Styles.ShortDesc = st.helpKey, st.helpDesc
	h.Styles.ShortSeparator, h.Styles.Ellipsis = st.helpSep, st.helpSep
	p := &picker{st: st, keys: newPickerKeyMap(), help: h, w: 80, h: 24}
	for i, s := range all {
		short := strings.TrimPrefix(s.Name, s.Protocol+"/")
		p.items = append(p.items, pickItem{name: s.Name, protocol: s.Protocol, short: short, title: s.Title, text: s.Text, lesson: i + 1})
	}
	return p
}

func (p *picker) setSize(w, h int) {
	p.w, p.h = max(w, 20), max(h, 6)
	p.help.Width = p.w
}

// visible lists the indexes of the items that match the filter.
func (p *picker) visible() []int {
	var out []int
	f := strings.ToLower(p.filter)
	for i, it := range p.items {
		if f == "" || strings.Contains(strings.ToLower(it.name+" "+it.title), f) {
			out = append(out, i)
		}
	}
	return out
}

// Update handles one message; enter returns a command that asks the app to
// open the selected scenario.
func (p *picker) Update(msg tea.Msg) (*picker, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.setSize(msg.Width, msg.Height)
	case tea.KeyMsg:
		if p.filtering {
			return p, p.filterKey(msg)
		}
		vis := p.visible()
		switch {
		case key.Matches(msg, p.keys.Quit):
			return p, tea.Quit
		case key.Matches(msg, p.keys.Up):
			p.sel = max(p.sel-1, 0)
		case key.Matches(msg, p.keys.Down):
			p.sel = min(p.sel+1, max(len(vis)-1, 0))
		case key.Matches(msg, p.keys.Filter):
			p.filtering = true
		case key.Matches(msg, p.keys.Clear):
			if vis := p.visible(); p.filter != "" && len(vis) > 0 {
				name := p.items[vis[min(p.sel, len(vis)-1)]].name
				p.filter = ""
				p.selectName(name)
			} else {
				p.filter = ""
			}
		case key.Matches(msg, p.keys.Open):
			if p.sel < len(vis) {
				name := p.items[vis[p.sel]].name
				return p, func() tea.Msg { return openMsg{name: name} }
			}
		}
	}
	return p, nil
}

func (p *picker) filterKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyCtrlC:
		return tea.Quit
	case tea.KeyEsc:
		p.filter, p.filtering = "", false
	case tea.KeyEnter:
		p.filtering = false
		if vis := p.visible(); len(vis) == 1 {
			name := p.items[vis[0]].name
			return func() tea.Msg { return openMsg{name: name} }
		}
	case tea.KeyBackspace:
		if p.filter != "" {
			p.filter = p.filter[:len(p.filter)-1]
			p.sel = 0 // a new list: its first match, not the old row number
		}
	case tea.KeyRunes, tea.KeySpace:
		p.filter += string(msg.Runes)
		p.sel = 0
	}
	p.sel = min(p.sel, max(len(p.visible())-1, 0))
	return nil
}

// selectName moves the selection to the scenario called name, clearing a
// filter that hides it.
func (p *picker) selectName(name string) {
	for _, pass := range []bool{false, true} {
		if pass {
			p.filter = ""
		}
		for k, i := range p.visible() {
			if p.items[i].name == name {
				p.sel = k
				return
			}
		}
	}
}

// View renders the catalogue at the current size.
func (p *picker) View() string {
	st := p.st
	lines := []string{
		st.title.Render("dsim") + " " + st.value.Render("scenarios") + st.label.Render(" — in learning order, from 1; each teaches one thing"),
	}
	switch {
	case p.filtering:
		lines = append(lines, st.input.Render("filter: "+p.filter+"▏")+st.helpDesc.Render("  enter keeps it · esc clears"))
	case p.filter != "":
		lines = append(lines, st.label.Render(fmt.Sprintf("filter %q · esc clears", p.filter)))
	case p.flash != "":
		lines = append(lines, st.errFlash.Render(p.flash))
	default:
		lines = append(lines, "")
	}
	// The list: a heading per protocol, then its scenarios; below it, the
	// selected scenario's title and teaching text, so a newcomer can read
	// what each one shows before opening it.
	vis := p.visible()
	var list []string
	selLine := 0
	prev := ""
	width := 0
	for _, i := range vis {
		width = max(width, len(p.items[i].short))
	}
	for k, i := range vis {
		it := p.items[i]
		if it.protocol != prev {
			head := it.protocol
			if proto, err := scenarios.Lookup(it.protocol); err == nil && proto.Summary != "" {
				head += " — " + proto.Summary
			}
			list = append(list, st.pickerGroup.Render(fitLine(head, p.w)))
			prev = it.protocol
		}
		mark := "  "
		name := st.pickerName.Render(padRight(it.short, width))
		if k == p.sel {
			mark = "▸ "
			selLine = len(list)
			name = st.selected.Render(padRight(it.short, width))
		}
		num := st.dim.Render(padLeft(fmt.Sprint(it.lesson), 2) + " ")
		list = append(list, mark+num+name+"  "+st.pickerTitle.Render(it.title))
	}
	if len(vis) == 0 {
		list = append(list, st.dim.Render("  no scenario matches the filter"))
	}
	aboutH := 0
	if len(vis) > 0 && p.h >= 16 {
		aboutH = min(max(p.h/3, 5), 12)
	}
	room := p.h - len(lines) - 1 - aboutH
	first := 0
	if selLine >= room {
		first = selLine - room + 1
	}
	lines = append(lines, list[first:]...)
	out := block(lines, p.w, p.h-1-aboutH)
	if aboutH > 0 {
		it := p.items[vis[min(p.sel, len(vis)-1)]]
		about := []string{rule(st.section, it.name+" · enter opens it", p.w)}
		for _, l := range wrap(it.title, p.w) {
			about = append(about, st.value.Render(l))
		}
		about = append(about, wrap(strings.Join(it.text, "\n"), p.w)...)
		if len(about) > aboutH {
			about = append(about[:aboutH-1], st.dim.Render("…"))
		}
		out += "\n" + block(about, p.w, aboutH)
	}
	return out + "\n" + p.help.View(p.keys)
}
