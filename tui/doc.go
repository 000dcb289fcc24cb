// Package tui is dsim's terminal UI, built with Bubble Tea: a catalogue of
// scenarios, and a view that steps through one run event by event, forward
// and back, with faults injected by key presses and the result saved as a
// scenario file that `dsim run` replays exactly.
//
// The world is advanced only inside Update, on a key press or an autoplay
// tick; no goroutine touches it. Stepping back rebuilds the world from
// (scenario, seed, faults injected so far) and runs it to the event before:
// runs are deterministic, so this is exact (see session).
//
// The UI teaches: a line under the header tells the event shown in words
// (scenarios.Narrator, in the protocol's own terms through the
// protocols.Display seam), N stops at teaching moments, the run goes on
// past a violation to show its harm, v draws the space-time diagram, e
// explains the selection's fields and ? lists the protocol's words. The
// catalogue is the learning path (scenarios.Lessons).
//
// Layout follows the Bubble Tea apps we model on: keymap.go, styles.go and
// messages.go hold every key, style and message type; each panel renders
// itself into the size it is given; the top model (app) routes between the
// catalogue (picker) and the run view.
//
// This package is the only one that may import bubbletea, lipgloss and
// bubbles; it must never import cmd.
package tui
