package tui

// Every message type of the UI. Key presses and window sizes come from
// Bubble Tea itself; these are the ones the UI sends to itself.

// tickMsg is one beat of autoplay. gen is the autoplay generation it
// belongs to: pausing and resuming starts a new generation, so a tick
// still in flight from before cannot start a second loop.
type tickMsg struct{ gen int }

// openMsg asks the top model to open a scenario picked in the catalogue.
type openMsg struct{ name string }

// pickMsg asks the top model to go back to the catalogue.
type pickMsg struct{}
