package tui

import (
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/scenarios"
	"github.com/dsimlab/dsim/sim"
)

// loadPart is the header's summary of the load, for runs that record a
// timeline (a scenario with "timeline" or "expect goodput"): goodput and
// offered load in the last whole window, and the longest server queue
// now. Empty for every other run.
func loadPart(st styles, s *session) string {
	win, length, ok := s.run.LoadNow()
	if !ok {
		return ""
	}
	per := 1 / length.Seconds()
	queue := 0
	w := s.world()
	for _, id := range w.Servers() {
		queue = max(queue, w.Backlog(id))
	}
	return st.label.Render("goodput ") + st.value.Render(scenarios.FormatRate(float64(win.Goodput)*per)) +
		st.label.Render(fmt.Sprintf(" of %s offered · queue ", scenarios.FormatRate(float64(win.Offered)*per))) +
		st.value.Render(strconv.Itoa(queue))
}

// shedText explains the fate "shed" in the detail pane.
const shedText = "its receiver's input queue is full now: it is shed on arrival unless the queue drains first"

// shedFates marks the messages on the wire whose receiver's bounded queue
// is full now, as "cut" and "down" mark those a fault would drop: if
// nothing changes, they are shed on arrival.
func shedFates(w *sim.World, f *frame) {
	for i, m := range f.msgs {
		if f.fates[i] != "" {
			continue
		}
		if svc, _ := w.Service(m.To); svc.Queue > 0 && w.Backlog(m.To) >= svc.Queue {
			f.fates[i] = "shed"
		}
	}
}
