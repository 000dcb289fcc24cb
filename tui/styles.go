package tui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/dsimlab/dsim/protocols"
)

// Every lipgloss style of the UI, in one place. Colour is never the only
// signal: every coloured thing also carries a word or a mark (a role is
// written out, a down node says "down", the current event has a ▶), so the
// UI reads the same on a monochrome terminal and in the golden files,
// which are rendered without colour.
type styles struct {
	title     lipgloss.Style // the app name in the header
	label     lipgloss.Style // quiet labels: "seed", "event"
	value     lipgloss.Style // the values next to them
	running   lipgloss.Style
	paused    lipgloss.Style
	healing   lipgloss.Style
	ok        lipgloss.Style // checks ok, a passing verdict
	okBanner  lipgloss.Style // the banner of a passing run
	violation lipgloss.Style // a violation or failing verdict: impossible to miss
	expected  lipgloss.Style // a violation the scenario exists to show
	flash     lipgloss.Style // the one-line result of the last action
	tell      lipgloss.Style // the narration of the event shown
	errFlash  lipgloss.Style

	section  lipgloss.Style // a section's title rule
	colHead  lipgloss.Style // column headings
	selected lipgloss.Style // the selected row of the focused panel
	dim      lipgloss.Style // secondary text

	roles     map[protocols.RoleKind]lipgloss.Style // by what a role is
	roleKinds map[string]protocols.RoleKind         // the protocol's role words (withRoles)
	up        lipgloss.Style
	down      lipgloss.Style
	pause     lipgloss.Style

	doomed   lipgloss.Style // an in-flight message that will not arrive
	arrow    lipgloss.Style // a message arrow in the timeline
	dropMark lipgloss.Style
	fault    lipgloss.Style // fault events in the timeline
	current  lipgloss.Style // the current event in the timeline
	lifeline lipgloss.Style

	helpKey  lipgloss.Style
	helpDesc lipgloss.Style
	helpSep  lipgloss.Style
	input    lipgloss.Style // the go-to prompt

	pickerGroup lipgloss.Style
	pickerName  lipgloss.Style
	pickerTitle lipgloss.Style
}

func newStyles() styles {
	color := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	var (
		green  = color("28", "42")
		yellow = color("130", "214")
		blue   = color("25", "75")
		red    = color("160", "203")
		purple = color("91", "177")
		orange = color("166", "208")
		grey   = color("243", "247")
		faint  = color("248", "240")
	)
	s := styles{
		title:     lipgloss.NewStyle().Bold(true).Foreground(purple),
		label:     lipgloss.NewStyle().Foreground(grey),
		value:     lipgloss.NewStyle().Bold(true),
		running:   lipgloss.NewStyle().Bold(true).Foreground(green),
		paused:    lipgloss.NewStyle().Bold(true).Foreground(yellow),
		healing:   lipgloss.NewStyle().Foreground(blue),
		ok:        lipgloss.NewStyle().Foreground(green),
		okBanner:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("16")).Background(lipgloss.Color("42")),
		violation: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("231")).Background(lipgloss.Color("160")),
		expected:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("16")).Background(lipgloss.Color("214")),
		flash:     lipgloss.NewStyle().Foreground(blue),
		tell:      lipgloss.NewStyle().Bold(true),
		errFlash:  lipgloss.NewStyle().Bold(true).Foreground(red),

		section:  lipgloss.NewStyle().Foreground(grey),
		colHead:  lipgloss.NewStyle().Foreground(grey).Underline(true),
		selected: lipgloss.NewStyle().Reverse(true),
		dim:      lipgloss.NewStyle().Foreground(grey),

		roles: map[protocols.RoleKind]lipgloss.Style{
			protocols.RoleLeads:   lipgloss.NewStyle().Bold(true).Foreground(green),
			protocols.RoleSeeks:   lipgloss.NewStyle().Bold(true).Foreground(yellow),
			protocols.RoleFollows: lipgloss.NewStyle().Foreground(blue),
			protocols.RoleClient:  lipgloss.NewStyle().Foreground(purple),
			protocols.RoleOther:   lipgloss.NewStyle().Foreground(blue),
			protocols.RoleFaulty:  lipgloss.NewStyle().Bold(true).Foreground(red),
		},
		up:    lipgloss.NewStyle().Foreground(green),
		down:  lipgloss.NewStyle().Bold(true).Foreground(red),
		pause: lipgloss.NewStyle().Bold(true).Foreground(yellow),

		doomed:   lipgloss.NewStyle().Foreground(red),
		arrow:    lipgloss.NewStyle().Foreground(blue),
		dropMark: lipgloss.NewStyle().Bold(true).Foreground(red),
		fault:    lipgloss.NewStyle().Bold(true).Foreground(orange),
		current:  lipgloss.NewStyle().Bold(true).Reverse(true),
		lifeline: lipgloss.NewStyle().Foreground(faint),

		helpKey:  lipgloss.NewStyle().Bold(true),
		helpDesc: lipgloss.NewStyle().Foreground(grey),
		helpSep:  lipgloss.NewStyle().Foreground(faint),
		input:    lipgloss.NewStyle().Bold(true).Foreground(yellow),

		pickerGroup: lipgloss.NewStyle().Bold(true).Foreground(purple),
		pickerName:  lipgloss.NewStyle().Bold(true),
		pickerTitle: lipgloss.NewStyle().Foreground(grey),
	}
	return s
}

// withRoles returns s knowing a protocol's role words, from its display
// hints, so roles are coloured by what they are, not how they are spelt.
func (s styles) withRoles(d protocols.Display) styles {
	s.roleKinds = map[string]protocols.RoleKind{}
	for _, r := range d.Roles {
		s.roleKinds[r.Name] = r.Kind
	}
	return s
}

// roleStyle is the colour of a role word: by its declared kind; a role the
// protocol did not declare is RoleOther.
func (s styles) roleStyle(role string) lipgloss.Style {
	return s.roles[s.roleKinds[role]]
}
