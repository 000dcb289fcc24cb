package sim

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

func TestQueueOrdersByTimeThenSequence(t *testing.T) {
	var q queue
	seq := uint64(0)
	add := func(at clock.Time, label int32) {
		seq++
		q.push(event{at: at, seq: seq, node: label})
	}
	add(5, 3)
	add(1, 1)
	add(5, 4)
	add(1, 2)
	add(3, 10)
	add(5, 5)
	assert.Equal(t, clock.Time(1), q.peekAt())
	var got []int32
	for q.Len() > 0 {
		got = append(got, q.pop().node)
	}
	assert.Equal(t, []int32{1, 2, 10, 3, 4, 5}, got, "equal times keep insertion order")
}

// TestQueueActsAsASortedList pushes and pops at random and holds every pop
// to the earliest of what a plain list holds: by time, then by push order.
func TestQueueActsAsASortedList(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q queue
		var model []event
		seq := uint64(0)
		for range rapid.IntRange(1, 300).Draw(t, "ops") {
			if len(model) == 0 || rapid.Bool().Draw(t, "push") {
				seq++
				e := event{at: clock.Time(rapid.IntRange(0, 20).Draw(t, "at")), seq: seq, node: int32(seq)}
				q.push(e)
				model = append(model, e)
				continue
			}
			first := earliest(model)
			if got := q.peekAt(); got != model[first].at {
				t.Fatalf("peekAt = %d, want %d", got, model[first].at)
			}
			if got := q.pop().node; got != model[first].node {
				t.Fatalf("popped event %d, want %d", got, model[first].node)
			}
			model = append(model[:first], model[first+1:]...)
			if q.Len() != len(model) {
				t.Fatalf("Len = %d, want %d", q.Len(), len(model))
			}
		}
	})
}

// earliest returns the place of the event a queue holding model pops
// next: the earliest, and of those the first pushed.
func earliest(model []event) int {
	first := 0
	for i, e := range model {
		if e.at < model[first].at || (e.at == model[first].at && e.seq < model[first].seq) {
			first = i
		}
	}
	return first
}

// The calendar queue's buckets, window and far heap are invisible: events
// spread from the same instant to far past the window, pushed in any
// order and between pops (earlier than the last pop too, as events
// injected at the current time are; after a peek, as a fault injected
// between steps is; with a sequence number taken earlier, as a timer's
// is), pop as from a sorted list; popBefore pops only what is due.
func TestQueueActsAsASortedListOverAnySpan(t *testing.T) {
	const bucket = 1 << bucketShift
	at := rapid.OneOf(
		rapid.Int64Range(0, 3*bucket), // a few buckets: ties and neighbours
		rapid.Int64Range(nearBuckets*bucket-2*bucket, nearBuckets*bucket+2*bucket), // the window's edge
		rapid.Int64Range(0, 5*nearBuckets*bucket),                                  // far past the window, and jumps
	)
	rapid.Check(t, func(t *rapid.T) {
		var q queue
		var model []event
		var taken []uint64 // sequence numbers taken and not yet used
		seq, now := uint64(0), clock.Time(0)
		for range rapid.IntRange(1, 400).Draw(t, "ops") {
			if rapid.IntRange(0, 5).Draw(t, "peek") == 0 && len(model) > 0 {
				q.peekAt() // and push or pop after it
			}
			if len(model) == 0 || rapid.Bool().Draw(t, "push") {
				seq++
				if rapid.IntRange(0, 4).Draw(t, "take") == 0 {
					taken = append(taken, seq)
					seq++
				}
				s := seq
				if len(taken) > 0 && rapid.IntRange(0, 2).Draw(t, "use") == 0 {
					s, taken = taken[0], taken[1:]
				}
				e := event{at: now + clock.Time(at.Draw(t, "after")), seq: s, node: int32(s)}
				if rapid.IntRange(0, 9).Draw(t, "early") == 0 {
					e.at = now - clock.Time(rapid.Int64Range(0, 2*bucket).Draw(t, "before"))
				}
				q.push(e)
				model = append(model, e)
				continue
			}
			first := earliest(model)
			if got := q.peekAt(); got != model[first].at {
				t.Fatalf("peekAt = %d, want %d", got, model[first].at)
			}
			limit := model[first].at + clock.Time(rapid.Int64Range(-2, 2).Draw(t, "limit"))
			if limit < model[first].at {
				if e := q.popBefore(limit); e != nil {
					t.Fatalf("popBefore(%d) popped event %d at %d", limit, e.node, e.at)
				}
				continue
			}
			if got := q.popBefore(limit).node; got != model[first].node {
				t.Fatalf("popped event %d, want %d", got, model[first].node)
			}
			now = model[first].at
			model = append(model[:first], model[first+1:]...)
			if q.Len() != len(model) {
				t.Fatalf("Len = %d, want %d", q.Len(), len(model))
			}
			seen := 0
			q.each(func(*event) { seen++ })
			if seen != len(model) {
				t.Fatalf("each visits %d events, want %d", seen, len(model))
			}
		}
	})
}

func TestTraceAndHashAreStable(t *testing.T) {
	w1, lines := run(t, config(7, 3, bouncerOpts{}), time(2000))
	w2, again := run(t, config(7, 3, bouncerOpts{}), time(2000))
	require.Equal(t, lines, again)
	assert.Equal(t, w1.Hash(), w2.Hash())
	assert.Equal(t, w1.Hash(), untraced(t, config(7, 3, bouncerOpts{}), time(2000)).Hash(), "rendering lines changes nothing")
	assert.Equal(t, "1 0.000s n1 start [send 1, timer tick]", lines[0])
	assert.Regexp(t, `^4 0\.0\d\d\d*s n2 recv n1 Ball\{n=1 hops=1\} \[send 1\]$`, lines[3])
	assert.NotEmpty(t, grep(lines, "n3 timer tick [persist 1, timer tick]"))

	w3, _ := run(t, config(8, 3, bouncerOpts{}), time(2000))
	assert.NotEqual(t, w1.Hash(), w3.Hash(), "another seed, another run")
}

func TestDeepCopyModeKeepsTheHash(t *testing.T) {
	plain := config(3, 4, bouncerOpts{})
	deep := config(3, 4, bouncerOpts{})
	deep.DeepCopy = true
	w1, _ := run(t, plain, time(3000))
	w2, _ := run(t, deep, time(3000))
	assert.Equal(t, w1.Hash(), w2.Hash())
	assert.Greater(t, w1.Events(), uint64(100))
}

// A node that mutates a message after sending it reaches into the receiver's
// input. Deep-copy mode cuts that sharing, and the trace shows the difference.
func TestDeepCopyModeExposesSharedMessages(t *testing.T) {
	recv := func(deep bool) []string {
		cfg := config(3, 3, bouncerOpts{mutate: true})
		cfg.Link.Latency = net.UniformLatency(50*ms, 150*ms) // slow enough for ticks to catch balls in flight
		cfg.DeepCopy = deep
		var seen []string
		cfg.Monitors = []protocols.Monitor{protocols.MonitorFunc(func(c protocols.Cluster, ev protocols.Event) error {
			return nil
		})}
		w, err := New(cfg)
		require.NoError(t, err)
		w.Observe(func(w *World, ev *Info) {
			for _, f := range w.InFlight() {
				seen = append(seen, string(f.Msg.(ball).Path[0]))
			}
		})
		w.RunUntil(clock.Time(time(1000)))
		return seen
	}
	assert.Contains(t, recv(false), "zz", "without copies the sender's mutation reaches messages in flight")
	assert.NotContains(t, recv(true), "zz")
}

func TestCrashLosesUnsyncedRecordsAndRestartRecovers(t *testing.T) {
	cfg := config(1, 2, bouncerOpts{lazy: true}, "350ms crash n2", "400ms restart n2")
	// n1 syncs as usual; n2 writes lazily, so its three ticks die with it.
	cfg.Server = func(c protocols.Config) protocols.Node {
		return newBouncer(bouncerOpts{lazy: c.ID == "n2"})(c)
	}
	w, err := New(cfg)
	require.NoError(t, err)
	w.RunUntil(clock.Time(time(340)))
	recs, synced := w.Store("n2")
	assert.Len(t, recs, 3)
	assert.Equal(t, 0, synced)
	w.RunUntil(clock.Time(time(360)))
	assert.Nil(t, w.Node("n2"), "down after the crash")
	recs, _ = w.Store("n2")
	assert.Empty(t, recs, "unsynced records are lost")
	w.RunUntil(clock.Time(time(400)))
	require.NotNil(t, w.Node("n2"))
	assert.Equal(t, 0, w.Node("n2").Status().Commit)

	// Synced records survive: crash n1 (which syncs) and restart it.
	cfg2 := config(1, 2, bouncerOpts{}, "350ms crash n1", "360ms restart n1")
	w2, lines := run(t, cfg2, time(370))
	assert.Equal(t, 3, w2.Node("n1").Status().Commit, "rebuilt from its three synced tick records")
	assert.NotEmpty(t, grep(lines, "0.360s n1 restart records=3"))
	assert.NotEmpty(t, grep(lines, "fault crash n1"))
}

// A step that replaces the store leaves only its own records, synced, even
// when earlier ones were not; a restart recovers from them alone.
func TestReplaceStoreKeepsOnlyTheNewRecords(t *testing.T) {
	cfg := config(1, 2, bouncerOpts{lazy: true, replace: 4}, "550ms crash n1", "560ms restart n1")
	w, lines := run(t, cfg, time(450))
	recs, synced := w.Store("n1")
	assert.Equal(t, []protocols.Record{tickRecord{4}}, recs, "ticks 1-3 were replaced at tick 4")
	assert.Equal(t, 1, synced, "a replacement is synced even in a lazy step")
	assert.NotEmpty(t, grep(lines, "replacing the store"))
	w.RunUntil(clock.Time(time(570)))
	assert.Equal(t, 4, w.Node("n1").Status().Commit, "tick 5 was never synced; the replacement was")
}

func TestCrashDropsMessagesAndTimers(t *testing.T) {
	_, lines := run(t, config(1, 2, bouncerOpts{}, "0s crash n2"), time(500))
	assert.NotEmpty(t, grep(lines, "n2 drop n1 Ball{n=1 hops=1} (receiver down)"))
	assert.Empty(t, grep(lines, "n2 timer"), "a crashed node's timers never fire")
	assert.Len(t, grep(lines, "n1 timer tick"), 5)
}

func TestPauseQueuesInputs(t *testing.T) {
	w, lines := run(t, config(1, 2, bouncerOpts{}, "5ms pause n2", "450ms resume n2"), time(460))
	before := grep(lines, "0.4")
	assert.Empty(t, grep(lines[:len(lines)-len(before)], "n2 timer"), "nothing reaches n2 while paused")
	resumed := grep(lines, " 0.450s n2 ")
	require.Len(t, resumed, 2, "queued inputs run at resume time, in arrival order")
	assert.Contains(t, resumed[0], "n2 recv n1 Ball{")
	assert.Contains(t, resumed[1], "n2 timer tick", "an expired timer fires once, as a stalled process sees it")
	assert.Equal(t, 1, w.Node("n2").Status().Commit)
	assert.Equal(t, 4, w.Node("n1").Status().Commit)
}

func TestPanickingNodeIsReported(t *testing.T) {
	w, _ := run(t, config(1, 3, bouncerOpts{panicAt: 5}), time(2000))
	f := w.Failure()
	require.NotNil(t, f)
	assert.Equal(t, "panic", f.Kind)
	assert.Contains(t, f.Detail, "assignment to entry in nil map")
	assert.Contains(t, f.Detail, "(*bouncer).Step")
	assert.NotEmpty(t, f.Node)
	assert.Equal(t, w.Events(), f.Seq)
	assert.False(t, w.Step(), "a failed run does not go on")
}

func TestEventBudgetReportsLivelock(t *testing.T) {
	cfg := config(1, 4, bouncerOpts{allPeers: true})
	cfg.MaxEvents = 5000
	w, _ := run(t, cfg, time(60_000))
	f := w.Failure()
	require.NotNil(t, f)
	assert.Equal(t, "event-budget", f.Kind)
	assert.Equal(t, uint64(5000), f.Seq)
}

func TestMonitorViolationStopsTheRun(t *testing.T) {
	cfg := config(1, 3, bouncerOpts{})
	cfg.Monitors = []protocols.Monitor{protocols.MonitorFunc(func(c protocols.Cluster, ev protocols.Event) error {
		if n := c.Node("n2"); n != nil && n.Status().Commit >= 2 {
			return protocols.Violationf("too-many-ticks", "n2 ticked %d times", n.Status().Commit)
		}
		return nil
	})}
	w, lines := run(t, cfg, time(1000))
	f := w.Failure()
	require.NotNil(t, f)
	assert.Equal(t, "too-many-ticks", f.Kind)
	assert.Equal(t, "n2 ticked 2 times", f.Detail)
	assert.Equal(t, clock.Time(time(200)), f.Time)
	assert.Contains(t, lines[len(lines)-1], "n2 timer tick")
}

// eventChecker records the events it is shown, through Check or
// CheckEvent, and fails at seq.
type eventChecker struct {
	seq             uint64
	byValue, byAddr []protocols.Event
}

func (m *eventChecker) Check(c protocols.Cluster, ev protocols.Event) error {
	m.byValue = append(m.byValue, ev)
	return m.judge(ev)
}

func (m *eventChecker) CheckEvent(c protocols.Cluster, ev *protocols.Event) error {
	m.byAddr = append(m.byAddr, *ev)
	return m.judge(*ev)
}

func (m *eventChecker) judge(ev protocols.Event) error {
	if ev.Seq == m.seq {
		return protocols.Violationf("seen-enough", "event %d at %s", ev.Seq, ev.Node)
	}
	return nil
}

// A world whose only monitor is an EventChecker hands it each event by
// address, and a violation from CheckEvent fails the run as one from
// Check does; beside other monitors it is called through Check. Either
// way it is shown the same events.
func TestEventCheckerIsShownTheEventsCheckWouldBe(t *testing.T) {
	alone, beside := &eventChecker{seq: 40}, &eventChecker{seq: 40}
	cfg := config(1, 3, bouncerOpts{})
	cfg.Monitors = []protocols.Monitor{alone}
	w1, _ := run(t, cfg, time(1000))
	cfg.Monitors = []protocols.Monitor{beside, protocols.MonitorFunc(func(protocols.Cluster, protocols.Event) error { return nil })}
	w2, _ := run(t, cfg, time(1000))

	assert.Empty(t, alone.byValue)
	assert.Len(t, alone.byAddr, 40)
	assert.Empty(t, beside.byAddr)
	assert.Equal(t, alone.byAddr, beside.byValue)
	for _, w := range []*World{w1, w2} {
		f := w.Failure()
		require.NotNil(t, f)
		assert.Equal(t, "seen-enough", f.Kind)
		assert.Equal(t, uint64(40), f.Seq)
		assert.Equal(t, "event 40 at "+string(alone.byAddr[39].Node), f.Detail)
	}
	assert.NotNil(t, alone.byAddr[39].Self, "the node that stepped is handed over")
}

func TestPartitionAndHeal(t *testing.T) {
	w, lines := run(t, config(2, 3, bouncerOpts{noTick: true}, "0s isolate n1", "500ms heal"), time(1000))
	assert.NotEmpty(t, grep(lines, "drop n1 Ball{n=1 hops=1} (partitioned)"), "n1's serve dies at the cut")
	assert.Empty(t, w.Network().CutLinks())
	assert.Len(t, grep(lines, "fault "), 2)
}

func TestClogHoldsMessagesThenReleases(t *testing.T) {
	_, lines := run(t, config(2, 2, bouncerOpts{noTick: true}, "0s clog n1->n2 300ms"), time(400))
	first := grep(lines, "n2 recv n1")
	require.NotEmpty(t, first)
	assert.Contains(t, first[0], " 0.300s ", "delivered when the clog ends")
}

func TestTargetedDropAndDelay(t *testing.T) {
	_, lines := run(t, config(2, 2, bouncerOpts{noTick: true}, "0s drop next 1 Ball n1->n2"), time(100))
	assert.NotEmpty(t, grep(lines, "n2 drop n1 Ball{n=1 hops=1} (dropped by rule)"))

	_, lines = run(t, config(2, 2, bouncerOpts{noTick: true}, "0s delay next 1 * *->n2 200ms"), time(300))
	first := grep(lines, "n2 recv n1")
	require.NotEmpty(t, first)
	assert.Regexp(t, `^\d+ 0\.20\d+s `, first[0], "200ms added to the 1-10ms latency")
}

func TestLossOnTheWire(t *testing.T) {
	_, lines := run(t, config(5, 3, bouncerOpts{noTick: true}, "0s net loss 100%"), time(100))
	assert.NotEmpty(t, grep(lines, "(lost)"))
	assert.Empty(t, grep(lines, " recv "))
}

func TestClockDriftChangesTimerRate(t *testing.T) {
	w, lines := run(t, config(1, 2, bouncerOpts{}, "0s clock n2 drift +25%"), time(1000))
	assert.Len(t, grep(lines, "n1 timer tick"), 10)
	assert.Len(t, grep(lines, "n2 timer tick"), 12, "a clock running 25% fast ticks every 80ms")
	assert.Equal(t, int64(250_000), w.State("n2").DriftPPM)
	assert.Equal(t, 250*ms, w.State("n2").Offset)
}

func TestFaultOnDownNodeIsNotedNotFatal(t *testing.T) {
	w, lines := run(t, config(1, 2, bouncerOpts{}, "10ms restart n2"), time(100))
	assert.Nil(t, w.Failure())
	assert.NotEmpty(t, grep(lines, "fault restart n2 (n2 is already up)"))
}

func TestRunToEventRebuildsExactly(t *testing.T) {
	cfg := config(9, 3, bouncerOpts{}, "300ms crash n3", "600ms restart n3")
	full, lines := run(t, cfg, time(1000))
	require.Greater(t, full.Events(), uint64(40))
	for _, n := range []uint64{1, 17, 40} {
		var trace strings.Builder
		c := cfg
		c.Trace = &trace
		w, err := New(c)
		require.NoError(t, err)
		require.True(t, w.RunToEvent(n))
		got := strings.Split(strings.TrimSuffix(trace.String(), "\n"), "\n")
		assert.Equal(t, lines[:n], got)
		u, err := New(cfg)
		require.NoError(t, err)
		require.True(t, u.RunToEvent(n))
		assert.Equal(t, w.Hash(), u.Hash(), "untraced to event %d", n)
	}
}

func TestConfigValidate(t *testing.T) {
	base := config(1, 3, bouncerOpts{})
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no servers", func(c *Config) { c.Servers = nil }, "no servers"},
		{"duplicate", func(c *Config) { c.Servers = []protocols.NodeID{"n1", "n1"} }, "n1 listed twice"},
		{"too many", func(c *Config) { c.Servers = protocols.Servers(MaxNodes + 1) }, "at most"},
		{"bad latency", func(c *Config) { c.Link.Latency = net.UniformLatency(5*ms, 1*ms) }, "max below min"},
		{"unknown node in fault", func(c *Config) { c.Faults = config(1, 3, bouncerOpts{}, "1s crash n9").Faults }, "unknown node n9"},
		{"isolate a client", func(c *Config) {
			c.Clients, c.Client = []protocols.NodeID{"c1"}, c.Server
			c.Faults = config(1, 3, bouncerOpts{}, "1s isolate c1").Faults
		}, "c1 is a client"},
		{"overlapping groups", func(c *Config) { c.Faults = config(1, 3, bouncerOpts{}, "1s partition n1 n2 | n2 n3").Faults }, "n2 appears twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := base
			c.edit(&cfg)
			_, err := New(cfg)
			assert.ErrorContains(t, err, c.want)
		})
	}
}

func TestInFlightAndDropInFlight(t *testing.T) {
	w, err := New(config(1, 2, bouncerOpts{noTick: true}))
	require.NoError(t, err)
	require.True(t, w.Step()) // n1 starts and serves
	fl := w.InFlight()
	require.Len(t, fl, 1)
	assert.Equal(t, protocols.NodeID("n1"), fl[0].From)
	assert.Equal(t, "Ball{n=1 hops=1}", fl[0].Msg.String())
	assert.True(t, w.DropInFlight(fl[0].ID))
	assert.False(t, w.DropInFlight(12345))
	w.RunUntil(clock.Time(time(100)))
	assert.Equal(t, "0", w.Node("n2").Status().Fields[0].Value, "the doomed ball never arrived")
}

func TestApplyInjectsAFaultNow(t *testing.T) {
	w, err := New(config(1, 3, bouncerOpts{}))
	require.NoError(t, err)
	w.RunUntil(clock.Time(time(150)))
	require.NoError(t, w.Apply(Fault{Kind: Crash, Nodes: []protocols.NodeID{"n2"}}))
	w.Step()
	assert.Nil(t, w.Node("n2"))
	assert.Error(t, w.Apply(Fault{Kind: Crash, Nodes: []protocols.NodeID{"n7"}}))
}

func time(n int) clock.Duration { return clock.Duration(n) * ms }

func TestRecoverTurnsEveryFaultOff(t *testing.T) {
	w, lines := run(t, config(4, 3, bouncerOpts{},
		"0s net loss 50%", "10ms isolate n2", "20ms crash n3", "30ms pause n1", "40ms clock n1 drift +20%",
		"50ms drop next 5 * *->*", "100ms recover"), time(1000))
	assert.Empty(t, w.Network().CutLinks())
	assert.Empty(t, w.Network().Rules())
	assert.Zero(t, w.Network().Config(net.Link{From: "n1", To: "n2"}).Loss)
	for _, id := range protocols.Servers(3) {
		st := w.State(id)
		assert.True(t, st.Up && !st.Paused, "%s is up and running", id)
		assert.Zero(t, st.DriftPPM)
	}
	assert.NotEmpty(t, grep(lines, "0.100s n3 restart records="))
	st := w.Stats()
	assert.Equal(t, st.Sent, st.Delivered+st.Dropped+uint64(len(w.InFlight())), "every copy is accounted for")
	assert.Greater(t, st.Dropped, uint64(0))
}

// A message dropped by hand is saved as a fault that names it; replayed from
// the start of a run, the fault drops exactly that message.
func TestDropInFlightNamesOneMessage(t *testing.T) {
	cfg := config(6, 3, bouncerOpts{noTick: true})
	w, err := New(cfg)
	require.NoError(t, err)
	require.True(t, w.RunToEvent(5))
	fl := w.InFlight()
	require.NotEmpty(t, fl)
	target := fl[0]
	f := target.DropFault()
	f.At = w.Now() + 1

	replayCfg := cfg
	replayCfg.Faults = []Fault{f}
	_, lines := run(t, replayCfg, time(500))
	drops := grep(lines, "(dropped by rule)")
	require.Len(t, drops, 1)
	assert.Contains(t, drops[0], string(target.To)+" drop "+string(target.From)+" "+target.Msg.String())
	assert.Contains(t, drops[0], " "+target.Due.String()+" ", "dropped when it was due")

	// A fault naming a message that is not on the wire says so and does nothing.
	f.Sent++
	replayCfg.Faults = []Fault{f}
	_, lines = run(t, replayCfg, time(500))
	assert.Empty(t, grep(lines, "(dropped by rule)"))
	assert.NotEmpty(t, grep(lines, "(no such message in flight)"))
}

// roleNode reports a role, and that it leads when the role is "leader":
// the selector goes by Status.Leader, never by the role's spelling.
type roleNode struct {
	protocols.Node
	role string
	term uint64
}

func (r roleNode) Status() protocols.Status {
	return protocols.Status{Role: r.role, Leader: r.role == "leader", Term: r.term}
}

func TestSelectors(t *testing.T) {
	cfg := config(1, 3, bouncerOpts{noTick: true}, "100ms crash leader", "200ms crash all", "300ms restart all", "400ms pause all", "500ms resume all", "600ms isolate leader")
	inner := cfg.Server
	cfg.Server = func(c protocols.Config) protocols.Node {
		switch c.ID {
		case "n2":
			return roleNode{inner(c), "leader", 3}
		case "n3":
			return roleNode{inner(c), "leader", 2} // a deposed leader that has not heard yet
		}
		return roleNode{inner(c), "follower", 3}
	}
	w, lines := run(t, cfg, time(700))
	assert.NotEmpty(t, grep(lines, "0.100s fault crash leader (the leader is n2)"), "the highest term wins")
	assert.NotEmpty(t, grep(lines, "0.300s n2 restart"))
	assert.NotEmpty(t, grep(lines, "0.600s fault isolate leader (the leader is n2)"))
	assert.Len(t, w.Network().CutLinks(), 4)
	assert.False(t, w.State("n1").Paused)

	_, lines = run(t, config(1, 3, bouncerOpts{noTick: true}, "100ms crash leader"), time(200))
	assert.NotEmpty(t, grep(lines, "fault crash leader (there is no leader: nothing to do)"))
}

// Role selectors inside partitions and isolations resolve when the fault
// applies, and the trace says to what; restart random-crashed draws one
// down node.
func TestRoleSelectorsInPartitions(t *testing.T) {
	cfg := config(1, 5, bouncerOpts{noTick: true}, "100ms partition leader | rest", "200ms heal",
		"300ms isolate leader follower", "400ms heal", "500ms crash n4 n5", "600ms restart random-crashed")
	inner := cfg.Server
	cfg.Server = func(c protocols.Config) protocols.Node {
		if c.ID == "n3" {
			return roleNode{inner(c), "leader", 1}
		}
		return roleNode{inner(c), "follower", 1}
	}
	w, lines := run(t, cfg, time(550))
	require.NotEmpty(t, grep(lines, "0.100s fault partition leader | rest (leader is n3, rest is n1 n2 n4 n5)"), "%v", lines)
	require.NotEmpty(t, grep(lines, "0.300s fault isolate leader follower (leader is n3, follower is n1)"))
	_ = w
	cut := func(at int) []net.Link {
		w, _ := run(t, cfg, time(at))
		return w.Network().CutLinks()
	}
	assert.Len(t, cut(150), 8, "n3 cut from the four others, both ways")
	assert.Len(t, cut(350), 14, "n3 and n1 each cut from every other server")
	_, lines = run(t, cfg, time(700))
	assert.NotEmpty(t, grep(lines, "0.600s fault restart random-crashed (random-crashed is n"))
}

// A standing rule acts on K of every M matching messages until a recover;
// a heal leaves it standing.
func TestStandingRules(t *testing.T) {
	f, err := ParseFault("delay every 2 of 3 Ping n1->* by 200ms..2s")
	require.NoError(t, err)
	assert.Equal(t, "delay every 2 of 3 Ping n1->* by 200ms..2s", f.String())
	f, err = ParseFault("drop every 1 of 2 *")
	require.NoError(t, err)
	assert.Equal(t, "drop every 1 of 2 * *->*", f.String())
	for in, want := range map[string]string{
		"drop every 3 of 2 Ping":            "1 <= K <= M",
		"delay every 1 of 2 Ping":           "by D",
		"delay every 1 of 2 Ping by 2s..1s": "min <= max",
		"drop every 1 Ping":                 "want",
	} {
		_, err := ParseFault(in)
		assert.ErrorContains(t, err, want, in)
	}
}

func TestSelectorValidation(t *testing.T) {
	for fault, want := range map[string]string{
		"1s crash leader n2":           "leader stands alone",
		"1s restart leader":            "the leader is up",
		"1s partition all | n1":        "not in partitions",
		"1s partition leader | leader": "named twice",
		"1s crash follower":            "cannot be used with crash",
		"1s restart random-crashed n1": "stands alone",
		"1s oneway leader -> n1":       "oneway takes nodes by name",
		"1s crash all n1":              "all stands alone",
	} {
		_, err := New(config(1, 3, bouncerOpts{}, fault))
		assert.ErrorContains(t, err, want, fault)
	}
}

func TestHoldReleaseDelivers(t *testing.T) {
	w, lines := run(t, config(2, 2, bouncerOpts{noTick: true}, "0s hold n1->n2", "400ms release n1->n2"), time(500))
	first := grep(lines, "n2 recv n1")
	require.NotEmpty(t, first, "held messages are delivered once released")
	assert.Contains(t, first[0], " 0.400s ")
	st := w.Stats()
	assert.Equal(t, st.Sent, st.Delivered+st.Dropped+uint64(len(w.InFlight())))
}

func TestHeldMessagesShowAsInFlight(t *testing.T) {
	w, err := New(config(2, 2, bouncerOpts{noTick: true}, "0s hold n1->n2"))
	require.NoError(t, err)
	w.RunUntil(clock.Time(time(100)))
	fl := w.InFlight()
	require.Len(t, fl, 1)
	assert.True(t, fl[0].Held)
	assert.Equal(t, clock.Never, fl[0].Due)
	require.True(t, w.DropInFlight(fl[0].ID))
	require.NoError(t, w.Apply(Fault{Kind: Release, Link: net.Link{From: "n1", To: "n2"}}))
	w.RunUntil(clock.Time(time(200)))
	assert.Equal(t, "0", w.Node("n2").Status().Fields[0].Value, "the doomed held message was dropped, not delivered")
}

func TestHealAndRecoverEndClogsEarly(t *testing.T) {
	for _, end := range []string{"heal", "recover"} {
		_, lines := run(t, config(2, 2, bouncerOpts{noTick: true}, "0s clog n1->n2 2s", "500ms "+end), time(3000))
		first := grep(lines, "n2 recv n1")
		require.NotEmpty(t, first, end)
		assert.Contains(t, first[0], " 0.500s ", "%s releases the clog at once", end)
	}
}

func TestSameInstantRestartThenCrashLeavesTheNodeDown(t *testing.T) {
	w, lines := run(t, config(1, 3, bouncerOpts{}, "1s crash n1", "2s restart n1", "2s crash n1"), time(2500))
	assert.Nil(t, w.Node("n1"), "the later fault in the list wins")
	assert.NotEmpty(t, grep(lines, "2.000s fault crash n1 (n1's pending start is cancelled)"))
	assert.Empty(t, grep(lines, "n1 restart"))
}

func TestCrashAllTakesPausedNodesToo(t *testing.T) {
	w, lines := run(t, config(1, 3, bouncerOpts{}, "1s pause n1", "2s crash all"), time(2500))
	for _, id := range protocols.Servers(3) {
		assert.Nil(t, w.Node(id), id)
	}
	assert.NotEmpty(t, grep(lines, "fault crash all (all is n1 n2 n3)"))
}

// ticker sends n2 a numbered ball every 10ms; n2 records what it receives.
type ticker struct {
	id   protocols.NodeID
	n    int
	seen []int
}

func (k *ticker) Step(in protocols.Input, out *protocols.Effects) {
	switch {
	case k.id == "n1" && in.Kind != protocols.Receive:
		out.Send("n2", ball{N: k.n})
		k.n++
		out.SetTimer("tick", 10*ms)
	case in.Kind == protocols.Receive:
		k.seen = append(k.seen, in.Msg.(ball).N)
	}
}

func (k *ticker) Status() protocols.Status { return protocols.Status{} }

func TestResumeRunsHeldInputsInArrivalOrder(t *testing.T) {
	cfg := config(1, 2, bouncerOpts{}, "2ms pause n2", "55ms resume n2")
	cfg.Link.Latency = net.FixedLatency(5 * ms)
	cfg.Server = func(c protocols.Config) protocols.Node { return &ticker{id: c.ID} }
	w, _ := run(t, cfg, time(100))
	// Balls 0-4 arrived while n2 was paused; ball 5 arrives at the very
	// instant of the resume and must wait its turn behind them.
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, w.Node("n2").(*ticker).seen)
}

func TestFaultsThatCannotActSaySo(t *testing.T) {
	_, lines := run(t, config(1, 3, bouncerOpts{}, "1s resume n1", "1s crash n2", "1s pause n2", "2s restart n3"), time(2100))
	assert.NotEmpty(t, grep(lines, "fault resume n1 (n1 is not paused)"))
	assert.NotEmpty(t, grep(lines, "fault pause n2 (n2 is down)"))
	assert.NotEmpty(t, grep(lines, "fault restart n3 (n3 is already up)"))
}

func TestShapeValidation(t *testing.T) {
	_, err := New(config(1, 3, bouncerOpts{}, "1s partition ring"))
	assert.ErrorContains(t, err, "partition ring needs at least 4 servers")
	_, err = New(config(1, 1, bouncerOpts{}, "1s partition halves"))
	assert.ErrorContains(t, err, "needs at least 2 servers")
	_, err = New(config(1, 3, bouncerOpts{}, "1s resume leader"))
	assert.ErrorContains(t, err, "resume it by name")
}

func TestObserversSeeWhomASelectorHit(t *testing.T) {
	cfg := config(1, 3, bouncerOpts{}, "100ms crash all")
	w, err := New(cfg)
	require.NoError(t, err)
	var acted []protocols.NodeID
	w.Observe(func(_ *World, ev *Info) {
		if ev.Fault != nil {
			acted = slices.Clone(ev.Acted)
		}
	})
	w.RunUntil(clock.Time(time(200)))
	assert.Equal(t, protocols.Servers(3), acted)
}

func TestIncDecimal(t *testing.T) {
	d := []byte("0")
	for n := 1; n <= 100000; n++ {
		d = incDecimal(d)
		if got, want := string(d), strconv.Itoa(n); got != want {
			t.Fatalf("after %d increments: %q, want %q", n, got, want)
		}
	}
}

func TestStepsBeforeIsThatManySteps(t *testing.T) {
	for name, cfg := range map[string]Config{
		"crash and restart": config(9, 3, bouncerOpts{}, "300ms crash n3", "600ms restart n3"),
		"a panic mid-batch": config(1, 3, bouncerOpts{panicAt: 5}),
	} {
		t.Run(name, func(t *testing.T) {
			one, err := New(cfg)
			require.NoError(t, err)
			var counts []uint64
			for one.StepBefore(clock.Time(time(1000))) {
				counts = append(counts, one.Events())
			}
			batched, err := New(cfg)
			require.NoError(t, err)
			done := 0
			for {
				n := batched.StepsBefore(clock.Time(time(1000)), 7)
				require.LessOrEqual(t, n, 7)
				done += n
				if n < 7 {
					break
				}
				assert.Equal(t, counts[done-1], batched.Events(), "a full batch is seven events")
			}
			assert.Equal(t, one.Events(), batched.Events())
			assert.Equal(t, one.Hash(), batched.Hash())
			assert.Equal(t, one.Now(), batched.Now())
			assert.Equal(t, one.Failure(), batched.Failure())
			assert.Zero(t, batched.StepsBefore(clock.Time(time(1000)), 7), "nothing more before the limit, or a failed run")
			if f := one.Failure(); f != nil {
				require.NotZero(t, f.Seq%7, "the panic falls inside a batch")
				require.Greater(t, f.Seq, uint64(7))
				assert.Zero(t, batched.StepsBefore(clock.Never, 7), "a failed run does not go on")
			}
		})
	}
}

func TestLookupFindsNamesWhereverTheyLie(t *testing.T) {
	w, err := New(config(1, 5, bouncerOpts{}))
	require.NoError(t, err)
	ids := w.Servers()
	rapid.Check(t, func(t *rapid.T) {
		for range rapid.IntRange(1, 50).Draw(t, "lookups") {
			i := rapid.IntRange(0, len(ids)).Draw(t, "node") // len(ids): a stranger
			id := protocols.NodeID("n9")
			if i < len(ids) {
				id = ids[i]
			} else {
				i = -1
			}
			if rapid.Bool().Draw(t, "copied") { // the same text elsewhere in memory
				id = protocols.NodeID(strings.Clone(string(id)))
			}
			if got := w.lookup(id); got != i {
				t.Fatalf("lookup(%q) = %d, want %d", id, got, i)
			}
		}
	})
}
