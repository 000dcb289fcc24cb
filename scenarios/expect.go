package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/sim"
)

// Expectations a scenario states about what must happen during the run,
// not only at its end (docs/scenarios.md):
//
//	expect stall c2 c3 from 1s to 3s   no operation of c2 or c3 completes in [1s, 3s]
//	at 2s expect leader                 some up server leads, in the highest term
//	at 2s expect leader n1              ... and it is n1
//	at 2s expect no-leader              no up server leads in the highest term
//	expect committed 40 by 3s           some server's commit point is 40 or more at 3s
//	expect msgs-per-op <= 20            a bound on a metric of the result
//
// They are checks like any other: deterministic (a timed one is judged on
// the state after the last event at or before its time), reported as
// violations with an event number and a time, and a malformed one is bad
// input naming its line.

// Expect is one expectation line.
type Expect struct {
	Line int
	Text string // the line as written, spaces normalised
	What string // "stall", "leader", "no-leader", "committed" or "bound"
	At   clock.Time
	Node protocols.NodeID // leader NODE
	N    int              // committed N

	Clients  []protocols.NodeID // stall
	From, To clock.Time

	Metric string // bound
	Op     string
	Value  float64
	Unit   string // "ms" for time metrics, written with a unit
}

// String renders the expectation as a scenario-file line: as written, or
// built from its fields.
func (e Expect) String() string {
	if e.Text != "" {
		return e.Text
	}
	at := clock.FormatDuration(e.At.Since0())
	switch e.What {
	case "stall":
		ids := make([]string, len(e.Clients))
		for i, c := range e.Clients {
			ids[i] = string(c)
		}
		return fmt.Sprintf("expect stall %s from %s to %s", strings.Join(ids, " "), clock.FormatDuration(e.From.Since0()), clock.FormatDuration(e.To.Since0()))
	case "leader":
		if e.Node != "" {
			return fmt.Sprintf("at %s expect leader %s", at, e.Node)
		}
		return fmt.Sprintf("at %s expect leader", at)
	case "no-leader":
		return fmt.Sprintf("at %s expect no-leader", at)
	case "committed":
		return fmt.Sprintf("expect committed %d by %s", e.N, at)
	}
	v := strconv.FormatFloat(e.Value, 'f', -1, 64)
	if e.Unit == "ms" {
		v = clock.FormatDuration(clock.Duration(e.Value * float64(clock.Millisecond)))
	}
	return fmt.Sprintf("expect %s %s %s", e.Metric, e.Op, v)
}

// timed reports whether the expectation is judged at a point in time.
func (e Expect) timed() bool {
	return e.What == "leader" || e.What == "no-leader" || e.What == "committed"
}

// metricNames are the metrics a bound may name, with whether each is a
// time (written with a unit) and how to read it from a result.
var metricNames = []struct {
	name string
	time bool
	get  func(*Result) (float64, bool)
}{
	{"msgs-per-op", false, func(r *Result) (float64, bool) { return r.MsgsPerOp, r.Linearizable != "skipped" }},
	{"p50", true, func(r *Result) (float64, bool) { return r.LatencyMS.P50, r.Linearizable != "skipped" }},
	{"p99", true, func(r *Result) (float64, bool) { return r.LatencyMS.P99, r.Linearizable != "skipped" }},
	{"latency-mean", true, func(r *Result) (float64, bool) { return r.LatencyMS.Mean, r.Linearizable != "skipped" }},
	{"latency-max", true, func(r *Result) (float64, bool) { return r.LatencyMS.Max, r.Linearizable != "skipped" }},
	{"elections", false, func(r *Result) (float64, bool) { return float64(r.Elections), true }},
	{"first-leader", true, func(r *Result) (float64, bool) {
		if r.FirstLeaderMS == nil {
			return 0, false
		}
		return *r.FirstLeaderMS, true
	}},
	{"msgs", false, func(r *Result) (float64, bool) { return float64(r.Messages.Sent), true }},
	{"dropped", false, func(r *Result) (float64, bool) { return float64(r.Messages.Dropped), true }},
	{"ops", false, func(r *Result) (float64, bool) { return float64(r.Ops.OK), r.Linearizable != "skipped" }},
	{"indeterminate", false, func(r *Result) (float64, bool) { return float64(r.Ops.Indeterminate), r.Linearizable != "skipped" }},
	{"bytes", false, func(r *Result) (float64, bool) {
		if r.Bytes == nil {
			return 0, false
		}
		return float64(*r.Bytes), true
	}},
}

func metricList() string {
	names := make([]string, len(metricNames))
	for i, m := range metricNames {
		names[i] = m.name
	}
	return strings.Join(names, ", ")
}

const expectUsage = `want "expect violation KIND", "expect probe NAME", "expect model MODEL", "expect stall CLIENT... from T to T", "expect committed N by T", "expect goodput >= P% of before by D after T", or a bound such as "expect msgs-per-op <= 20"`

// parseExpect parses an expect line's words after "expect".
func (s *Scenario) parseExpect(args []string, line int) error {
	n := len(s.Expects)
	err := s.parseExpectWords(args, line)
	if len(s.Expects) > n {
		s.Expects[n].Text = "expect " + strings.Join(args, " ")
	}
	return err
}

func (s *Scenario) parseExpectWords(args []string, line int) error {
	if len(args) == 0 {
		return fmt.Errorf("expect: %s", expectUsage)
	}
	switch args[0] {
	case "stall":
		// expect stall c2 c3 from 1s to 3s
		i := slices.Index(args, "from")
		if i < 2 || len(args) != i+4 || args[i+2] != "to" {
			return fmt.Errorf("expect stall: want \"expect stall CLIENT... from T to T\", as in \"expect stall c2 c3 from 1s to 3s\"")
		}
		e := Expect{Line: line, What: "stall"}
		for _, c := range args[1:i] {
			e.Clients = append(e.Clients, protocols.NodeID(c))
		}
		from, err := clock.ParseDuration(args[i+1])
		if err != nil {
			return fmt.Errorf("expect stall: from %w", err)
		}
		to, err := clock.ParseDuration(args[i+3])
		if err != nil {
			return fmt.Errorf("expect stall: to %w", err)
		}
		if to <= from {
			return fmt.Errorf("expect stall: the window %s to %s is empty", args[i+1], args[i+3])
		}
		e.From, e.To = clock.Time(from), clock.Time(to)
		s.Expects = append(s.Expects, e)
		return nil
	case "committed":
		if len(args) != 4 || args[2] != "by" {
			return fmt.Errorf("expect committed: want \"expect committed N by T\", as in \"expect committed 40 by 3s\"")
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			return fmt.Errorf("expect committed %s: want a whole number from 1", args[1])
		}
		at, err := clock.ParseDuration(args[3])
		if err != nil {
			return fmt.Errorf("expect committed: by %w", err)
		}
		s.Expects = append(s.Expects, Expect{Line: line, What: "committed", N: n, At: clock.Time(at)})
		return nil
	case "leader", "no-leader":
		return fmt.Errorf("expect %s: say when, as in \"at 2s expect %s\"", args[0], args[0])
	}
	// A bound on a metric.
	k := slices.IndexFunc(metricNames, func(m struct {
		name string
		time bool
		get  func(*Result) (float64, bool)
	}) bool {
		return m.name == args[0]
	})
	if k < 0 {
		return fmt.Errorf("expect %s: unknown expectation; %s (metrics: %s)", args[0], expectUsage, metricList())
	}
	if len(args) != 3 || !slices.Contains([]string{"<=", "<", ">=", ">", "=="}, args[1]) {
		return fmt.Errorf("expect %s: want \"expect %s OP VALUE\" with OP one of <= < >= > ==", args[0], args[0])
	}
	e := Expect{Line: line, What: "bound", Metric: args[0], Op: args[1]}
	if metricNames[k].time {
		d, err := clock.ParseDuration(args[2])
		if err != nil {
			return fmt.Errorf("expect %s: %q: want a duration with a unit, as in 500ms", args[0], args[2])
		}
		e.Value, e.Unit = float64(d)/float64(clock.Millisecond), "ms"
	} else {
		v, err := strconv.ParseFloat(args[2], 64)
		if err != nil {
			return fmt.Errorf("expect %s: %q is not a number", args[0], args[2])
		}
		e.Value = v
	}
	s.Expects = append(s.Expects, e)
	return nil
}

// parseTimedExpect parses "at T expect leader [NODE]" and "at T expect
// no-leader": args are the words after "at".
func (s *Scenario) parseTimedExpect(args []string, line int) error {
	d, err := clock.ParseDuration(args[0])
	if err != nil {
		return fmt.Errorf("at %s: %w", args[0], err)
	}
	e := Expect{Line: line, At: clock.Time(d)}
	switch {
	case len(args) == 3 && args[2] == "leader":
		e.What = "leader"
	case len(args) == 4 && args[2] == "leader":
		e.What, e.Node = "leader", protocols.NodeID(args[3])
	case len(args) == 3 && args[2] == "no-leader":
		e.What = "no-leader"
	default:
		return fmt.Errorf("at %s expect: want \"at T expect leader\", \"at T expect leader NODE\" or \"at T expect no-leader\"", args[0])
	}
	e.Text = "at " + strings.Join(args, " ")
	s.Expects = append(s.Expects, e)
	return nil
}

// checkExpects holds the expectations to the run's world: the nodes they
// name exist, stalls name clients of a protocol with a client history, and
// times fall within the run.
func checkExpects(s *Scenario, servers, clients []protocols.NodeID, history bool, end clock.Time) error {
	for _, e := range s.Expects {
		where := fmt.Sprintf("%s:%d: %s", s.Name, e.Line, e)
		switch {
		case e.timed() && e.At > end:
			return fmt.Errorf("%s: %s is after the end of the run (%s)", where, clock.FormatDuration(e.At.Since0()), clock.FormatDuration(end.Since0()))
		case e.What == "leader" && e.Node != "" && !slices.Contains(servers, e.Node):
			return fmt.Errorf("%s: %s is not a server", where, e.Node)
		case e.What == "stall" && !history:
			return fmt.Errorf("%s: stall watches a client history, which protocol %s does not record", where, s.Protocol)
		case e.What == "stall":
			for _, c := range e.Clients {
				if !slices.Contains(clients, c) {
					return fmt.Errorf("%s: %s is not a client of this run", where, c)
				}
			}
		}
	}
	return nil
}

// expecter judges the expectations during a run.
type expecter struct {
	run     *Run
	timed   []Expect // by time, file order among equals
	next    int      // the first timed expectation not yet judged
	stalls  []Expect
	stalled []bool // a stall already failed
}

func newExpecter(r *Run) *expecter {
	x := &expecter{run: r}
	for _, e := range r.Scenario.Expects {
		switch {
		case e.timed():
			x.timed = append(x.timed, e)
		case e.What == "stall":
			x.stalls = append(x.stalls, e)
		}
	}
	slices.SortStableFunc(x.timed, func(a, b Expect) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	x.stalled = make([]bool, len(x.stalls))
	return x
}

// due returns the time of the next timed expectation, or false.
func (x *expecter) due() (clock.Time, bool) {
	if x == nil || x.next >= len(x.timed) {
		return 0, false
	}
	return x.timed[x.next].At, true
}

// judge judges the timed expectations due at or before now, on the world
// as it is: the state after the last event at or before their time.
func (x *expecter) judge(now clock.Time) {
	w := x.run.World
	for x.next < len(x.timed) && x.timed[x.next].At <= now {
		e := x.timed[x.next]
		x.next++
		leader, term, maxCommit := x.leader(w)
		var fail string
		switch e.What {
		case "leader":
			switch {
			case leader == "":
				fail = fmt.Sprintf("no server leads in term %d", term)
			case e.Node != "" && leader != e.Node:
				fail = fmt.Sprintf("%s leads term %d, not %s", leader, term, e.Node)
			}
		case "no-leader":
			if leader != "" {
				fail = fmt.Sprintf("%s leads term %d", leader, term)
			}
		case "committed":
			if maxCommit < e.N {
				fail = fmt.Sprintf("the highest commit point is %d", maxCommit)
			}
		}
		if fail != "" {
			x.run.keep(sim.Failure{Kind: "expect-" + e.What, Seq: w.Events(), Time: e.At,
				Detail: fmt.Sprintf("line %d: %s: %s", e.Line, e, fail)})
		}
	}
}

// leader is the up server that leads in the highest term of any up
// server, that term, and the highest commit point.
func (x *expecter) leader(w *sim.World) (protocols.NodeID, uint64, int) {
	var leader protocols.NodeID
	var maxTerm uint64
	maxCommit := 0
	type st struct {
		id protocols.NodeID
		s  protocols.Status
	}
	var up []st
	for _, id := range w.Servers() {
		if n := w.Node(id); n != nil && !w.Byzantine(id) {
			s := n.Status()
			up = append(up, st{id, s})
			maxTerm = max(maxTerm, s.Term)
			maxCommit = max(maxCommit, s.Commit)
		}
	}
	for _, u := range up {
		if u.s.Leader && u.s.Term == maxTerm {
			leader = u.id
		}
	}
	return leader, maxTerm, maxCommit
}

// observe watches the clients' completions for stalls.
func (x *expecter) observe(_ *sim.World, ev *sim.Info) {
	for _, n := range ev.Notes {
		c, ok := n.(kv.Completed)
		if !ok {
			continue
		}
		for i, e := range x.stalls {
			if !x.stalled[i] && ev.Time >= e.From && ev.Time <= e.To && slices.Contains(e.Clients, c.Client) {
				x.stalled[i] = true
				x.run.keep(sim.Failure{Kind: "expect-stall", Seq: ev.Seq, Time: ev.Time, Node: c.Client,
					Detail: fmt.Sprintf("line %d: %s: %s#%d %s completed at %s (answered by %s)", e.Line, e, c.Client, c.Seq, c.Op, ev.Time, c.Server)})
			}
		}
	}
}

// bounds judges the bounds on metrics, at the end.
func (x *expecter) bounds(res *Result, violation func(kind, detail string)) {
	for _, e := range x.run.Scenario.Expects {
		if e.What != "bound" {
			continue
		}
		var got float64
		known := false
		for _, m := range metricNames {
			if m.name == e.Metric {
				got, known = m.get(res)
			}
		}
		if !known {
			violation("expect-"+e.Metric, fmt.Sprintf("line %d: %s: this run has no %s to judge", e.Line, e, e.Metric))
			continue
		}
		ok := false
		switch e.Op {
		case "<=":
			ok = got <= e.Value
		case "<":
			ok = got < e.Value
		case ">=":
			ok = got >= e.Value
		case ">":
			ok = got > e.Value
		case "==":
			ok = got == e.Value
		}
		if !ok {
			shown := strconv.FormatFloat(got, 'f', -1, 64)
			if e.Unit == "ms" {
				shown += "ms"
			}
			violation("expect-"+e.Metric, fmt.Sprintf("line %d: %s: it is %s", e.Line, e, shown))
		}
	}
}
