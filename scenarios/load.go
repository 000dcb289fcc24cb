package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/sim"
)

// Load over time, and the expectation that goodput recovers after a
// trigger. A scenario with a "timeline WINDOW" line, or an "expect
// goodput" line, records window by window what was offered, what got
// done, how long the servers' queues grew and how long operations took
// (Result.Timeline); the expectation is judged on the client history's
// completion times, to the nanosecond, so it is as deterministic as the
// run.
//
//	timeline 500ms
//	expect goodput >= 80% of before by 5s after 3s

// DefaultWindow is the timeline's window when only an expect goodput line
// asks for one.
const DefaultWindow = clock.Second

// Baseline is how far back "of before" looks from the trigger.
const Baseline = 2 * clock.Second

// recoveryWindow is the span over which recovered goodput is measured.
const recoveryWindow = clock.Second

// GoodputExpect is "expect goodput >= P% of before|A..B by D after T":
// after the trigger at T, within D, some whole second's goodput (operations
// completed per second) must reach P% of the baseline's: the goodput over
// the Baseline before T, or over [A, B).
type GoodputExpect struct {
	PPM      int64 // the fraction, in parts per million
	From, To clock.Time
	Before   bool // the baseline is the default one before the trigger
	Trigger  clock.Time
	Within   clock.Duration
	Line     int
}

// String renders the expectation as its scenario line writes it, after
// "expect".
func (g GoodputExpect) String() string {
	of := "before"
	if !g.Before {
		of = clock.FormatDuration(g.From.Since0()) + ".." + clock.FormatDuration(g.To.Since0())
	}
	return fmt.Sprintf("goodput >= %s of %s by %s after %s", sim.FormatPercent(g.PPM), of,
		clock.FormatDuration(g.Within), clock.FormatDuration(g.Trigger.Since0()))
}

const goodputUsage = `expect goodput: want "expect goodput >= P% of before by D after T" (or "of A..B" for the baseline), as in "expect goodput >= 80% of before by 5s after 3s"`

// parseGoodput reads the words after "expect goodput".
func parseGoodput(s *Scenario, l directiveLine) error {
	a := l.args
	if len(a) != 9 || a[0] != "goodput" || a[1] != ">=" || a[3] != "of" || a[5] != "by" || a[7] != "after" {
		return errors.New(goodputUsage)
	}
	if s.Goodput != nil {
		return fmt.Errorf("expect goodput is set twice (first on line %d)", s.Goodput.Line)
	}
	g := &GoodputExpect{Line: l.line}
	var err error
	if g.PPM, err = sim.ParsePercent(a[2], false); err != nil {
		return fmt.Errorf("expect goodput: %w", err)
	}
	if g.PPM <= 0 || g.PPM > 1_000_000 {
		return fmt.Errorf("expect goodput: %s: want a share above 0%% and at most 100%%", a[2])
	}
	if g.Within, err = clock.ParseDuration(a[6]); err != nil {
		return fmt.Errorf("expect goodput: by %w", err)
	}
	at, err := clock.ParseDuration(a[8])
	if err != nil {
		return fmt.Errorf("expect goodput: after %w", err)
	}
	g.Trigger = clock.Time(at)
	if g.Within < recoveryWindow {
		return fmt.Errorf("expect goodput: by %s: recovery is measured over a whole second, so allow at least 1s", a[6])
	}
	if a[4] == "before" {
		g.Before = true
		g.From, g.To = max(g.Trigger.Add(-Baseline), 0), g.Trigger
	} else {
		lo, hi, ok := strings.Cut(a[4], "..")
		from, err1 := clock.ParseDuration(lo)
		to, err2 := clock.ParseDuration(hi)
		if !ok || err1 != nil || err2 != nil || to <= from || clock.Time(to) > g.Trigger {
			return fmt.Errorf("expect goodput: of %s: want before, or a span A..B ending by the trigger, as in 1s..3s", a[4])
		}
		g.From, g.To = clock.Time(from), clock.Time(to)
	}
	if g.To <= g.From {
		return fmt.Errorf("expect goodput: the trigger at %s leaves no time before it to measure", a[8])
	}
	s.Goodput = g
	return nil
}

// parseTimeline reads "timeline WINDOW".
func parseTimeline(s *Scenario, l directiveLine) error {
	d, err := oneDuration(l) // its errors name the line's key
	if err == nil && (d < clock.Millisecond || d > clock.Minute) {
		err = fmt.Errorf("timeline %s: want a window from 1ms to 1m", l.args[0])
	}
	s.Timeline = d
	return err
}

// Timeline is a run's load over time, one entry per window of virtual
// time. Counts are per window; divide by the window for rates.
type Timeline struct {
	WindowMS float64  `json:"window_ms"`
	Windows  []Window `json:"windows"`
}

// Window is what happened in one window of a run.
type Window struct {
	StartMS  float64 `json:"start_ms"`
	Offered  int     `json:"offered"`  // client operations invoked (arrived)
	Goodput  int     `json:"goodput"`  // operations completed
	Attempts int     `json:"attempts"` // messages the clients sent: first tries and retries
	GaveUp   int     `json:"gave_up"`  // operations the clients gave up on
	Shed     int     `json:"shed"`     // messages dropped at full queues
	Expired  int     `json:"expired"`  // messages dropped past their deadline
	Queue    int     `json:"queue"`    // the longest input queue of any server
	P50MS    float64 `json:"p50_ms"`   // latency of the operations completed in the window
	P99MS    float64 `json:"p99_ms"`
}

// Recovery is how a run's goodput fared around its trigger (expect
// goodput): operations completed per second before it, during the
// allowed recovery time, and after, and when a whole second's goodput
// first came back to the fraction of the baseline.
type Recovery struct {
	Expect      string   `json:"expect"`
	BeforePerS  float64  `json:"before_per_s"` // over the baseline
	DuringPerS  float64  `json:"during_per_s"` // from the trigger to the deadline
	AfterPerS   float64  `json:"after_per_s"`  // from the deadline to the end of the chaos phase
	RecoveredMS *float64 `json:"recovered_ms,omitempty"`
}

// timeline is the observer that fills a Timeline as the run goes.
type timeline struct {
	window  clock.Duration
	servers []protocols.NodeID
	clients []protocols.NodeID
	wins    []Window
	gaveUp  []clock.Time

	// For a live display (LoadNow): when each outstanding operation was
	// invoked, and the latencies of the operations completed in the last
	// window and the one before it. The result's latencies come from the
	// history instead (fill).
	invoked map[opID]clock.Time
	lat     []clock.Duration // completed in window latWin
	latWin  int
	prevLat []clock.Duration // completed in window latWin-1
	prevWin int
}

func newTimeline(w *sim.World, window clock.Duration) *timeline {
	return &timeline{window: window, servers: w.Servers(), clients: w.Clients(), invoked: map[opID]clock.Time{}, prevWin: -1}
}

func (t *timeline) at(now clock.Time) *Window {
	i := int(now / clock.Time(t.window))
	for len(t.wins) <= i {
		t.wins = append(t.wins, Window{StartMS: ms(clock.Time(len(t.wins)) * clock.Time(t.window))})
	}
	return &t.wins[i]
}

func (t *timeline) observe(w *sim.World, ev *sim.Info) {
	win := t.at(ev.Time)
	if len(ev.Sends) > 0 && slices.Contains(t.clients, ev.Node) {
		win.Attempts += len(ev.Sends)
	}
	switch ev.Drop {
	case net.Shed:
		win.Shed++
	case net.Expired:
		win.Expired++
	}
	for _, id := range t.servers {
		win.Queue = max(win.Queue, w.Backlog(id))
	}
	if ev.Input == protocols.Start {
		for id := range t.invoked {
			if id.client == ev.Node {
				delete(t.invoked, id) // a new incarnation: those stay indeterminate
			}
		}
	}
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case kv.Invoked:
			win.Offered++
			t.invoked[opID{n.Client, n.Seq}] = ev.Time
		case kv.Completed:
			win.Goodput++
			id := opID{n.Client, n.Seq}
			if at, ok := t.invoked[id]; ok {
				delete(t.invoked, id)
				t.latency(ev.Time, ev.Time.Sub(at))
			}
		case kv.Abandoned:
			win.GaveUp++
			delete(t.invoked, opID{n.Client, n.Seq})
		}
	}
}

// latency records a completed operation's latency for the live display,
// keeping the current window's and the one before.
func (t *timeline) latency(now clock.Time, d clock.Duration) {
	i := int(now / clock.Time(t.window))
	if i != t.latWin {
		if i == t.latWin+1 {
			t.prevLat, t.prevWin = append(t.prevLat[:0], t.lat...), t.latWin
		} else {
			t.prevLat, t.prevWin = t.prevLat[:0], -1
		}
		t.lat, t.latWin = t.lat[:0], i
	}
	t.lat = append(t.lat, d)
}

// liveLatency returns p50 and p99 of the operations completed in window i,
// if the live display still has them.
func (t *timeline) liveLatency(i int) (p50, p99 float64) {
	var ls []clock.Duration
	switch i {
	case t.latWin:
		ls = t.lat
	case t.prevWin:
		ls = t.prevLat
	}
	if len(ls) == 0 {
		return 0, 0
	}
	ls = slices.Clone(ls)
	slices.Sort(ls)
	at := func(q float64) float64 { return ms(clock.Time(ls[min(len(ls)-1, int(q*float64(len(ls))))])) }
	return at(0.50), at(0.99)
}

// fill adds the latencies of the history's operations and returns the
// timeline up to end.
func (t *timeline) fill(ops []checker.Op, end clock.Time) *Timeline {
	if end > 0 {
		t.at(end - 1)
	}
	lat := make([][]clock.Duration, len(t.wins))
	for _, op := range ops {
		if op.Outcome != checker.OutcomeOK {
			continue
		}
		if i := int(op.Return / int64(t.window)); i < len(t.wins) {
			lat[i] = append(lat[i], clock.Duration(op.Return-op.Call))
		}
	}
	for i, ls := range lat {
		if len(ls) == 0 {
			continue
		}
		slices.Sort(ls)
		at := func(q float64) float64 { return ms(clock.Time(ls[min(len(ls)-1, int(q*float64(len(ls))))])) }
		t.wins[i].P50MS, t.wins[i].P99MS = at(0.50), at(0.99)
	}
	wins := t.wins
	for len(wins) > 0 && clock.Time(wins[len(wins)-1].StartMS*1e6) >= end && end > 0 {
		wins = wins[:len(wins)-1] // an instant at the very end is not a window
	}
	return &Timeline{WindowMS: ms(clock.Time(t.window)), Windows: wins}
}

// checkOfferedLoad refuses an open-loop rate whose arrivals alone would
// outgrow the client history's budget (MaxHistory): such a run could only
// fill memory and then fail at memory-budget. A rate that does not parse
// is left to the protocol's reading of the workload, which names it.
func checkOfferedLoad(s *Scenario, clients int) error {
	i := slices.IndexFunc(s.Workload, func(st Setting) bool { return st.Key == "rate" })
	if i < 0 || clients <= 0 {
		return nil
	}
	st := s.Workload[i]
	rate, err := kv.ParseRate(st.Value)
	if err != nil {
		return nil
	}
	run := s.Duration + s.healing()
	if offered := float64(rate.PerSecond) * float64(clients) * run.Seconds(); offered > MaxHistory {
		return fmt.Errorf("%s:%d: workload rate %s: %d clients would offer %.0f operations in the run's %s, more than the %d a run may record; lower the rate, the clients or the duration",
			s.label(), st.Line, st.Value, clients, offered, clock.FormatDuration(run), MaxHistory)
	}
	return nil
}

// startLoad records the run's timeline when the scenario asks for one.
func (r *Run) startLoad() error {
	s := r.Scenario
	if s.Goodput != nil && r.history == nil {
		return fmt.Errorf("%s:%d: expect goodput needs a client history, and %s has none", s.label(), s.Goodput.Line, r.Protocol.Name)
	}
	if g := s.Goodput; g != nil && g.Trigger.Add(g.Within) > r.End {
		return fmt.Errorf("%s:%d: expect goodput: by %s after %s is past the end of the run (%s)", s.label(), g.Line,
			clock.FormatDuration(g.Within), clock.FormatDuration(g.Trigger.Since0()), clock.FormatDuration(r.End.Since0()))
	}
	if s.Timeline == 0 && s.Goodput == nil {
		return nil
	}
	r.load = newTimeline(r.World, cmp.Or(s.Timeline, DefaultWindow))
	r.World.Observe(r.load.observe)
	return nil
}

// finishLoad adds the timeline to the result and judges expect goodput.
func (r *Run) finishLoad(res *Result, violation func(kind, detail string)) {
	st := r.World.Stats()
	res.Messages.Shed, res.Messages.Expired = st.Shed, st.Expired
	if r.load == nil {
		return
	}
	var ops []checker.Op
	if r.history != nil {
		ops = r.history.ops
	}
	res.Timeline = r.load.fill(ops, r.World.Now())
	g := r.Scenario.Goodput
	if g == nil || r.World.Failure() != nil {
		return
	}
	var done []clock.Time
	for _, op := range ops {
		if op.Outcome == checker.OutcomeOK {
			done = append(done, clock.Time(op.Return))
		}
	}
	slices.Sort(done)
	count := func(from, to clock.Time) int {
		lo, _ := slices.BinarySearch(done, from)
		hi, _ := slices.BinarySearch(done, to)
		return hi - lo
	}
	rate := func(from, to clock.Time) float64 {
		if to <= from {
			return 0
		}
		return round2(float64(count(from, to)) / to.Sub(from).Seconds())
	}
	deadline := g.Trigger.Add(g.Within)
	rec := &Recovery{
		Expect:     g.String(),
		BeforePerS: rate(g.From, g.To),
		DuringPerS: rate(g.Trigger, deadline),
		AfterPerS:  rate(deadline, min(r.healAt, r.World.Now())),
	}
	need := int(math.Ceil(float64(g.PPM) / 1e6 * rec.BeforePerS * recoveryWindow.Seconds()))
	// The first whole second after the trigger with enough completions
	// ends either a second after the trigger or just after a completion.
	best := 0
	check := func(end clock.Time) bool {
		n := count(end.Add(-recoveryWindow), end)
		best = max(best, n)
		return n >= need
	}
	recovered := clock.Time(-1)
	if first := g.Trigger.Add(recoveryWindow); check(first) {
		recovered = first
	} else {
		i, _ := slices.BinarySearch(done, first)
		for ; i < len(done); i++ {
			if end := done[i] + 1; check(end) {
				recovered = end
				break
			}
		}
	}
	if recovered >= 0 {
		v := ms(recovered)
		rec.RecoveredMS = &v
	}
	res.Recovery = rec
	if recovered < 0 || recovered > deadline {
		when := "never did"
		if recovered >= 0 {
			when = "did only at " + clock.FormatDuration(recovered.Since0())
		}
		violation("goodput", fmt.Sprintf("goodput did not come back to %s of its %.1f/s before the trigger at %s within %s: a whole second of it needs %d completed operations, it %s (the best second after the trigger had %d); %.1f/s during, %.1f/s after",
			sim.FormatPercent(g.PPM), rec.BeforePerS, clock.FormatDuration(g.Trigger.Since0()), clock.FormatDuration(g.Within),
			need, when, best, rec.DuringPerS, rec.AfterPerS))
	}
}

// LoadNow is the run's load for a live display: the last whole window of
// its timeline (operations offered and completed, attempts, latencies of
// the operations completed in it, and so on) and the window's length;
// false when the run records no timeline.
func (r *Run) LoadNow() (Window, clock.Duration, bool) {
	t := r.load
	if t == nil {
		return Window{}, 0, false
	}
	i := int(r.World.Now()/clock.Time(t.window)) - 1
	if i < 0 || i >= len(t.wins) {
		return Window{}, t.window, true
	}
	win := t.wins[i]
	win.P50MS, win.P99MS = t.liveLatency(i)
	return win, t.window, true
}

// LoadSoFar returns the whole windows of the run's timeline so far, oldest
// first, for a live display (latencies are not filled in); nil when the
// run records no timeline. The slice is the run's: do not change it.
func (r *Run) LoadSoFar() []Window {
	t := r.load
	if t == nil {
		return nil
	}
	n := min(int(r.World.Now()/clock.Time(t.window)), len(t.wins))
	return t.wins[:n:n]
}

// Sparkline draws values as a line of block characters, lowest to
// highest: for `dsim run` and the terminal UI.
func Sparkline(values []float64) string {
	const blocks = "▁▂▃▄▅▆▇█"
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	var b strings.Builder
	for _, v := range values {
		i := 0
		if top > 0 {
			i = int(v / top * 7.999)
		}
		b.WriteString(string([]rune(blocks)[i]))
	}
	return b.String()
}

// Series returns one of the timeline's series by name (offered, goodput,
// attempts, gave-up, shed, expired, queue, p50, p99), as rates per second
// for counts.
func (t *Timeline) Series(name string) []float64 {
	out := make([]float64, len(t.Windows))
	per := 1000 / t.WindowMS
	for i, w := range t.Windows {
		switch name {
		case "offered":
			out[i] = float64(w.Offered) * per
		case "goodput":
			out[i] = float64(w.Goodput) * per
		case "attempts":
			out[i] = float64(w.Attempts) * per
		case "gave-up":
			out[i] = float64(w.GaveUp) * per
		case "shed":
			out[i] = float64(w.Shed) * per
		case "expired":
			out[i] = float64(w.Expired) * per
		case "queue":
			out[i] = float64(w.Queue)
		case "p50":
			out[i] = w.P50MS
		case "p99":
			out[i] = w.P99MS
		}
	}
	return out
}

// FormatRate renders a rate compactly: 152/s, 3.5/s.
func FormatRate(v float64) string {
	if v >= 10 || v == math.Trunc(v) {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64) + "/s"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "/s"
}

// slow is the swarm's "slow" class (opt-in: "chaos swarm ... slow"): a
// server turns slow for a while, every step costing 5ms to 50ms (a gray
// failure: a GC storm, a failing disk), then gets its scenario's service
// model back.
func (g *chaosGen) slow(t clock.Time) []sim.Fault {
	id := g.node()
	cost := clock.Duration(5+g.r.IntN(46)) * clock.Millisecond
	until := g.span(t, 200*clock.Millisecond, 3*clock.Second)
	on := sim.Fault{At: t, Kind: sim.Service, Nodes: []protocols.NodeID{id}, Service: g.serviceAt(id, t)}
	on.Service.Time = max(on.Service.Time, cost)
	off := sim.Fault{At: until, Kind: sim.Service, Nodes: []protocols.NodeID{id}, Service: g.serviceAt(id, until)}
	return []sim.Fault{on, off}
}

// serviceAt is the service model the scenario's own faults give a server
// at t: the last service line naming it (or all) at or before t.
func (g *chaosGen) serviceAt(id protocols.NodeID, t clock.Time) sim.ServiceModel {
	var m sim.ServiceModel
	at := clock.Time(-1)
	for _, f := range g.s.Faults {
		if f.Kind == sim.Service && f.At <= t && f.At >= at && (f.Nodes[0] == id || f.Nodes[0] == sim.All) {
			m, at = f.Service, f.At
		}
	}
	return m
}
