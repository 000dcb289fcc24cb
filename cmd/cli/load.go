package cli

import (
	"fmt"
	"math"
	"strconv"

	"github.com/dsimlab/dsim/scenarios"
)

// loadRows are the result table's rows for a run with a timeline: one
// sparkline per series, and the goodput around the trigger.
func loadRows(r *scenarios.Result) [][]string {
	var rows [][]string
	if m := r.Messages; m.Shed+m.Expired > 0 {
		rows = append(rows, []string{"", fmt.Sprintf("of the dropped: %d shed at full queues, %d expired", m.Shed, m.Expired)})
	}
	t := r.Timeline
	if t == nil || len(t.Windows) == 0 {
		return rows
	}
	end := t.Windows[len(t.Windows)-1].StartMS + t.WindowMS
	rows = append(rows, []string{"timeline", fmt.Sprintf("%d windows of %s, from 0s to %s", len(t.Windows), msText(t.WindowMS), msText(end))})
	for _, s := range []struct{ name, label string }{
		{"offered", "offered"}, {"goodput", "goodput"}, {"attempts", "attempts"}, {"gave-up", "gave up"},
		{"shed", "shed"}, {"expired", "expired"}, {"queue", "queue"}, {"p99", "latency p99"},
	} {
		v := t.Series(s.name)
		top := 0.0
		for _, x := range v {
			top = max(top, x)
		}
		if top == 0 && s.name != "goodput" && s.name != "offered" {
			continue
		}
		scale := "up to " + scenarios.FormatRate(top)
		switch s.name {
		case "queue":
			scale = "up to " + strconv.FormatFloat(top, 'f', 0, 64) + " waiting"
		case "p99":
			scale = "up to " + msText(top)
		}
		rows = append(rows, []string{s.label, scenarios.Sparkline(v) + "  " + scale})
	}
	if rec := r.Recovery; rec != nil {
		back := "never came back"
		if rec.RecoveredMS != nil {
			back = "back at " + msText(*rec.RecoveredMS)
		}
		rows = append(rows, []string{"recovery", fmt.Sprintf("%s: %s before, %s during, %s after; %s",
			rec.Expect, scenarios.FormatRate(rec.BeforePerS), scenarios.FormatRate(rec.DuringPerS), scenarios.FormatRate(rec.AfterPerS), back)})
	}
	return rows
}

// msText renders virtual milliseconds as 250ms or 1.5s.
func msText(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(math.Round(v)/1000, 'f', -1, 64) + "s"
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + "ms"
}
