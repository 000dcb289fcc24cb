package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/dsimlab/dsim/scenarios"
	"github.com/dsimlab/dsim/sim"
)

// loadLine is the header's line for the load, for runs that record a
// timeline (a scenario with "timeline" or "expect goodput"): goodput,
// offered load and the requests the clients sent (first tries and retries)
// in the last whole window, goodput over the windows so far
// as a sparkline, the longest server queue now, and the latency of the
// operations completed in the last window. Empty for every other run.
func loadLine(st styles, s *session, w int) string {
	win, length, ok := s.run.LoadNow()
	if !ok {
		return ""
	}
	per := 1 / length.Seconds()
	queue := 0
	world := s.world()
	for _, id := range world.Servers() {
		queue = max(queue, world.Backlog(id))
	}
	sep := st.label.Render(" · ")
	parts := []string{
		st.label.Render("goodput ") + st.value.Render(scenarios.FormatRate(float64(win.Goodput)*per)) +
			st.label.Render(" of ") + st.value.Render(scenarios.FormatRate(float64(win.Offered)*per)) + st.label.Render(" offered, ") +
			st.value.Render(scenarios.FormatRate(float64(win.Attempts)*per)) + st.label.Render(" sent"),
		st.label.Render("queue ") + st.value.Render(strconv.Itoa(queue)),
	}
	if win.P99MS > 0 {
		parts = append(parts, st.label.Render("p50 ")+st.value.Render(showMS(win.P50MS))+st.label.Render(" p99 ")+st.value.Render(showMS(win.P99MS)))
	}
	if win.Shed > 0 || win.Expired > 0 {
		parts = append(parts, st.label.Render(fmt.Sprintf("shed %s expired %s",
			scenarios.FormatRate(float64(win.Shed)*per), scenarios.FormatRate(float64(win.Expired)*per))))
	}
	line := strings.Join(parts, sep)
	// The goodput so far, one block a window, as many as fit after it.
	room := w - lipgloss.Width(line) - lipgloss.Width(" · goodput so far ") - 1
	if wins := s.run.LoadSoFar(); room >= 8 && len(wins) > 0 {
		wins = wins[max(0, len(wins)-room):]
		vals := make([]float64, len(wins))
		for i, x := range wins {
			vals[i] = float64(x.Goodput)
		}
		line += sep + st.label.Render("goodput so far ") + st.value.Render(scenarios.Sparkline(vals))
	}
	return line
}

// showMS renders a latency in milliseconds compactly: 20ms, 1.2s.
func showMS(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + "s"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
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
