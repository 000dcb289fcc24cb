package tui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// Frames runs the UI without a terminal: it opens o's scenario (or the
// catalogue) at width×height, presses keys in order, and returns the first
// frame and the frame after each key, as text without colour codes when the
// colour profile is plain. Keys are named as Bubble Tea names them: "n",
// "b", "N", "enter", "esc", "tab", "up", "down", "left", "right", "space",
// "backspace"; anything else is typed as runes. Autoplay advances only by
// keys here (no wall clock runs). A user's protocol can test its display
// hints this way from go test, and CI can drive any scenario.
func Frames(o Options, width, height int, keys ...string) ([]string, error) {
	var frames []string
	err := play(o, width, height, keys, func(f string) { frames = append(frames, f) })
	return frames, err
}

// LastFrame is the last of Frames, without keeping the others: what `dsim
// tui --keys` prints, in memory for one frame however many keys it presses.
func LastFrame(o Options, width, height int, keys ...string) (string, error) {
	var last string
	err := play(o, width, height, keys, func(f string) { last = f })
	return last, err
}

// play runs the UI headless as Frames says, handing each frame to keep.
func play(o Options, width, height int, keys []string, keep func(string)) error {
	if err := Validate(o); err != nil {
		return err
	}
	a, err := newApp(o)
	if err != nil {
		return err
	}
	a.Update(tea.WindowSizeMsg{Width: width, Height: height})
	keep(a.View())
	for _, msg := range keyMsgs(keys...) {
		_, cmd := a.Update(msg)
		// A command is an app message (open, pick, quit) or autoplay's
		// next tick, which would wait on the wall clock: only the former
		// are followed.
		if cmd != nil && (a.run == nil || !a.run.running) {
			switch next := cmd().(type) {
			case openMsg, pickMsg:
				a.Update(next)
			}
		}
		keep(a.View())
	}
	return nil
}

// keyMsgs turns key names into the messages Bubble Tea would send.
func keyMsgs(keys ...string) []tea.Msg {
	named := map[string]tea.KeyType{
		"tab": tea.KeyTab, "enter": tea.KeyEnter, "esc": tea.KeyEsc, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "backspace": tea.KeyBackspace,
	}
	var out []tea.Msg
	for _, k := range keys {
		switch t, ok := named[k]; {
		case ok:
			out = append(out, tea.KeyMsg{Type: t})
		case k == "space":
			out = append(out, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		default:
			out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
	return out
}
