package tui

import (
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/scenarios"
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
