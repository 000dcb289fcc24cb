package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	assert.Equal(t, uint64(8*secs*EventsPerNodeSecond), EventBudget(chaos, 3)) // 5 servers and 3 clients
	tiny := &Scenario{Nodes: 3, Duration: 1e9, Healing: 0}
	assert.Equal(t, uint64(MinEventBudget), EventBudget(tiny, 0))
	huge := &Scenario{Nodes: 32, Duration: MaxDuration, Healing: MaxDuration}
	assert.Equal(t, uint64(MaxEventBudget), EventBudget(huge, 32))
}

// A run that runs away fails its seed at its event budget, deterministically,
// within about a second: a 1us network lets clients loop a hundred thousand
// times a second.
func TestARunawayFailsAtItsBudget(t *testing.T) {
	s, err := Parse("x.scn", strings.NewReader("protocol raft\nnodes 3\nduration 2s\nnet latency fixed 1us\n"))
	require.NoError(t, err)
	res, err := RunScenario(s, RunOptions{Seed: 1})
	require.NoError(t, err)
	require.NotEmpty(t, res.Violations)
	assert.Equal(t, "event-budget", res.Violations[0].Kind)
	assert.Equal(t, EventBudget(s, 3), res.Violations[0].Event)
	assert.Equal(t, "dsim run x.scn --seed 1", res.Repro, "the default budget needs no flag to reproduce")
}

// Every catalogue scenario stays far below every budget, so that the
// budgets stop runaways and never a sane run.
func TestCatalogueRunsStayFarBelowTheirBudgets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the catalogue")
	}
	for _, name := range Names() {
		s, err := Builtin(name)
		require.NoError(t, err)
		r, err := Start(s, RunOptions{Seed: s.Seed})
		require.NoError(t, err, name)
		res := r.Finish()
		st := r.World.Stats()
		clients := s.Clients
		if clients < 0 {
			clients = r.Protocol.DefaultClients
		}
		assert.Less(t, res.Events, EventBudget(s, clients)/10, name)
		assert.Less(t, st.PeakInFlight, sim.DefaultMaxInFlight/10, name)
		assert.Less(t, st.PeakInstant, uint64(sim.DefaultMaxInstant/10), name)
		assert.Less(t, res.Ops.OK+res.Ops.Indeterminate, MaxHistory/10, name)
	}
}
