package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
)

// With zero latency the ball bounces forever at time zero: the run fails as
// a time stall as soon as one instant has had MaxInstant events, not after
// its whole event budget, and the same way every time.
func TestTimeStallFailsTheSeed(t *testing.T) {
	cfg := config(1, 3, bouncerOpts{noTick: true})
	cfg.Link = net.LinkConfig{Latency: net.FixedLatency(0)}
	cfg.MaxInstant = 5000
	w, _ := run(t, cfg, time(60_000))
	f := w.Failure()
	require.NotNil(t, f)
	assert.Equal(t, "time-stall", f.Kind)
	assert.Equal(t, clock.Time(0), f.Time)
	assert.Equal(t, uint64(5000), f.Seq)
	assert.Contains(t, f.Detail, "5000 events at virtual time 0.000s without time advancing")
	assert.Equal(t, uint64(5000), w.Stats().PeakInstant)
}

// A sane run with fixed latency has many events at one instant (every node
// hears a broadcast at once) and never comes near the limit.
func TestSimultaneousEventsAreNotAStall(t *testing.T) {
	cfg := config(1, 5, bouncerOpts{})
	cfg.Link = net.LinkConfig{Latency: net.FixedLatency(5 * ms)}
	w, _ := run(t, cfg, time(10_000))
	assert.Nil(t, w.Failure())
	assert.Less(t, w.Stats().PeakInstant, uint64(20))
}

// A message storm (every receipt is sent on to every peer) fills the queue
// exponentially: the run fails with memory-budget once MaxInFlight events
// wait at once, long before the event budget and the machine's memory.
func TestInFlightBudgetStopsAStorm(t *testing.T) {
	cfg := config(1, 4, bouncerOpts{allPeers: true})
	cfg.MaxInFlight = 10_000
	w, _ := run(t, cfg, time(60_000))
	f := w.Failure()
	require.NotNil(t, f)
	assert.Equal(t, "memory-budget", f.Kind)
	assert.Contains(t, f.Detail, "(the budget is 10000)")
	assert.GreaterOrEqual(t, w.Stats().PeakInFlight, 10_000)
	assert.Less(t, f.Seq, uint64(10_000), "the storm fills the queue in fewer events than it holds")
}

// Inputs held at paused nodes and on held links count as in flight, and are
// counted out again when they run, are released or die with a crash.
func TestParkedEventsAreCounted(t *testing.T) {
	cfg := config(1, 4, bouncerOpts{},
		"1s pause n2", "1.5s hold n1->n3", "2s crash n2", "2.5s restart n2",
		"3s pause n4", "4s resume n4", "5s release n1->n3", "6s clog n3->n1 2s", "7s pause n1", "9s resume n1")
	w, err := New(cfg)
	require.NoError(t, err)
	for w.Step() && w.Now() < clock.Time(time(12_000)) {
		parked := 0
		for _, n := range w.nodes {
			parked += len(n.held)
		}
		for _, l := range w.linkHeld {
			parked += len(l)
		}
		require.Equal(t, parked, w.parked, "at event %d", w.Events())
	}
	assert.Greater(t, w.Stats().PeakInFlight, 0)
}

// With an event rate, a run fails as soon as it outruns the line
// EventSlack + EventRate × (virtual seconds), not at the end of its budget.
func TestEventRateFailsARunawayEarly(t *testing.T) {
	cfg := config(1, 4, bouncerOpts{allPeers: true})
	cfg.EventRate, cfg.EventSlack = 1000, 2000
	w, _ := run(t, cfg, time(60_000))
	f := w.Failure()
	require.NotNil(t, f)
	assert.Equal(t, "event-budget", f.Kind)
	assert.Equal(t, uint64(2000)+1000*uint64(f.Time.Millis())/1000+1, f.Seq)
	assert.Contains(t, f.Detail, "more than 2000 plus 1000 a simulated second")

	// A calm run stays under the same line.
	cfg = config(1, 4, bouncerOpts{})
	cfg.EventRate, cfg.EventSlack = 1000, 2000
	w, _ = run(t, cfg, time(60_000))
	assert.Nil(t, w.Failure())
}

// The run fails when its events have folded the budget's bytes into the
// trace hash, counted the same whether or not lines are rendered: it
// fails at the same event either way, at the first event past the budget.
func TestHashedBytesBudget(t *testing.T) {
	cfg := config(1, 3, bouncerOpts{noTick: true})
	cfg.MaxHashedBytes = 64 << 10
	w, lines := run(t, cfg, time(600_000))
	f := w.Failure()
	require.NotNil(t, f)
	assert.Equal(t, "memory-budget", f.Kind)
	assert.Contains(t, f.Detail, "the messages they carried came to")
	assert.GreaterOrEqual(t, w.HashedBytes(), uint64(64<<10))
	assert.Less(t, w.HashedBytes(), uint64(64<<10+200), "it fails at the first event past the budget")
	assert.Len(t, lines, int(f.Seq))

	u := untraced(t, cfg, time(600_000))
	assert.Equal(t, f, u.Failure(), "the same failure without lines")
	assert.Equal(t, w.HashedBytes(), u.HashedBytes())
}

// A leader resending its whole log sends no more messages than a sane
// one, so no count of events or messages stops it; the bytes its messages
// fold into the hash grow with the square of time and do, long before
// its event budget would.
func TestHashedBytesBudgetStopsAWholeLogResender(t *testing.T) {
	cfg := logLeaderConfig()
	cfg.MaxHashedBytes = 16 << 20
	w := untraced(t, cfg, time(600_000))
	f := w.Failure()
	require.NotNil(t, f)
	assert.Equal(t, "memory-budget", f.Kind)
	assert.Contains(t, f.Detail, "its messages grow without bound, as a leader resending its whole log would")
	assert.Less(t, f.Seq, uint64(10_000), "a few thousand events, each carrying a long log")
	assert.Less(t, f.Time, clock.Time(time(20_000)))
}
