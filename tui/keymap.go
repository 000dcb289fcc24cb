package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key of the main view. The help bar shows ShortHelp; `?`
// shows FullHelp. Keep the two in step with Update's switch.
type keyMap struct {
	Step      key.Binding
	Next      key.Binding
	NextFault key.Binding
	Back      key.Binding
	Play      key.Binding
	Faster    key.Binding
	Slower    key.Binding
	Focus     key.Binding
	Up        key.Binding
	Down      key.Binding
	Crash     key.Binding
	Restart   key.Binding
	Isolate   key.Binding
	Heal      key.Binding
	Drop      key.Binding
	Save      key.Binding
	Goto      key.Binding
	Text      key.Binding
	Explain   key.Binding
	Diagram   key.Binding
	Beats     key.Binding
	Clients   key.Binding
	Only      key.Binding
	PageDown  key.Binding
	PageUp    key.Binding
	Help      key.Binding
	Picker    key.Binding
	Quit      key.Binding
	ForceQuit key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Step:      key.NewBinding(key.WithKeys("n", "right"), key.WithHelp("n/→", "step")),
		Next:      key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "next change")),
		NextFault: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "next fault")),
		Back:      key.NewBinding(key.WithKeys("b", "left"), key.WithHelp("b/←", "back")),
		Play:      key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "run")),
		Faster:    key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "faster")),
		Slower:    key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "slower")),
		Focus:     key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "nodes/messages")),
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑", "select previous")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "select next")),
		Crash:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "crash")),
		Restart:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "restart")),
		Isolate:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "isolate")),
		Heal:      key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "heal network")),
		Drop:      key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "drop message")),
		Save:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save as .scn")),
		Goto:      key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "go to event/time")),
		Text:      key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "teaching text")),
		Explain:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "explain selection")),
		Diagram:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "space-time diagram")),
		Beats:     key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "diagram: heartbeats")),
		Clients:   key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "diagram: clients")),
		Only:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "diagram: one node")),
		PageDown:  key.NewBinding(key.WithKeys("]", "pgdown"), key.WithHelp("]", "scroll text down")),
		PageUp:    key.NewBinding(key.WithKeys("[", "pgup"), key.WithHelp("[", "scroll text up")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "keys and words")),
		Picker:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "catalogue")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c")),
	}
}

// ShortHelp is the help bar: stepping, the commonest fault, and the way
// to the rest. The help line shortens it to fit; see runView.helpLine.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Step, k.Back, k.Next, k.NextFault, k.Play, k.Crash, k.Help, k.Quit}
}

// FullHelp groups every key in columns: time, selection and view, then
// faults and the rest. Three columns, so the table fits 80 cells.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Step, k.Next, k.NextFault, k.Back, k.Goto, k.Play, k.Faster, k.Slower},
		{k.Focus, k.Up, k.Down, k.Explain, k.Text, k.PageDown, k.PageUp, k.Diagram, k.Beats, k.Clients, k.Only, k.Help},
		{k.Crash, k.Restart, k.Isolate, k.Heal, k.Drop, k.Save, k.Picker, k.Quit},
	}
}

// pickerKeyMap is the keys of the scenario picker.
type pickerKeyMap struct {
	Up, Down, Open, Filter, Clear, Quit key.Binding
}

func newPickerKeyMap() pickerKeyMap {
	return pickerKeyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Clear:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Quit:   key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp implements help.KeyMap.
func (k pickerKeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Open, k.Filter, k.Clear, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k pickerKeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
