package scenarios

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

const kvMinimal = "protocol raft\nnodes 3\nduration 10s\n"

func TestGoodputExpectParses(t *testing.T) {
	s, err := Parse("x.scn", strings.NewReader(kvMinimal+"expect goodput >= 80% of before by 5s after 3s\ntimeline 500ms\n"))
	require.NoError(t, err)
	require.NotNil(t, s.Goodput)
	g := *s.Goodput
	assert.Equal(t, GoodputExpect{PPM: 800_000, From: clock.Time(clock.Second), To: clock.Time(3 * clock.Second), Before: true,
		Trigger: clock.Time(3 * clock.Second), Within: 5 * clock.Second, Line: 4}, g)
	assert.Equal(t, 500*clock.Millisecond, s.Timeline)
	back, err := Parse("x.scn", strings.NewReader(Format(s)))
	require.NoError(t, err)
	assert.Equal(t, s.Goodput.String(), back.Goodput.String())
	assert.Equal(t, s.Timeline, back.Timeline)

	s, err = Parse("x.scn", strings.NewReader(kvMinimal+"expect goodput >= 50.5% of 1s..2.5s by 2s after 3s\n"))
	require.NoError(t, err)
	assert.Equal(t, "goodput >= 50.5% of 1s..2500ms by 2s after 3s", s.Goodput.String())
	assert.Equal(t, clock.Time(2500*clock.Millisecond), s.Goodput.To)
}

// A malformed expect goodput or timeline line is bad input naming its line.
func TestGoodputExpectErrorsNameTheLine(t *testing.T) {
	for line, want := range map[string]string{
		"expect goodput >= 80%":                             `x.scn:4: expect goodput: want "expect goodput >= P% of before by D after T"`,
		"expect goodput > 80% of before by 5s after 3s":     "x.scn:4: expect goodput: want",
		"expect goodput >= 80 of before by 5s after 3s":     "x.scn:4: expect goodput: \"80\": want a percentage",
		"expect goodput >= 0% of before by 5s after 3s":     "x.scn:4: expect goodput: 0%: want a share above 0%",
		"expect goodput >= 120% of before by 5s after 3s":   "at most 100%",
		"expect goodput >= 80% of before by soon after 3s":  "x.scn:4: expect goodput: by duration",
		"expect goodput >= 80% of before by 500ms after 3s": "allow at least 1s",
		"expect goodput >= 80% of before by 5s after later": "x.scn:4: expect goodput: after duration",
		"expect goodput >= 80% of before by 5s after 0s":    "leaves no time before it",
		"expect goodput >= 80% of 2s..1s by 5s after 3s":    "want before, or a span A..B",
		"expect goodput >= 80% of 1s..4s by 5s after 3s":    "want before, or a span A..B ending by the trigger",
		"expect goodputs >= 80% of before by 5s after 3s":   `x.scn:4: expect goodputs: unknown expectation; want "expect violation KIND"`,
		"timeline fast": "x.scn:4: timeline",
		"timeline 2m":   "x.scn:4: timeline 2m: want a window from 1ms to 1m",
	} {
		_, err := Parse("x.scn", strings.NewReader(kvMinimal+line+"\n"))
		if assert.Error(t, err, line) {
			assert.Contains(t, err.Error(), want, line)
		}
	}
	_, err := Parse("x.scn", strings.NewReader(kvMinimal+"expect goodput >= 80% of before by 5s after 3s\nexpect goodput >= 80% of before by 5s after 3s\n"))
	assert.ErrorContains(t, err, "x.scn:5: expect goodput is set twice (first on line 4)")

	for src, want := range map[string]string{
		minimal + "expect goodput >= 80% of before by 1s after 1s\n":    "x.scn:4: expect goodput needs a client history, and broadcast has none",
		kvMinimal + "expect goodput >= 80% of before by 13s after 3s\n": "x.scn:4: expect goodput: by 13s after 3s is past the end of the run (15s)",
	} {
		s, err := Parse("x.scn", strings.NewReader(src))
		require.NoError(t, err)
		_, err = Start(s, RunOptions{Seed: 1})
		assert.ErrorContains(t, err, want)
	}
}

// The retry storm collapses and stays down; each mitigation recovers. The
// numbers are the measurements the scenarios' texts describe.
func TestRetryStormAndItsMitigations(t *testing.T) {
	run := func(name string) *Result {
		s, err := Load(name)
		require.NoError(t, err)
		res, err := RunScenario(s, RunOptions{Seed: s.Seed})
		require.NoError(t, err)
		require.NotNil(t, res.Recovery, name)
		require.NotNil(t, res.Timeline, name)
		assert.Len(t, res.Timeline.Windows, 25, "%s: one window per second of the run", name)
		assert.Equal(t, "linearizable", res.Consistency.Strongest, name)
		offered, goodput := 0, 0
		for _, w := range res.Timeline.Windows {
			offered += w.Offered
			goodput += w.Goodput
		}
		assert.Equal(t, res.Ops.OK, goodput, "%s: the timeline counts what the history holds", name)
		assert.Equal(t, res.Ops.OK+res.Ops.Indeterminate, offered, name)
		return res
	}
	storm := run("raft/retry-storm")
	assert.True(t, storm.Pass)
	assert.Equal(t, "goodput", storm.Violations[0].Kind)
	assert.Greater(t, storm.Recovery.BeforePerS, 90.0)
	assert.Zero(t, storm.Recovery.AfterPerS, "the storm outlives its trigger")
	assert.Nil(t, storm.Recovery.RecoveredMS)
	assert.Greater(t, storm.Timeline.Windows[10].Queue, 100, "the leader's queue stays full")
	for _, name := range []string{"raft/retry-storm-backoff", "raft/retry-storm-budget", "raft/retry-storm-breaker", "raft/retry-storm-deadline"} {
		res := run(name)
		assert.True(t, res.Pass, "%s: %v", name, res.Violations)
		assert.Greater(t, res.Recovery.AfterPerS, 0.8*res.Recovery.BeforePerS, name)
		// Each mitigation works the way its text says.
		w := res.Timeline.Windows
		switch name {
		case "raft/retry-storm-backoff", "raft/retry-storm-breaker":
			// The retries stop doubling the load within a second or two.
			assert.Less(t, w[6].Attempts, 2*w[6].Offered, "%s: %+v", name, w[6])
		case "raft/retry-storm-budget":
			// Tokens spent, retries stop: about one request per operation.
			assert.Less(t, w[7].Attempts, 3*w[7].Offered/2, "%s: %+v", name, w[7])
		case "raft/retry-storm-deadline":
			// Still a storm, but the leader drops what nobody waits for.
			expired := 0
			for _, x := range w {
				expired += x.Expired
			}
			assert.Greater(t, expired, 100, name)
			assert.Greater(t, w[7].Attempts, 3*w[7].Offered, "%s: the clients still retry at once", name)
		}
	}
	assert.Zero(t, sumExpired(storm), "without propagated deadlines nothing expires")
}

// Each jitter of the backoff policy ends the storm: raft/retry-storm-backoff
// with none, equal and decorrelated jitter in place of full.
func TestRetryStormRecoversWithEveryJitter(t *testing.T) {
	base, err := Load("raft/retry-storm-backoff")
	require.NoError(t, err)
	for _, j := range []string{"none", "full", "equal", "decorrelated"} {
		s := *base
		s.Workload = slices.Clone(base.Workload)
		i := slices.IndexFunc(s.Workload, func(st Setting) bool { return st.Key == "retry" })
		require.GreaterOrEqual(t, i, 0)
		s.Workload[i].Value = "backoff 100ms 2s " + j
		res, err := RunScenario(&s, RunOptions{Seed: 1})
		require.NoError(t, err)
		assert.True(t, res.Pass, "%s: %v", j, res.Violations)
		require.NotNil(t, res.Recovery.RecoveredMS, j)
		assert.Less(t, *res.Recovery.RecoveredMS, 7000.0, "%s: back within 2s of the pause", j)
	}
}

func sumExpired(r *Result) int {
	n := 0
	for _, w := range r.Timeline.Windows {
		n += w.Expired
	}
	return n
}

func TestTimelineOfAProtocolWithoutHistory(t *testing.T) {
	s, err := Parse("x.scn", strings.NewReader(minimal+"timeline 500ms\nat 0s service all 1ms queue 2\n"))
	require.NoError(t, err)
	res, err := RunScenario(s, RunOptions{Seed: 1})
	require.NoError(t, err)
	require.NotNil(t, res.Timeline)
	assert.Len(t, res.Timeline.Windows, 14, "2s of chaos and 5s of healing")
	assert.Zero(t, res.Timeline.Windows[1].Offered)
	assert.Nil(t, res.Recovery)
	assert.Equal(t, []float64{0, 0}, res.Timeline.Series("goodput")[:2])
}

func TestSparkline(t *testing.T) {
	assert.Equal(t, "▁▄█▁", Sparkline([]float64{0, 50, 100, 0}))
	assert.Equal(t, "▁▁", Sparkline([]float64{0, 0}))
	assert.Equal(t, "152/s", FormatRate(152.4))
	assert.Equal(t, "3.5/s", FormatRate(3.5))
}

// The slow class is drawn only where a scenario lists it, from a stream of
// its own: listing it adds its episodes and changes no other fault.
func TestSlowClassIsOptIn(t *testing.T) {
	base, err := Builtin("raft/chaos")
	require.NoError(t, err)
	with := *base
	with.ChaosOf = FaultClasses() // every class, slow (the last) with them
	with.Faults = append(slices.Clone(base.Faults), sim.Fault{Kind: sim.Service, Nodes: []protocols.NodeID{sim.All}, Service: sim.ServiceModel{Time: clock.Millisecond, Queue: 7}})
	without := with
	without.ChaosOf = slices.DeleteFunc(slices.Clone(FaultClasses()), func(c string) bool { return c == "slow" })
	slow := 0
	for seed := uint64(1); seed <= 40; seed++ {
		all, mix := DrawChaos(base, seed)
		assert.NotContains(t, mix.Classes, "slow", "a swarm that lists no classes never draws slow")
		plain, _ := DrawChaos(&without, seed)
		assert.Equal(t, all, plain)
		got, _ := DrawChaos(&with, seed)
		var others []sim.Fault
		for _, f := range got {
			if f.Kind != sim.Service {
				others = append(others, f)
				continue
			}
			slow++
			assert.Equal(t, 7, f.Service.Queue, "an episode keeps the scenario's queue bound")
			assert.True(t, f.Service.Time == clock.Millisecond || f.Service.Time >= 5*clock.Millisecond, f.String())
		}
		assert.Equal(t, plain, others, "seed %d", seed)
	}
	assert.Greater(t, slow, 10)
}
