package scenarios

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/checker/consistency"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/byzantine"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/sim"
)

// RunOptions are the choices a run makes beyond its scenario.
type RunOptions struct {
	Seed      uint64    // the run's seed
	Bug       string    // build this bug variant in, overriding the scenario's; "" keeps it
	Trace     io.Writer // receives every trace line, if set
	HTML      string    // write porcupine's visualization of the history to this path, if set
	DeepCopy  bool      // copy every message and record (determinism test mode)
	MaxEvents uint64    // event budget; 0: sized from the scenario (EventBudget)
	// CheckBudget bounds the linearizability search per key, in counted
	// steps (never the wall clock); zero means checker.DefaultBudget. A
	// search cut short is reported as unknown, never as ok.
	CheckBudget checker.Budget
	// Repro is the command that reproduces the run, if the caller knows
	// better than "dsim run SCENARIO --seed N" (a file path, extra flags).
	Repro string
	// Protocol runs the scenario with this description instead of the
	// registered protocol its protocol line names (dsimtest runs worlds
	// built from factories this way).
	Protocol *protocols.Protocol

	// Observer, if set, sees every event of the run (dsimtest's checklist
	// watches the messages, roles and probes a protocol produces).
	Observer sim.Observer

	// KeepGoing runs on past monitor violations, recording each (the first
	// of each kind), so the harm a broken rule does shows (keepgoing.go).
	KeepGoing bool
	// Report writes the run's HTML report to this path, if set (report.go).
	Report string
}

// Run is one scenario being run with one seed. Its World may be stepped by
// hand (the terminal UI does); Finish runs what is left and judges the run.
type Run struct {
	Scenario *Scenario
	Protocol *protocols.Protocol
	Seed     uint64
	Bug      string
	World    *sim.World
	Mix      Mix // the fault mix a swarm seed drew

	opts    RunOptions
	checks  protocols.Checks
	history *history
	probes  probeCounts
	load    *timeline
	faults  []checker.Annotation
	healAt  clock.Time // the healing phase starts here (== End when there is none)
	End     clock.Time // the run stops here
	result  *Result

	kept        []sim.Failure // KeepGoing: the violations recorded so far
	keptRepeats []int
	metrics     *metrics
	report      *reportRecorder // Report: the whole run, told
	expect      *expecter       // the scenario's expectations, if any
	lin         *checker.Result // the linearizability verdict, once judged
}

// Healing returns the scenario's healing phase length, after defaults.
func (s *Scenario) healing() clock.Duration {
	if s.Healing < 0 {
		return DefaultHealing
	}
	return s.Healing
}

// Start builds a run: it wires the protocol and builds the world. Errors are
// about the scenario (bad options, unknown bug), never about the run.
func Start(s *Scenario, o RunOptions) (*Run, error) {
	p := o.Protocol
	if p == nil {
		var err error
		if p, err = Lookup(s.Protocol); err != nil {
			return nil, fmt.Errorf("%s: %w", s.label(), err)
		}
	}
	if min := max(p.MinServers, 1); s.Nodes < min {
		return nil, fmt.Errorf("%s: %s needs at least %d nodes, the scenario has %d", s.label(), p.Name, min, s.Nodes)
	}
	if err := checkExpect(s, p); err != nil {
		return nil, err
	}
	if err := checkNetwork(s); err != nil {
		return nil, err
	}
	bug := s.Bug
	if o.Bug != "" {
		bug = o.Bug
	}
	if bug != "" && !p.HasBug(bug) {
		return nil, fmt.Errorf("%s: protocol %s has no bug variant %q (%s)", s.label(), p.Name, bug, bugNames(p))
	}
	clients := s.Clients
	if clients < 0 {
		clients = p.DefaultClients
	}
	setup := protocols.Setup{
		Servers:  protocols.Servers(s.Nodes),
		Clients:  protocols.Clients(clients),
		Bug:      bug,
		Options:  newSettings(s, "option", s.Options),
		Workload: newSettings(s, "workload", s.Workload),
		Chaos:    s.Duration,
		Healing:  s.healing(),
	}
	wiring, err := p.Build(setup)
	// A malformed line names its line number: report it before what Build
	// made of the values it could read.
	for _, st := range []protocols.Settings{setup.Options, setup.Workload} {
		if err := st.(*Settings).Err(); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.label(), err)
	}
	if err := checkOfferedLoad(s, clients); err != nil {
		return nil, err // load.go
	}
	if wiring.Server == nil {
		return nil, fmt.Errorf("%s: protocol %s built no server factory", s.label(), p.Name)
	}
	if clients > 0 && wiring.Client == nil {
		return nil, fmt.Errorf("%s: protocol %s has no clients; remove the clients line", s.label(), p.Name)
	}
	server, client := wiring.Server, wiring.Client
	r := &Run{Scenario: s, Protocol: p, Seed: o.Seed, Bug: bug, opts: o, checks: wiring.Checks}
	faults, mix := schedule(s, p, o.Seed)
	r.Mix = mix
	if err := checkRuleKinds(s, p); err != nil {
		return nil, err
	}
	minHealing := p.MinHealing
	if minHealing == 0 {
		minHealing = clock.Second
	}
	if h := s.healing(); h > 0 && h < minHealing {
		return nil, fmt.Errorf("%s: healing %s is too short for %s to recover and be judged; use at least %s, or healing 0s to skip the end-of-run checks",
			s.label(), clock.FormatDuration(h), p.Name, clock.FormatDuration(minHealing))
	}
	r.healAt = clock.Time(s.Duration)
	r.End = r.healAt.Add(s.healing())
	if err := checkExpects(s, setup.Servers, setup.Clients, wiring.Checks.History, r.End); err != nil {
		return nil, err
	}
	monitors := wiring.Checks.Monitors
	if o.KeepGoing {
		monitors = r.keepGoingMonitors(monitors)
	}
	cfg := sim.Config{
		Seed:      o.Seed,
		Servers:   setup.Servers,
		Server:    server,
		Clients:   setup.Clients,
		Client:    client,
		Link:      s.Link,
		Faults:    faults,
		Monitors:  monitors,
		MaxEvents: cmp.Or(o.MaxEvents, EventBudget(s, clients)),
		DeepCopy:  o.DeepCopy,
		Trace:     o.Trace,
		Strategy: func(name string, args []string) (protocols.Wrapper, error) {
			return byzantine.Lookup(p.Strategies, name, args)
		},
	}
	if s.healing() > 0 {
		cfg.Faults = append(cfg.Faults, sim.Fault{At: r.healAt, Kind: sim.Recover})
	}
	if o.MaxEvents == 0 {
		cfg.EventRate, cfg.EventSlack = EventRate(s, clients), EventSlack(s, clients)
	}
	cfg.MaxHashedBytes = max(sim.DefaultMaxHashedBytes, HashedBytesPerEvent*cfg.MaxEvents)
	world, err := sim.New(cfg)
	if err != nil {
		return nil, scenarioError(s, err)
	}
	r.World = world
	if wiring.Checks.History {
		r.history = newHistory()
	}
	if err := r.startLoad(); err != nil {
		return nil, err
	}
	r.metrics = newMetrics(p, world)
	world.Observe(r.observer())
	if len(s.Expects) > 0 {
		r.expect = newExpecter(r)
		if len(r.expect.stalls) > 0 {
			world.Observe(r.expect.observe)
		}
	}
	if o.Report != "" {
		r.report = newReportRecorder(p, world, faults)
		world.Observe(r.report.observe(r))
	}
	if o.Observer != nil {
		world.Observe(o.Observer)
	}
	return r, nil
}

// scenarioError points a kernel validation error at the scenario file line
// of the fault it names, when it names one.
func scenarioError(s *Scenario, err error) error {
	msg := err.Error()
	for i, f := range s.Faults {
		if strings.HasPrefix(msg, fmt.Sprintf("at %s %s: ", f.At, f)) {
			return fmt.Errorf("%s:%d: %s", s.label(), s.Line(i), strings.SplitN(msg, ": ", 2)[1])
		}
	}
	return fmt.Errorf("%s: %w", s.label(), err)
}

// observer is the runner's one observer: it records the metrics, the
// client history, the probes and the faults, each only as far as the
// event has anything for it. One call per event, rather than one per
// recorder, to a closure rather than a method value, which would add a
// call of its own: most events only send and receive. It counts each
// event's sends itself, without a call. It is kept out of Start
// (noinline): the copy of the closure inlined there did not inline
// memoKind, which cost a call at every send.
//
//go:noinline
func (r *Run) observer() sim.Observer {
	m := r.metrics
	return func(w *sim.World, ev *sim.Info) {
		if len(ev.Sends) > 0 {
			m.sent[ev.Index] += uint64(len(ev.Sends))
			for i := range ev.Sends {
				msg := ev.Sends[i].Msg
				k := msg.Kind()
				j, ok := m.memoKind(k)
				if !ok {
					j = m.kindIndex(k)
				}
				m.byKind[j]++
				if m.size != nil {
					m.bytes += uint64(m.size(msg))
				}
			}
		}
		if ev.Input == protocols.Receive {
			m.recv[ev.Index]++
		}
		if len(ev.Notes) > 0 || ev.Input == protocols.Start {
			r.noted(w, ev)
		}
		if ev.Fault != nil {
			r.faulted(ev)
		}
	}
}

// noted records what an event's notes tell the client history, the probe
// counts and the teaching moments, in one pass over the notes.
func (r *Run) noted(w *sim.World, ev *sim.Info) {
	h := r.history
	if h != nil && ev.Input == protocols.Start {
		h.restarted(ev.Node, ev.Index)
	}
	moment := false
	for i, n := range ev.Notes {
		// The operations' notes are read in place (protocols.NoteValue)
		// rather than copied out of their interfaces: each is a dozen
		// words.
		switch n := n.(type) {
		case protocols.Probe:
			r.probes.add(string(n))
		case protocols.Moment:
			moment = true
		case kv.Invoked:
			if h != nil && !h.invoked(w, ev, protocols.NoteValue[kv.Invoked](&ev.Notes[i])) {
				h = nil // the history is full and the run has failed: it records no more
			}
		case kv.Abandoned:
			if h != nil {
				h.abandon(ev, protocols.NoteValue[kv.Abandoned](&ev.Notes[i]))
			}
		case kv.Completed:
			if h != nil {
				h.completed(ev, protocols.NoteValue[kv.Completed](&ev.Notes[i]))
			}
		}
	}
	if len(ev.Notes) == 0 {
		return
	}
	// Display.Moments must see every event with notes, but it seldom
	// finds a moment: it is called here, not in a call of its own, and
	// only what it finds, or a Moment note, is gathered and counted.
	var derived []protocols.Moment
	if find := r.metrics.disp.Moments; find != nil {
		derived = find(protocols.Event{Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Input: ev.Input, Notes: ev.Notes})
	}
	if len(derived) > 0 || moment {
		r.metrics.moments(ev, derived)
	}
}

// faulted records a fault, to annotate the history's visualization. It
// is kept out of the observer (noinline): inlined, its copy of the fault
// made the observer's frame (776 bytes; 72 without it) and its
// spills larger at every event, for a handful of events.
//
//go:noinline
func (r *Run) faulted(ev *sim.Info) {
	r.faults = append(r.faults, checker.Annotation{Start: int64(ev.Time), End: int64(ev.Time), Text: ev.Fault.String()})
}

// Step processes the next event of the run, if the run is not over. A
// timed expectation is judged when no event is left at or before its time.
func (r *Run) Step() bool {
	for {
		t, ok := r.expect.due()
		if !ok {
			return r.World.StepBefore(r.End)
		}
		if r.World.StepBefore(t) {
			return true
		}
		if r.World.Failure() != nil {
			return false
		}
		r.expect.judge(t)
	}
}

// steps runs up to max events, as that many calls of Step would, and
// reports whether the run may go on: the world runs them in batches
// between the times its expectations are judged.
func (r *Run) steps(max int) bool {
	for max > 0 {
		t, ok := r.expect.due()
		if !ok {
			t = r.End
		}
		done := r.World.StepsBefore(t, max)
		max -= done
		if max == 0 {
			return r.World.Failure() == nil
		}
		if !ok || r.World.Failure() != nil {
			return false
		}
		r.expect.judge(t)
	}
	return true
}

// RunToEvent steps until n events have been processed in all, or the run
// ends: how the terminal UI rebuilds a world to step back in time.
func (r *Run) RunToEvent(n uint64) bool {
	for r.World.Events() < n && r.Step() {
	}
	return r.World.Events() == n
}

// Done reports whether the run has reached its end or failed.
func (r *Run) Done() bool {
	return r.World.Failure() != nil || !r.World.Pending() || r.World.Now() >= r.End
}

// History returns the client history recorded so far, ordered by call
// time, in the checker's format; nil for protocols without one.
func (r *Run) History() []checker.Op {
	if r.history == nil {
		return nil
	}
	return r.history.sorted()
}

// HasHistory reports whether the run records a client history (a KV
// protocol), which the linearizability check and --html need.
func (r *Run) HasHistory() bool { return r.history != nil }

// Healing reports whether the healing phase has begun.
func (r *Run) Healing() bool { return r.World.Now() >= r.healAt && r.healAt < r.End }

// Probes returns how often each coverage probe fired so far.
func (r *Run) Probes() map[string]int { return r.probes.asMap() }

// FinishContext is Finish that stops early, returning ctx's error and no
// result, when ctx is cancelled (Ctrl-C): it checks between batches of
// events, which changes nothing about a run that is not interrupted.
func (r *Run) FinishContext(ctx context.Context) (*Result, error) {
	for more := r.result == nil; more; {
		more = r.steps(4096)
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
	}
	return r.Finish(), nil
}

// Finish runs the rest of the run and judges it. Calling it again returns
// the same result.
func (r *Run) Finish() *Result {
	if r.result != nil {
		return r.result
	}
	w := r.World
	for r.steps(4096) {
	}
	w.RunUntil(r.End)
	s := r.Scenario
	res := &Result{
		Scenario:         s.Name,
		Protocol:         s.Protocol,
		Seed:             r.Seed,
		Bug:              r.Bug,
		Events:           w.Events(),
		SimTimeMS:        w.Now().Millis(),
		TraceHash:        fmt.Sprintf("%016x", w.Hash()),
		TraceHashVersion: sim.HashVersion,
		Linearizable:     "skipped",
		Expect:           s.Expect.String(),
		Violations:       []Violation{},
		Repro:            r.repro(),
	}
	res.Probes = r.probes.asMap()
	if s.Chaos != "" {
		res.Mix = r.Mix.String()
	}
	st := w.Stats()
	res.Messages = MsgCounts{Sent: st.Sent, Delivered: st.Delivered, Dropped: st.Dropped}
	r.metrics.fill(res)
	if st.Signed > 0 || st.Verified > 0 {
		res.Signatures = &SigCounts{Signed: st.Signed, Verified: st.Verified}
	}
	violation := func(kind, detail string) {
		res.Violations = append(res.Violations, Violation{Kind: kind, Event: w.Events(), TimeMS: ms(w.Now()), Detail: detail, AtEnd: true})
	}
	res.Violations = append(res.Violations, r.keptViolations()...)
	if f := w.Failure(); f != nil {
		res.Violations = append(res.Violations, Violation{Kind: f.Kind, Event: f.Seq, TimeMS: ms(f.Time), Detail: nodePrefix(f) + f.Detail})
	} else if r.healAt < r.End {
		// The end-of-run checks judge a world in which every fault is off and
		// everyone is up: without a healing phase there is no such world.
		for _, check := range r.checks.Final {
			if err := check(w); err != nil {
				kind, detail := "final-check", err.Error()
				if v := (*protocols.Violation)(nil); errors.As(err, &v) {
					kind, detail = v.Kind, v.Detail
				}
				violation(kind, detail)
			}
		}
	}
	r.finishLoad(res, violation)
	if h := r.history; h != nil {
		ok, open := h.counts()
		res.Ops = OpCounts{OK: ok, Indeterminate: open}
		maxL, mean := h.latencyStats()
		p50, p99 := h.percentiles()
		res.LatencyMS = Latency{P50: float64(p50) / 1e6, P99: float64(p99) / 1e6, Max: float64(maxL) / 1e6, Mean: round2(float64(mean) / 1e6)}
		res.Throughput = h.throughput(w.Now())
		if ok > 0 {
			res.MsgsPerOp = round2(float64(st.Sent) / float64(ok))
		}
		r.judgeHistory(res, violation)
	}
	if r.expect != nil {
		r.expect.bounds(res, violation)
	}
	res.Pass = r.pass(res)
	if r.report != nil {
		if err := r.writeReport(res, r.History(), r.lin); err != nil {
			violation("report", err.Error())
			res.Pass = r.pass(res)
		}
	}
	r.result = res
	return res
}

func nodePrefix(f *sim.Failure) string {
	if f.Node == "" {
		return ""
	}
	return string(f.Node) + ": "
}

// judgeHistory checks the client history: linearizability always, and, when
// the run got through its healing phase, that clients made progress.
func (r *Run) judgeHistory(res *Result, violation func(kind, detail string)) {
	h := r.history
	ops, _ := h.inCallOrder() // read only
	lin := checker.CheckKV(ops, r.opts.CheckBudget)
	r.lin = &lin
	res.Linearizable = string(lin.Verdict)
	res.IllegalKeys = lin.IllegalKeys
	res.Consistency = r.judgeConsistency(ops, lin, violation)
	if r.opts.HTML != "" {
		r.writeHTML(ops, lin, violation)
	}
	w := r.World
	if w.Failure() != nil || r.healAt >= r.End {
		return
	}
	bound := r.Scenario.healing() / 2
	if op, wait, stuck := h.stuck(r.healAt, w.Now(), bound); stuck {
		state := "is still waiting"
		if op.Outcome == checker.OutcomeOK {
			state = "completed only"
		}
		violation("liveness", fmt.Sprintf("%s's %s(%s) %s %s after the healing phase began (bound %s)",
			op.Client, op.Kind, op.Key, state, clock.FormatDuration(wait.Truncate(clock.Millisecond)), clock.FormatDuration(bound)))
	}
}

// judgeLinearizability fails the run on an illegal history, naming each
// broken key with its witness: the few ops that alone have no
// linearization; and on one the search could not decide within its budget.
func (r *Run) judgeLinearizability(ops []checker.Op, lin checker.Result, violation func(kind, detail string)) {
	switch lin.Verdict {
	case checker.VerdictIllegal:
		// Name each broken key with its witness: the few ops that alone
		// have no linearization.
		var b strings.Builder
		b.WriteString("no linearization of the client history on keys " + strings.Join(lin.IllegalKeys, " "))
		for _, k := range lin.Keys {
			if k.Verdict != checker.VerdictIllegal {
				continue
			}
			fmt.Fprintf(&b, "; on %s these %d ops have none:", k.Key, len(k.Witness))
			for j, i := range k.Witness {
				if j == 8 {
					fmt.Fprintf(&b, " and %d more", len(k.Witness)-j)
					break
				}
				if j > 0 {
					b.WriteString(",")
				}
				b.WriteString(" " + ops[i].String())
			}
		}
		violation("linearizability", b.String())
	case checker.VerdictUnknown:
		detail := fmt.Sprintf("the linearizability search on keys %s ran out of its budget of %d steps per key: not a pass; "+
			"to decide it, save the history (dsim run --history FILE) and run dsim check FILE --budget N with N above %d",
			strings.Join(lin.UnknownKeys, " "), lin.Budget, lin.Budget)
		if lin.Err != nil {
			detail = lin.Err.Error()
		}
		violation("linearizability-unknown", detail)

	}
}

// promised is the consistency model the client history must keep: the
// scenario's expect model line, else the protocol's promise, else
// linearizability.
func (r *Run) promised() consistency.Model {
	switch {
	case r.Scenario.Model != "":
		return consistency.Model(r.Scenario.Model)
	case r.Protocol.Consistency != "":
		return consistency.Model(r.Protocol.Consistency)
	}
	return consistency.Linearizable
}

// judgeConsistency places the history on the consistency ladder and fails
// the run when it falls below the promised model. A linearizable history
// holds every rung (eventual convergence, which is about the replicas'
// final states, is checked on its own when it is the promise); any other
// is judged rung by rung, with the smallest anomaly of each rung it misses.
func (r *Run) judgeConsistency(ops []checker.Op, lin checker.Result, violation func(kind, detail string)) *Consistency {
	promised := r.promised()
	c := &Consistency{Promised: string(promised)}
	if promised == consistency.Linearizable {
		r.judgeLinearizability(ops, lin, violation)
	}
	var ladder consistency.LadderResult
	switch {
	case lin.Verdict == checker.VerdictOK && promised != consistency.Eventual:
		c.Strongest = string(consistency.Linearizable)
		return c
	default:
		h, err := consistency.FromChecker(ops)
		if err != nil {
			violation("consistency-unknown", err.Error())
			return c
		}
		var finals map[string]map[string]string
		if r.World.Failure() == nil && r.healAt < r.End {
			// Convergence is judged only after a whole healing phase.
			finals = r.finalStates()
		}
		ladder = consistency.Ladder(h, consistency.Options{
			Budget:     consistency.Budget{Linearizability: r.opts.CheckBudget},
			Final:      finals,
			Quiescence: int64(r.healAt.Add(r.Scenario.healing() / 2)),
		})
	}
	c.Strongest = string(ladder.Strongest)
	if lin.Verdict == checker.VerdictOK {
		c.Strongest = string(consistency.Linearizable)
	}
	for _, m := range consistency.Models() {
		res := ladder.Result(m)
		if res.OK() || (m == consistency.Linearizable && lin.Verdict == checker.VerdictOK) {
			continue
		}
		if m == consistency.Eventual && res.Verdict == checker.VerdictUnknown && r.World.Failure() != nil {
			continue // the run stopped early: convergence was never to be judged
		}
		c.Missed = append(c.Missed, anomalyOf(res))
	}
	if promised == consistency.Linearizable {
		return c
	}
	switch res := ladder.Result(promised); res.Verdict {
	case checker.VerdictIllegal:
		violation("consistency", fmt.Sprintf("the history is not %s (it reaches %s): %s", promised, orNone(c.Strongest), oneLine(res)))
	case checker.VerdictUnknown:
		if promised == consistency.Eventual && r.World.Failure() != nil {
			break // the run stopped early, so convergence was never to be judged
		}
		violation("consistency-unknown", fmt.Sprintf("whether the history is %s is unknown: %s", promised, oneLine(res)))
	}
	return c
}

func orNone(s string) string {
	if s == "" {
		return "no rung"
	}
	return s
}

// oneLine is a result's anomaly or reason on one line.
func oneLine(res consistency.Result) string {
	if res.Anomaly != nil {
		a := res.Anomaly
		s := string(a.Kind)
		if a.Key != "" {
			s += " on " + a.Key
		}
		if a.Session != "" {
			s += " in session " + a.Session
		}
		return s + ": " + a.Summary
	}
	if res.Err != nil {
		return res.Err.Error()
	}
	return res.Reason
}

func anomalyOf(res consistency.Result) Anomaly {
	a := Anomaly{Model: string(res.Model), Verdict: string(res.Verdict), Detail: oneLine(res)}
	if res.Anomaly != nil {
		a.Kind = string(res.Anomaly.Kind)
		for _, st := range res.Anomaly.Steps {
			op := checker.Op{Client: st.Op.Client, Kind: st.Op.Kind, Key: st.Op.Key, Value: st.Op.Value,
				Call: st.Op.Call, Return: st.Op.Return, Outcome: st.Op.Outcome}
			if len(st.Op.Values) == 1 {
				op.Output = st.Op.Values[0]
			} else if len(st.Op.Values) > 1 {
				op.Output = consistency.EncodeSiblings(st.Op.Values)
			}
			line := op.String()
			if st.Note != "" {
				line += ": " + st.Note
			}
			a.Ops = append(a.Ops, line)
		}
	}
	return a
}

// finalStates are the KV states of the live, correct servers that hold a
// copy (kv.Replica), for the eventual rung; nil when none does. A server
// that holds only some keys (kv.PartialReplica) is compared on those only:
// for any other key it is given the first holder's value.
func (r *Run) finalStates() map[string]map[string]string {
	var out map[string]map[string]string
	var order []protocols.NodeID
	partial := map[protocols.NodeID]kv.PartialReplica{}
	for _, id := range r.World.Servers() {
		n := r.World.Node(id)
		rep, ok := n.(kv.Replica)
		if n == nil || !ok || r.World.Byzantine(id) {
			continue
		}
		if out == nil {
			out = map[string]map[string]string{}
		}
		out[string(id)] = rep.KVState()
		order = append(order, id)
		if p, ok := n.(kv.PartialReplica); ok {
			partial[id] = p
		}
	}
	if len(partial) == 0 {
		return out
	}
	keys := map[string]bool{}
	for _, st := range out {
		for k := range st {
			keys[k] = true
		}
	}
	holds := func(id protocols.NodeID, k string) bool {
		p, ok := partial[id]
		return !ok || p.HoldsKey(k)
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		var holder protocols.NodeID
		for _, id := range order {
			if holds(id, k) {
				holder = id
				break
			}
		}
		for _, id := range order {
			if holds(id, k) {
				continue
			}
			if v, ok := out[string(holder)][k]; holder != "" && ok {
				out[string(id)][k] = v
			} else {
				delete(out[string(id)], k)
			}
		}
	}
	return out
}

func (r *Run) writeHTML(ops []checker.Op, lin checker.Result, violation func(kind, detail string)) {
	var buf bytes.Buffer
	if err := checker.WriteHTML(&buf, ops, lin, r.faults); err != nil {
		violation("html", err.Error())
		return
	}
	if err := writeFileAtomic(r.opts.HTML, buf.Bytes()); err != nil {
		violation("html", err.Error())
	}
}

func (r *Run) pass(res *Result) bool {
	e := r.Scenario.Expect
	switch e.Kind {
	case "violation":
		return slices.ContainsFunc(res.Violations, func(v Violation) bool { return v.Kind == e.Name })
	case "probe":
		return len(res.Violations) == 0 && r.probes.count(e.Name) > 0
	}
	return len(res.Violations) == 0
}

func (r *Run) repro() string {
	if r.opts.Repro != "" {
		return r.opts.Repro
	}
	return reproCommand(r.Scenario.Name, r.Seed, r.opts.Bug, r.opts.MaxEvents)
}

func ms(t clock.Time) float64 { return float64(t) / 1e6 }

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// RunScenario runs a scenario to the end with one seed.
func RunScenario(s *Scenario, o RunOptions) (*Result, error) {
	r, err := Start(s, o)
	if err != nil {
		return nil, err
	}
	return r.Finish(), nil
}

// schedule returns the faults a seed of s runs: the scenario's own, and for
// a swarm scenario the seed's drawn ones, in the order the kernel applies
// them (by time, the scenario's first at equal times).
func schedule(s *Scenario, p *protocols.Protocol, seed uint64) ([]sim.Fault, Mix) {
	faults := slices.Clone(s.Faults)
	var mix Mix
	if s.Chaos == "swarm" {
		var drawn []sim.Fault
		drawn, mix = drawChaos(s, p, seed)
		faults = append(faults, drawn...)
	}
	slices.SortStableFunc(faults, func(a, b sim.Fault) int { return cmp.Compare(a.At, b.At) })
	return faults, mix
}

// checkRuleKinds catches a misspelt message kind in a targeted rule, which
// would otherwise match nothing and silently do nothing.
func checkRuleKinds(s *Scenario, p *protocols.Protocol) error {
	kinds := p.Kinds()
	if len(kinds) == 0 {
		return nil
	}
	for i, f := range s.Faults {
		if f.Kind != sim.DropNext && f.Kind != sim.DelayNext && f.Kind != sim.DropInFlight {
			continue
		}
		if k := f.Rule.Kind; k != "" && !slices.Contains(kinds, k) {
			return fmt.Errorf("%s:%d: %s has no message kind %q (its kinds: %s)", s.label(), s.Line(i), p.Name, k, strings.Join(kinds, ", "))
		}
	}
	return nil
}
