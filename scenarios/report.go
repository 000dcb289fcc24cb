package scenarios

import (
	"bytes"
	"cmp"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// The run report (RunOptions.Report, dsim run --report FILE.html, dsim
// fuzz --report DIR): one self-contained HTML page (no network: styles,
// script and drawings inline) that shows a run the way the terminal UI
// does, all at once: the verdict and the violation with the events before
// it, the metrics, the fault timeline, the nodes' roles over time, the
// space-time diagram of every message as SVG (with filters for
// heartbeats, clients and one node), porcupine's view of the client
// history, and the last events told in words. The page is well-formed XML,
// so tests parse it with encoding/xml.

// MaxReportEvents bounds the events a report keeps and draws: a run's tape
// is kept whole for its report, and a report of more would be hundreds of
// megabytes that no browser draws. Past it, the report says it shows only
// the first MaxReportEvents.
const MaxReportEvents = 100_000

// reportRecorder keeps the whole tape of a run, for its report.
type reportRecorder struct {
	narr   *Narrator
	events []TapeEvent
	cut    bool // more than MaxReportEvents: the tape stops there
	nodes  []protocols.NodeID
	server map[protocols.NodeID]bool
	// up[i] is whether each node was up after events[i], kept only at
	// faults and starts (when it can change); see upAt.
	ups []upMark
}

type upMark struct {
	at int    // index into events
	up []bool // by node
}

func newReportRecorder(p *protocols.Protocol, w *sim.World, faults []sim.Fault) *reportRecorder {
	w.RenderLines() // the report shows every event's trace line
	rec := &reportRecorder{narr: NewNarrator(p, w, faults), server: map[protocols.NodeID]bool{}}
	rec.nodes = append(append(rec.nodes, w.Servers()...), w.Clients()...)
	for _, id := range w.Servers() {
		rec.server[id] = true
	}
	return rec
}

func (rec *reportRecorder) observe(r *Run) sim.Observer {
	seen := 0
	return func(w *sim.World, ev *sim.Info) {
		if len(rec.events) >= MaxReportEvents {
			rec.cut = true
			return
		}
		te := rec.narr.Record(w, ev, rec.narr.Moments(ev))
		if v := r.Violations(); len(v) > seen {
			te.Violation = v[len(v)-1].Kind
			seen = len(v)
		} else if f := w.Failure(); f != nil && f.Seq == ev.Seq {
			te.Violation = f.Kind
		}
		rec.events = append(rec.events, te)
		if ev.Fault != nil || ev.Input == protocols.Start {
			up := make([]bool, len(rec.nodes))
			for i, id := range rec.nodes {
				up[i] = w.Node(id) != nil
			}
			rec.ups = append(rec.ups, upMark{at: len(rec.events) - 1, up: up})
		}
	}
}

// upAt reports whether node i was up after event j.
func (rec *reportRecorder) upAt(i, j int) bool {
	k, found := slices.BinarySearchFunc(rec.ups, j, func(m upMark, j int) int { return cmp.Compare(m.at, j) })
	if !found {
		k--
	}
	if k < 0 {
		return false
	}
	return rec.ups[k].up[i]
}

// writeReport writes the report of a finished run to its path.
func (r *Run) writeReport(res *Result, ops []checker.Op, lin *checker.Result) error {
	var buf bytes.Buffer
	r.renderReport(&buf, res, ops, lin)
	return writeFileAtomic(r.opts.Report, buf.Bytes())
}

func esc(s string) string { return html.EscapeString(s) }

// renderReport writes the page.
func (r *Run) renderReport(w io.Writer, res *Result, ops []checker.Op, lin *checker.Result) {
	rec := r.report
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	title := fmt.Sprintf("dsim report: %s, seed %d", res.Scenario, res.Seed)
	p("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/><title>%s</title>\n", esc(title))
	p("<style>%s</style></head>\n<body>\n", reportCSS(rec.nodes))
	p("<h1>%s</h1>\n", esc(title))
	p("<p class=\"sub\">%s</p>\n", esc(r.Scenario.Title))
	verdict := "pass"
	if !res.Pass {
		verdict = "fail"
	}
	p("<p class=\"verdict %s\">%s · %d events in %.3fs virtual · trace hash %s</p>\n", verdict, esc(res.Verdict()), res.Events, float64(res.SimTimeMS)/1000, esc(res.TraceHash))
	p("<p>Reproduce: <code>%s</code></p>\n", esc(res.Repro))
	if rec.cut {
		p("<p class=\"verdict fail\">This report shows the first %d of the run's %d events: a report of more would be too large to draw.</p>\n", len(rec.events), res.Events)
	}
	p("<nav><a href=\"#violations\">violations</a> · <a href=\"#metrics\">metrics</a> · <a href=\"#faults\">faults</a> · <a href=\"#roles\">roles</a> · <a href=\"#spacetime\">space-time diagram</a> · <a href=\"#history\">client history</a> · <a href=\"#events\">last events</a></nav>\n")
	if len(r.Scenario.Text) > 0 {
		p("<details><summary>What this scenario teaches</summary><p>%s</p></details>\n", esc(strings.Join(r.Scenario.Text, " ")))
	}

	r.reportViolations(w, res)
	reportMetrics(w, res)
	r.reportFaults(w)
	r.reportRoles(w)
	r.reportSpacetime(w)
	r.reportHistory(w, ops, lin)
	r.reportEvents(w)
	p("<script>//<![CDATA[\n%s\n//]]></script>\n</body></html>\n", reportJS)
}

func (r *Run) reportViolations(w io.Writer, res *Result) {
	rec := r.report
	fmt.Fprintf(w, "<section id=\"violations\"><h2>Violations</h2>\n")
	if len(res.Violations) == 0 {
		fmt.Fprintf(w, "<p>None: every check passed.</p></section>\n")
		return
	}
	for _, v := range res.Violations {
		fmt.Fprintf(w, "<div class=\"violation\"><p><b>%s</b> at event %d (%.3fs): %s</p>\n", esc(v.Kind), v.Event, v.TimeMS/1000, esc(v.Detail))
		if v.AtEnd {
			fmt.Fprintf(w, "<p>Found by an end-of-run check.</p></div>\n")
			continue
		}
		// The events before it, told in words.
		j, _ := slices.BinarySearchFunc(rec.events, v.Event, func(e TapeEvent, seq uint64) int { return cmp.Compare(e.Seq, seq) })
		from := max(0, j-24)
		fmt.Fprintf(w, "<p>The events before it:</p>\n")
		writeEventTable(w, rec.events[from:min(j+1, len(rec.events))])
		fmt.Fprintf(w, "</div>\n")
	}
	fmt.Fprintf(w, "</section>\n")
}

func writeEventTable(w io.Writer, events []TapeEvent) {
	fmt.Fprintf(w, "<table class=\"events\"><tr><th>event</th><th>time</th><th>what happened</th><th>trace line</th></tr>\n")
	for _, e := range events {
		cls := ""
		switch {
		case e.Violation != "":
			cls = " class=\"bad\""
		case e.What == "fault":
			cls = " class=\"fault\""
		case len(e.Moments) > 0:
			cls = " class=\"moment\""
		}
		text := e.Text
		if len(e.Moments) > 0 {
			text = "★ " + text
			for _, m := range e.Moments {
				if !strings.Contains(e.Text, m.Text) {
					text += " (" + m.Text + ")"
				}
			}
		}
		if e.Violation != "" {
			text += " ✗ breaks " + e.Violation
		}
		fmt.Fprintf(w, "<tr id=\"e%d\"%s><td>%d</td><td>%s</td><td>%s</td><td><code>%s</code></td></tr>\n", e.Seq, cls, e.Seq, esc(fmtTime(e.Time)), esc(text), esc(e.Line))
	}
	fmt.Fprintf(w, "</table>\n")
}

func fmtTime(t clock.Time) string { return fmt.Sprintf("%.6fs", float64(t)/1e9) }

func reportMetrics(w io.Writer, res *Result) {
	fmt.Fprintf(w, "<section id=\"metrics\"><h2>Metrics</h2>\n<table class=\"kv\">\n")
	row := func(k, v string) { fmt.Fprintf(w, "<tr><th>%s</th><td>%s</td></tr>\n", esc(k), esc(v)) }
	row("events", fmt.Sprintf("%d in %.3fs of virtual time", res.Events, float64(res.SimTimeMS)/1000))
	row("messages", fmt.Sprintf("%d sent, %d delivered, %d dropped", res.Messages.Sent, res.Messages.Delivered, res.Messages.Dropped))
	if res.Bytes != nil {
		row("bytes sent", fmt.Sprint(*res.Bytes))
	}
	if res.Linearizable != "skipped" {
		row("operations", fmt.Sprintf("%d ok, %d failed, %d indeterminate", res.Ops.OK, res.Ops.Failed, res.Ops.Indeterminate))
		row("linearizable", res.Linearizable)
		row("messages per op", fmt.Sprint(res.MsgsPerOp))
		row("latency (virtual)", fmt.Sprintf("p50 %.1fms, p99 %.1fms, mean %.1fms, max %.1fms", res.LatencyMS.P50, res.LatencyMS.P99, res.LatencyMS.Mean, res.LatencyMS.Max))
	}
	if res.FirstLeaderMS != nil {
		row("elections", fmt.Sprintf("%d; the first leader at %.3fs", res.Elections, *res.FirstLeaderMS/1000))
	}
	for _, k := range sortedKeys(res.MessagesByKind) {
		row("sent "+k, fmt.Sprint(res.MessagesByKind[k]))
	}
	for _, k := range sortedKeys(res.MessagesByNode) {
		row("node "+k, fmt.Sprintf("%d sent, %d received", res.MessagesByNode[k].Sent, res.MessagesByNode[k].Received))
	}
	for _, k := range sortedKeys(res.Moments) {
		row("moments: "+k, fmt.Sprint(res.Moments[k]))
	}
	fmt.Fprintf(w, "</table>\n")
	if len(res.Throughput) > 0 {
		// Throughput over time, as bars.
		top := slices.Max(res.Throughput)
		bw, hgt := 24, 80
		fmt.Fprintf(w, "<p>Operations completed in each second of virtual time:</p>\n<svg class=\"bars\" width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">\n", bw*len(res.Throughput)+40, hgt+30)
		for i, v := range res.Throughput {
			bh := 0
			if top > 0 {
				bh = int(v / top * float64(hgt))
			}
			fmt.Fprintf(w, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>second %d: %.0f ops</title></rect>", 30+i*bw, 10+hgt-bh, bw-4, bh, i, v)
			fmt.Fprintf(w, "<text x=\"%d\" y=\"%d\">%d</text>\n", 30+i*bw, hgt+25, i)
		}
		fmt.Fprintf(w, "<text x=\"0\" y=\"18\">%.0f</text></svg>\n", top)
	}
	fmt.Fprintf(w, "</section>\n")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// timeX maps virtual time to x on a time axis of width w.
func (r *Run) timeX(t clock.Time, w float64) float64 {
	end := max(r.World.Now(), 1)
	return 60 + float64(t)/float64(end)*(w-80)
}

func (r *Run) reportFaults(w io.Writer) {
	const width = 1000.0
	rec := r.report
	var faults []TapeEvent
	for _, e := range rec.events {
		if e.What == "fault" {
			faults = append(faults, e)
		}
	}
	// One tick per instant that has faults, numbered; the list below says
	// what each was (labels on the axis would overlap).
	var times []clock.Time
	for _, e := range faults {
		if len(times) == 0 || times[len(times)-1] != e.Time {
			times = append(times, e.Time)
		}
	}
	fmt.Fprintf(w, "<section id=\"faults\"><h2>Fault timeline</h2>\n<svg width=\"%.0f\" height=\"80\" xmlns=\"http://www.w3.org/2000/svg\">\n", width)
	heal := r.timeX(r.healAt, width)
	fmt.Fprintf(w, "<rect class=\"chaos\" x=\"60\" y=\"20\" width=\"%.1f\" height=\"20\"><title>the fault phase: faults happen until %s</title></rect>\n", heal-60, clock.FormatDuration(r.healAt.Since0()))
	if r.healAt < r.End {
		fmt.Fprintf(w, "<rect class=\"healing\" x=\"%.1f\" y=\"20\" width=\"%.1f\" height=\"20\"><title>the healing phase: every fault off, progress judged</title></rect>\n", heal, r.timeX(r.World.Now(), width)-heal)
	}
	fmt.Fprintf(w, "<text x=\"62\" y=\"34\">faults</text><text x=\"%.1f\" y=\"34\">healing</text>\n", heal+2)
	for i, t := range times {
		x := r.timeX(t, width)
		fmt.Fprintf(w, "<line class=\"tick\" x1=\"%.1f\" y1=\"16\" x2=\"%.1f\" y2=\"%d\"/><text x=\"%.1f\" y=\"%d\">%d</text>\n", x, x, 48+12*(i%2), x-3, 60+12*(i%2), i+1)
	}
	fmt.Fprintf(w, "<text x=\"0\" y=\"34\">0s</text><text x=\"%.0f\" y=\"14\">%s</text></svg>\n", width-80, esc(fmtTime(r.World.Now())))
	fmt.Fprintf(w, "<table class=\"events\"><tr><th>#</th><th>time</th><th>event</th><th>fault</th></tr>\n")
	k := 0
	for _, e := range faults {
		if k < len(times) && times[k] == e.Time {
			k++
		}
		fmt.Fprintf(w, "<tr><td>%d</td><td>%s</td><td>%d</td><td>%s</td></tr>\n", k, esc(fmtTime(e.Time)), e.Seq, esc(e.Text))
	}
	fmt.Fprintf(w, "</table></section>\n")
}

func (r *Run) reportRoles(w io.Writer) {
	const width = 1000.0
	rec := r.report
	lane := 22
	fmt.Fprintf(w, "<section id=\"roles\"><h2>Roles over time</h2>\n<svg width=\"%.0f\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">\n", width, lane*len(rec.nodes)+30)
	kinds := map[string]protocols.RoleKind{}
	for _, ro := range r.Protocol.Display.Roles {
		kinds[ro.Name] = ro.Kind
	}
	end := r.World.Now()
	for i, id := range rec.nodes {
		y := 10 + lane*i
		fmt.Fprintf(w, "<text x=\"0\" y=\"%d\">%s</text>\n", y+14, esc(string(id)))
		// Segments: a role from each of the node's events until its next
		// change; down from a crash until its next start.
		role, since := "", clock.Time(0)
		up := false
		flush := func(until clock.Time) {
			if until <= since && until != end {
				return
			}
			cls, label := "down", "down"
			if up && role != "" {
				cls, label = roleClass(kinds[role]), role
			} else if up {
				cls, label = "other", "up"
			}
			x1, x2 := r.timeX(since, width), r.timeX(until, width)
			fmt.Fprintf(w, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\"><title>%s %s from %s to %s</title></rect>",
				cls, x1, y, max(x2-x1, 0.5), esc(string(id)), esc(label), esc(fmtTime(since)), esc(fmtTime(until)))
		}
		for j, e := range rec.events {
			nowUp := rec.upAt(i, j)
			newRole := role
			if e.Node == id && e.Role != "" {
				newRole = e.Role
			}
			if nowUp != up || newRole != role {
				flush(e.Time)
				up, role, since = nowUp, newRole, e.Time
			}
		}
		flush(end)
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "</svg>\n<p class=\"legend\"><span class=\"leads\">leads</span> <span class=\"seeks\">seeks</span> <span class=\"follows\">follows</span> <span class=\"client\">client</span> <span class=\"other\">other</span> <span class=\"down\">down</span></p></section>\n")
}

func roleClass(k protocols.RoleKind) string {
	switch k {
	case protocols.RoleLeads:
		return "leads"
	case protocols.RoleSeeks:
		return "seeks"
	case protocols.RoleFollows:
		return "follows"
	case protocols.RoleClient:
		return "client"
	case protocols.RoleFaulty:
		return "faulty"
	}
	return "other"
}

// reportSpacetime draws every event of the run as a row and every message
// as a line from its send to its receive: the data-s and data-r attributes
// name the two events (data-r is empty for a message never received).
func (r *Run) reportSpacetime(w io.Writer) {
	rec := r.report
	colW, left, top := 90, 150, 30
	rowH := 12
	if len(rec.events) > 3000 {
		rowH = 6
	}
	col := map[protocols.NodeID]int{}
	for i, id := range rec.nodes {
		col[id] = left + colW/2 + i*colW
	}
	width := left + colW*len(rec.nodes) + 20
	height := top + rowH*(len(rec.events)+1) + 20
	y := func(i int) int { return top + rowH*i + rowH/2 }
	fmt.Fprintf(w, "<section id=\"spacetime\"><h2>Space-time diagram</h2>\n")
	fmt.Fprintf(w, "<p>One column per node, time going down, one row per event; every message is a line from its send to its receive. Dashed red: dropped; grey: heartbeats; a line that runs off the bottom was still on the wire. Hover for details.</p>\n")
	fmt.Fprintf(w, "<p class=\"controls\"><label><input type=\"checkbox\" id=\"hidehb\"/> hide heartbeats</label> <label><input type=\"checkbox\" id=\"hidecl\"/> hide clients</label> <label>only node <select id=\"only\"><option value=\"\">(all)</option>")
	for _, id := range rec.nodes {
		fmt.Fprintf(w, "<option value=\"%s\">%s</option>", esc(string(id)), esc(string(id)))
	}
	fmt.Fprintf(w, "</select></label></p>\n<div class=\"stwrap\"><svg id=\"st\" width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">\n", width, height)
	fmt.Fprintf(w, "<defs><marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\"/></marker></defs>\n")
	// Lifelines and names.
	for _, id := range rec.nodes {
		cl := ""
		if !rec.server[id] {
			cl = " cl"
		}
		fmt.Fprintf(w, "<g class=\"life n-%s%s\"><text x=\"%d\" y=\"18\">%s</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>\n",
			esc(string(id)), cl, col[id]-8, esc(string(id)), col[id], top, col[id], height-10)
	}
	// Event rows: a mark for starts, timers and faults; a label every so
	// often.
	every := 1
	if rowH < 10 {
		every = 25
	}
	for i, e := range rec.events {
		if i%every == 0 || e.Violation != "" || e.What == "fault" {
			fmt.Fprintf(w, "<text class=\"row\" x=\"4\" y=\"%d\">%d %s</text>", y(i)+4, e.Seq, esc(fmtTime(e.Time)))
		}
		switch e.What {
		case "fault":
			fmt.Fprintf(w, "<line class=\"faultrow\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"><title>event %d: %s</title></line>", left, y(i), width-20, y(i), e.Seq, esc(e.Text))
		case "start", "restart", "timer", "admin":
			cl := ""
			if !rec.server[e.Node] {
				cl = " cl"
			}
			fmt.Fprintf(w, "<circle class=\"ev %s n-%s%s\" cx=\"%d\" cy=\"%d\" r=\"3\"><title>event %d: %s</title></circle>", e.What, esc(string(e.Node)), cl, col[e.Node], y(i), e.Seq, esc(e.Text))
		}
		if e.Violation != "" {
			fmt.Fprintf(w, "<line class=\"violrow\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"><title>event %d breaks %s: %s</title></line>", left, y(i), width-20, y(i), e.Seq, esc(e.Violation), esc(e.Text))
		}
		fmt.Fprintln(w)
	}
	// Messages.
	for _, a := range Arrows(rec.events) {
		x1, x2 := col[a.Sender], col[a.Receiver]
		y1, y2 := top, height-10
		s, rcv := "", ""
		if a.From >= 0 {
			y1, s = y(a.From), fmt.Sprint(rec.events[a.From].Seq)
		}
		if a.To >= 0 {
			y2, rcv = y(a.To), fmt.Sprint(rec.events[a.To].Seq)
		}
		cls := "m f-" + string(a.Sender) + " t-" + string(a.Receiver)
		if a.Heartbeat {
			cls += " hb"
		}
		if !rec.server[a.Sender] || !rec.server[a.Receiver] {
			cls += " cl"
		}
		switch {
		case a.Dropped:
			cls += " dr"
		case a.To < 0:
			cls += " open"
		}
		fate := "received at event " + rcv
		switch {
		case a.Dropped:
			fate = "dropped at event " + rcv
		case a.To < 0:
			fate = "never received"
		}
		fmt.Fprintf(w, "<line class=\"%s\" data-s=\"%s\" data-r=\"%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"><title>%s→%s %s · sent at event %s, %s</title></line>\n",
			esc(cls), s, rcv, x1, y1, x2, y2, esc(string(a.Sender)), esc(string(a.Receiver)), esc(a.Msg), s, fate)
	}
	fmt.Fprintf(w, "</svg></div></section>\n")
}

func (r *Run) reportHistory(w io.Writer, ops []checker.Op, lin *checker.Result) {
	fmt.Fprintf(w, "<section id=\"history\"><h2>Client history</h2>\n")
	if lin == nil {
		fmt.Fprintf(w, "<p>This protocol records no client history.</p></section>\n")
		return
	}
	var buf bytes.Buffer
	if err := checker.WriteHTML(&buf, ops, *lin, r.faults); err != nil {
		fmt.Fprintf(w, "<p>The history view could not be drawn: %s</p></section>\n", esc(err.Error()))
		return
	}
	fmt.Fprintf(w, "<p>Porcupine's view of the history: linearizable <b>%s</b>, %d operations.</p>\n", esc(string(lin.Verdict)), len(ops))
	fmt.Fprintf(w, "<iframe class=\"porcupine\" title=\"client history\" srcdoc=\"%s\"></iframe></section>\n", esc(buf.String()))
}

func (r *Run) reportEvents(w io.Writer) {
	rec := r.report
	fmt.Fprintf(w, "<section id=\"events\"><h2>The last events, told</h2>\n")
	writeEventTable(w, rec.events[max(0, len(rec.events)-200):])
	fmt.Fprintf(w, "</section>\n")
}

// reportCSS styles the page, with a rule per node for the "only node"
// filter.
func reportCSS(nodes []protocols.NodeID) string {
	var b strings.Builder
	b.WriteString(`body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}
h1{font-size:20px;margin-bottom:0}.sub{color:#555;margin-top:2px}
.verdict{font-weight:bold;padding:4px 8px;display:inline-block}.verdict.pass{background:#cfc}.verdict.fail{background:#fcc}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;vertical-align:top;text-align:left}
table.events td:nth-child(3){max-width:60em}table.events code{font-size:11px;color:#555}
tr.bad td{background:#fdd}tr.fault td{background:#fec}tr.moment td{background:#eef}
.violation{border-left:4px solid #c00;padding-left:8px;margin:8px 0}
svg text{font:11px monospace;fill:#333}
rect.chaos{fill:#fed}rect.healing{fill:#def}line.tick{stroke:#c60}
rect.leads,.legend .leads{fill:#3a3;background:#3a3}rect.seeks,.legend .seeks{fill:#db3;background:#db3}
rect.follows,.legend .follows{fill:#58c;background:#58c}rect.client,.legend .client{fill:#a6c;background:#a6c}
rect.other,.legend .other{fill:#aaa;background:#aaa}rect.faulty{fill:#c33}rect.down,.legend .down{fill:#eee;background:#eee;stroke:#c33}
.legend span{padding:0 6px;color:#fff}.legend .down{color:#c33}
.bars rect{fill:#58c}
.stwrap{overflow:auto;max-height:80vh;border:1px solid #ccc}
#st .life line{stroke:#ccc}#st .m{stroke:#36c;stroke-width:1;marker-end:url(#ah)}#st .m.hb{stroke:#bbb}
#st .m.dr{stroke:#c00;stroke-dasharray:3 2}#st .m.open{stroke-dasharray:1 3}
#st .faultrow{stroke:#f90;stroke-width:2;opacity:.6}#st .violrow{stroke:#c00;stroke-width:3;opacity:.7}
#st circle.ev{fill:#333}#st circle.fault{fill:#f90}#st text.row{fill:#888;font-size:9px}
#st.nohb .hb{display:none}#st.nocl .cl{display:none}
iframe.porcupine{width:100%;height:600px;border:1px solid #ccc}
`)
	for _, id := range nodes {
		n := string(id)
		fmt.Fprintf(&b, "#st[data-only=\"%s\"] .m:not(.f-%s):not(.t-%s){display:none}\n", n, n, n)
	}
	return b.String()
}

// reportJS wires the diagram's filters: no network, no libraries.
const reportJS = `(function(){
var st=document.getElementById('st');if(!st)return;
function bind(id,cls){var c=document.getElementById(id);if(c)c.addEventListener('change',function(){st.classList.toggle(cls,c.checked);});}
bind('hidehb','nohb');bind('hidecl','nocl');
var o=document.getElementById('only');if(o)o.addEventListener('change',function(){if(o.value)st.setAttribute('data-only',o.value);else st.removeAttribute('data-only');});
})();`
