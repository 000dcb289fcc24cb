package tui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"

	"github.com/dsimlab/dsim/scenarios"
)

// Options are what `dsim tui` was asked for.
type Options struct {
	// Scenario to open; nil opens the catalogue.
	Scenario *scenarios.Scenario
	// Seed is the run's seed when SeedSet; otherwise each scenario's own.
	Seed    uint64
	SeedSet bool
	// Bug builds a bug variant in, overriding the scenario's; "" keeps it.
	Bug string
	// SaveDir is where `s` writes scenario files; "" is the current
	// directory.
	SaveDir string
	// In and Out are the terminal. Both must be terminals.
	In  io.Reader
	Out io.Writer
}

// ErrNoTerminal is returned by Run when its input or output is not a
// terminal: the UI would have nothing to draw on, and would hang waiting
// for keys that never come.
var ErrNoTerminal = errors.New("tui: needs a terminal (stdin and stdout must be a TTY); use dsim run in scripts")

// Validate checks the options without opening anything: the scenario
// builds with this seed and bug, or the bug exists at all when the
// catalogue will choose the scenario. Its errors are the user's to fix.
func Validate(o Options) error {
	if o.Scenario != nil {
		_, err := newSession(o.Scenario, o.seedFor(o.Scenario), o.Bug)
		return err
	}
	if o.Bug != "" && !slices.ContainsFunc(scenarios.AllBugs(), func(b scenarios.Bug) bool { return b.Name == o.Bug }) {
		var names []string
		for _, b := range scenarios.AllBugs() {
			names = append(names, b.Protocol+"/"+b.Name)
		}
		return fmt.Errorf("no protocol has a bug variant %q (known: %s)", o.Bug, strings.Join(names, ", "))
	}
	return nil
}

func (o Options) seedFor(s *scenarios.Scenario) uint64 {
	if o.SeedSet {
		return o.Seed
	}
	return s.Seed
}

// Run opens the UI and returns when the user quits.
func Run(o Options) error {
	if err := Validate(o); err != nil {
		return err
	}
	if !isTerminal(o.In) || !isTerminal(o.Out) {
		return ErrNoTerminal
	}
	a, err := newApp(o)
	if err != nil {
		return err
	}
	_, err = tea.NewProgram(a, tea.WithAltScreen(), tea.WithInput(o.In), tea.WithOutput(o.Out)).Run()
	return err
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// app is the top model: it routes messages to the catalogue or to the run
// view, whichever is showing.
type app struct {
	opts   Options
	picker *picker
	run    *runView // nil while the catalogue shows
	w, h   int
}

func newApp(o Options) (*app, error) {
	a := &app{opts: o, w: 80, h: 24}
	if o.Scenario != nil {
		s, err := newSession(o.Scenario, o.seedFor(o.Scenario), o.Bug)
		if err != nil {
			return nil, err
		}
		a.run = newRunView(s, o.SaveDir)
		return a, nil
	}
	all, err := scenarios.Lessons()
	if err != nil {
		return nil, err
	}
	a.picker = newPicker(all)
	return a, nil
}

// Init implements tea.Model.
func (a *app) Init() tea.Cmd { return nil }

// Update implements tea.Model.
func (a *app) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.w, a.h = msg.Width, msg.Height
		if a.picker != nil {
			a.picker.setSize(a.w, a.h)
		}
		if a.run != nil {
			a.run.setSize(a.w, a.h)
		}
		return a, nil
	case openMsg:
		sc, err := scenarios.Builtin(msg.name)
		var s *session
		if err == nil {
			s, err = newSession(sc, a.opts.seedFor(sc), a.opts.Bug)
		}
		if err != nil {
			a.picker.flash = err.Error()
			return a, nil
		}
		a.picker.flash = ""
		a.run = newRunView(s, a.opts.SaveDir)
		a.run.setSize(a.w, a.h)
		return a, nil
	case pickMsg:
		if a.picker == nil {
			// Opened on a scenario from the command line: the catalogue is
			// one esc away all the same, on the scenario just left.
			all, err := scenarios.Lessons()
			if err != nil {
				a.run.setFlash(err.Error(), true)
				return a, nil
			}
			a.picker = newPicker(all)
			a.picker.setSize(a.w, a.h)
		}
		if a.run != nil {
			a.picker.selectName(a.run.sess.base.Name)
		}
		a.run = nil
		return a, nil
	case tea.KeyMsg:
		// Keys typed faster than the terminal is read (tmux send-keys, a
		// held key) arrive as one message with many runes; each is its
		// own command here.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				one := msg
				one.Runes = []rune{r}
				_, cmd := a.Update(one)
				cmds = append(cmds, cmd)
			}
			return a, tea.Batch(cmds...)
		}
	}
	var cmd tea.Cmd
	if a.run != nil {
		_, cmd = a.run.Update(msg)
	} else if a.picker != nil {
		_, cmd = a.picker.Update(msg)
	}
	return a, cmd
}

// View implements tea.Model.
func (a *app) View() string {
	if a.run != nil {
		return a.run.View()
	}
	return a.picker.View()
}
