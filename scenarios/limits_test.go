package scenarios

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// Settings that cannot make sense are refused before the run, naming the
// line: they used to run for minutes and gigabytes.
func TestRefusedSettings(t *testing.T) {
	const raft = "protocol raft\nnodes 3\nduration 2s\n"
	cases := map[string]string{
		raft + "net latency fixed 0s\n":                                                "x.scn: net latency fixed 0s: with (almost) no latency",
		raft + "net latency uniform 0s 1us\n":                                          "x.scn: net latency uniform 0s 1us: with (almost) no latency",
		raft + "at 1s net latency fixed 0s\n":                                          "x.scn:4: net latency fixed 0s",
		raft + "at 1s net n1->n2 latency exp 0s 0.5us\n":                               "x.scn:4: net latency exp 0s 500ns",
		raft + "option heartbeat 1ns\n":                                                "x.scn:4: option heartbeat: 1ns is far below the network's mean latency of 5.5ms",
		raft + "workload timeout 2us\n":                                                "x.scn:4: workload timeout: 2us is far below",
		raft + "option heartbeat 100ms\n":                                              "heartbeat 100ms is not well under the election timeout 150ms",
		raft + "expect violation bogus\n":                                              "x.scn:4: expect violation bogus: raft never reports it (its kinds: election-safety,",
		raft + "expect probe bogus-probe\n":                                            "x.scn:4: expect probe bogus-probe: raft has no such probe (its probes: leader-elected,",
		"protocol broadcast\nnodes 3\nduration 2s\nexpect violation election-safety\n": "broadcast never reports it",
	}
	for src, want := range cases {
		s, err := Parse("x.scn", strings.NewReader(src))
		require.NoError(t, err, src)
		_, err = Start(s, RunOptions{Seed: 1})
		if assert.Error(t, err, src) {
			assert.Contains(t, err.Error(), want, src)
		}
	}
	// What is allowed: a tiny latency with timers to match, a generic
	// violation kind, a declared probe, a timer of 0 meaning "the default".
	for _, src := range []string{
		raft + "net latency fixed 1us\noption heartbeat 1us\n",
		raft + "expect violation liveness\n",
		raft + "expect violation event-budget\n",
		raft + "expect probe leader-elected\n",
		raft + "workload think 0s\n",
	} {
		s, err := Parse("x.scn", strings.NewReader(src))
		require.NoError(t, err, src)
		_, err = Start(s, RunOptions{Seed: 1})
		assert.NoError(t, err, src)
	}
}

func TestEventBudgetIsSizedFromTheScenario(t *testing.T) {
	chaos, err := Builtin("raft/chaos")
	require.NoError(t, err)
	secs := (chaos.Duration + chaos.healing()).Seconds()
	assert.Equal(t, uint64(64*EventsPerNodeSquaredSecond), EventRate(chaos, 3)) // 5 servers and 3 clients
	assert.Equal(t, uint64(MinEventSlack), EventSlack(chaos, 3))
	assert.Equal(t, uint64(MinEventSlack+64*EventsPerNodeSquaredSecond*secs), EventBudget(chaos, 3))
	tiny := &Scenario{Nodes: 3, Duration: 1e9, Healing: 0}
	assert.Equal(t, uint64(MinEventSlack+9*EventsPerNodeSquaredSecond), EventBudget(tiny, 0))
	wide := &Scenario{Nodes: 20, Duration: 1e9, Healing: 0}
	assert.Equal(t, uint64(400*EventsPerNodeSquaredSecond), EventSlack(wide, 0), "a second's worth, for many nodes")
	huge := &Scenario{Nodes: 32, Duration: MaxDuration, Healing: MaxDuration}
	assert.Equal(t, uint64(MaxEventBudget), EventBudget(huge, 32))
}

// A run that runs away fails its seed as soon as it outruns the budget's
// line, deterministically, within a second: a 1us network lets clients
// loop a hundred thousand times a second. An explicit --max-events lifts
// the line and sets the whole budget.
func TestARunawayFailsAtItsBudget(t *testing.T) {
	s, err := Parse("x.scn", strings.NewReader("protocol raft\nnodes 3\nduration 30s\nnet latency fixed 1us\n"))
	require.NoError(t, err)
	res, err := RunScenario(s, RunOptions{Seed: 1})
	require.NoError(t, err)
	require.NotEmpty(t, res.Violations)
	v := res.Violations[0]
	assert.Equal(t, "event-budget", v.Kind)
	assert.Equal(t, EventSlack(s, 3)+EventRate(s, 3)*uint64(v.TimeMS)/1000+1, v.Event, "the first event past the line")
	assert.Less(t, v.Event, EventBudget(s, 3)/3, "long before the whole budget")
	assert.Equal(t, "dsim run x.scn --seed 1", res.Repro, "the default budget needs no flag to reproduce")

	res, err = RunScenario(s, RunOptions{Seed: 1, MaxEvents: 50_000})
	require.NoError(t, err)
	assert.Equal(t, uint64(50_000), res.Violations[0].Event)
	assert.Equal(t, "dsim run x.scn --seed 1 --max-events 50000", res.Repro)
}

// Every catalogue scenario stays far below every budget, so that the
// budgets stop runaways and never a sane run.
func TestCatalogueRunsStayFarBelowTheirBudgets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the catalogue")
	}
	worst, worstName := 0.0, ""
	densest, densestName := 0.0, ""
	for _, name := range Names() {
		s, err := Builtin(name)
		require.NoError(t, err)
		p, err := Lookup(s.Protocol)
		require.NoError(t, err)
		clients := s.Clients
		if clients < 0 {
			clients = p.DefaultClients
		}
		// How close the run comes to the event budget's line, at its
		// closest.
		rate, slack := float64(EventRate(s, clients)), float64(EventSlack(s, clients))
		use := 0.0
		r, err := Start(s, RunOptions{Seed: s.Seed, Observer: func(w *sim.World, ev *sim.Info) {
			use = max(use, float64(ev.Seq)/(slack+rate*float64(ev.Time.Millis())/1000))
		}})
		require.NoError(t, err, name)
		res := r.Finish()
		st := r.World.Stats()
		assert.Less(t, use, 0.25, "%s comes within four times of its event budget's line", name)
		if use > worst {
			worst, worstName = use, name
		}
		assert.Less(t, st.PeakInFlight, sim.DefaultMaxInFlight/10, name)
		assert.Less(t, st.PeakInstant, uint64(sim.DefaultMaxInstant/10), name)
		assert.Less(t, res.Ops.OK+res.Ops.Indeterminate, MaxHistory/10, name)
		hashed := max(sim.DefaultMaxHashedBytes, HashedBytesPerEvent*EventBudget(s, clients))
		assert.Less(t, r.World.HashedBytes(), hashed/10, name)
		if per := float64(r.World.HashedBytes()) / float64(res.Events); per > densest {
			densest, densestName = per, name
		}
	}
	t.Logf("closest to its event budget's line: %s, at %.0f%% of it", worstName, 100*worst)
	t.Logf("the most bytes hashed an event: %s, %.0f (the budget allows %d an event of the event budget)", densestName, densest, HashedBytesPerEvent)
}

// A leader that resends its whole log on every heartbeat sends no more
// messages than a sane one, so neither the event budget nor the count of
// messages in flight stops it; the bytes its messages fold into the trace
// hash grow with the square of time and do, with memory-budget, long
// before its event budget, at the same event with a trace written or not.
func TestAWholeLogResenderFailsAtItsHashedBytesBudget(t *testing.T) {
	s, err := Parse("x.scn", strings.NewReader("protocol test-resender\nnodes 3\nduration 120s\nhealing 0s\n"))
	require.NoError(t, err)
	res, err := RunScenario(s, RunOptions{Seed: 1, Protocol: resender})
	require.NoError(t, err)
	require.NotEmpty(t, res.Violations)
	v := res.Violations[0]
	assert.Equal(t, "memory-budget", v.Kind)
	assert.Contains(t, v.Detail, "its messages grow without bound, as a leader resending its whole log would")
	assert.Less(t, v.Event, EventBudget(s, 0)/20, "long before the event budget")
	assert.Less(t, v.TimeMS, 60_000.0)

	traced, err := RunScenario(s, RunOptions{Seed: 1, Protocol: resender, Trace: io.Discard})
	require.NoError(t, err)
	assert.Equal(t, res.Violations, traced.Violations)
}

// resender's n1 leads and, every 10ms, appends ten entries to its log and
// sends all of it to every peer.
var resender = &protocols.Protocol{
	Name: "test-resender", Summary: "a leader that resends its whole log", MinServers: 2,
	Build: func(protocols.Setup) (protocols.Wiring, error) {
		return protocols.Wiring{Server: func(cfg protocols.Config) protocols.Node { return &resendingLeader{cfg: cfg} }}, nil
	},
}

type resendingLeader struct {
	cfg protocols.Config
	log []string
}

// wholeLog carries a leader's whole log, and hashes entry by entry.
type wholeLog struct{ Entries []string }

func (wholeLog) Kind() string     { return "WholeLog" }
func (m wholeLog) String() string { return fmt.Sprintf("WholeLog{%d entries}", len(m.Entries)) }
func (m wholeLog) AppendHash(h *protocols.Hash) {
	h.Int(len(m.Entries))
	for _, e := range m.Entries {
		h.String(e)
	}
}

func (l *resendingLeader) Step(in protocols.Input, out *protocols.Effects) {
	if l.cfg.ID != "n1" || in.Kind == protocols.Receive {
		return
	}
	for range 10 {
		l.log = append(l.log, fmt.Sprintf("entry %d of the log", len(l.log)))
	}
	for _, p := range l.cfg.Peers {
		out.Send(p, wholeLog{l.log[:len(l.log):len(l.log)]})
	}
	out.SetTimer("heartbeat", 10*clock.Millisecond)
}

func (l *resendingLeader) Status() protocols.Status { return protocols.Status{Role: "leader"} }

// A report keeps at most MaxReportEvents events of its run's tape, and says
// so: a long run's report used to keep every event (a gigabyte for 150
// simulated seconds of Raft).
func TestReportKeepsABoundedTape(t *testing.T) {
	if testing.Short() {
		t.Skip("a long run")
	}
	s, err := Parse("x.scn", strings.NewReader("protocol raft\nnodes 5\nduration 80s\n"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "r.html")
	r, err := Start(s, RunOptions{Seed: 1, Report: path})
	require.NoError(t, err)
	res := r.Finish()
	require.Greater(t, res.Events, uint64(MaxReportEvents))
	assert.Len(t, r.report.events, MaxReportEvents)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), fmt.Sprintf("This report shows the first %d of the run's %d events", MaxReportEvents, res.Events))
}
