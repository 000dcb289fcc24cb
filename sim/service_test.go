package sim

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// job is the load test protocol's request: a client asks n1 to do job N,
// and gives up waiting at Deadline (its local clock; 0: never).
type job struct {
	N        int
	Deadline clock.Time
}

func (job) Kind() string                   { return "Job" }
func (j job) String() string               { return "Job{" + strconv.Itoa(j.N) + "}" }
func (j job) Expires() clock.Time          { return j.Deadline }
func (j job) Rejection() protocols.Message { return done{N: j.N, Busy: true} }
func (d done) Kind() string                { return "Done" }
func (d done) String() string {
	return "Done{" + strconv.Itoa(d.N) + " busy=" + strconv.FormatBool(d.Busy) + "}"
}
func (w *worker) Status() protocols.Status    { return protocols.Status{Role: "worker"} }
func (c *jobClient) Status() protocols.Status { return protocols.Status{Role: "client"} }

type done struct {
	N    int
	Busy bool // rejected at a full queue
}

// worker answers every job; with work set, each job declares that much
// Effects.Work. It ticks every tick, if set, and notes each tick's time.
type worker struct {
	work, tick clock.Duration
	backlogs   []int
}

func (w *worker) Step(in protocols.Input, out *protocols.Effects) {
	w.backlogs = append(w.backlogs, in.Backlog)
	switch in.Kind {
	case protocols.Start:
		if w.tick > 0 {
			out.SetTimer("tick", w.tick)
		}
	case protocols.Timer:
		out.Note(in.Now)
		out.SetTimer("tick", w.tick)
	case protocols.Receive:
		if j, ok := in.Msg.(job); ok {
			out.Work = w.work
			out.Send(in.From, done{N: j.N})
		}
	}
}

// jobClient sends a job every gap, each with the given patience, and
// notes every answer.
type jobClient struct {
	gap, patience clock.Duration
	n             int
}

func (c *jobClient) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start, protocols.Timer:
		c.n++
		j := job{N: c.n}
		if c.patience > 0 {
			j.Deadline = in.Now.Add(c.patience)
		}
		out.Send("n1", j)
		out.SetTimer("next", c.gap)
	case protocols.Receive:
		out.Note(in.Msg)
	}
}

// loadWorld runs one worker and one client sending a job every gap for d,
// over fixed 1ms links, and returns the world, its trace and the answers
// the client got with their arrival times.
func loadWorld(t *testing.T, w *worker, c *jobClient, d clock.Duration, faults ...string) (*World, []string, []done, []clock.Time) {
	t.Helper()
	cfg := config(1, 1, bouncerOpts{}, faults...)
	cfg.Server = func(protocols.Config) protocols.Node { return w }
	cfg.Clients = []protocols.NodeID{"c1"}
	cfg.Client = func(protocols.Config) protocols.Node { return c }
	cfg.Link = net.LinkConfig{Latency: net.FixedLatency(ms)}
	var answers []done
	var at []clock.Time
	world, lines := func() (*World, []string) {
		ww, err := New(cfg)
		require.NoError(t, err)
		ww.Observe(func(_ *World, ev *Info) {
			for _, n := range ev.Notes {
				if a, ok := n.(done); ok {
					answers = append(answers, a)
					at = append(at, ev.Time)
				}
			}
		})
		var trace []string
		ww.RenderLines()
		ww.Observe(func(_ *World, ev *Info) { trace = append(trace, string(ev.Line)) })
		ww.RunUntil(clock.Time(d))
		return ww, trace
	}()
	return world, lines, answers, at
}

func TestServiceTimeQueuesWorkBehindABusyNode(t *testing.T) {
	// A job every 1ms, 3ms of service each: n1 answers one every 3ms, in
	// order, and the queue grows.
	w, lines, answers, at := loadWorld(t, &worker{}, &jobClient{gap: ms}, 30*ms, "0s service n1 3ms")
	require.GreaterOrEqual(t, len(answers), 8)
	for i, a := range answers {
		assert.Equal(t, i+1, a.N, "answers come in arrival order")
		if i > 0 {
			assert.Equal(t, 3*ms, at[i].Sub(at[i-1]), "one answer per service time")
		}
	}
	assert.Greater(t, w.Backlog("n1"), 5, "jobs arrive faster than they are done")
	assert.NotEmpty(t, grep(lines, "n1 recv c1 Job{2} [send 1] (busy 3ms)"))
	m, busy := w.Service("n1")
	assert.Equal(t, ServiceModel{Time: 3 * ms}, m)
	assert.Greater(t, busy, w.Now())
}

func TestWorkEffectMakesAStepTakeTime(t *testing.T) {
	// No service model, but each job declares 2ms of work: the same queue.
	srv := &worker{work: 2 * ms}
	_, _, answers, at := loadWorld(t, srv, &jobClient{gap: ms}, 20*ms)
	require.Greater(t, len(answers), 4)
	assert.Equal(t, 2*ms, at[3].Sub(at[2]))
	assert.Contains(t, srv.backlogs, 3, "a step sees how many inputs wait behind it")
}

func TestFullQueueShedsAndRejects(t *testing.T) {
	w, lines, answers, _ := loadWorld(t, &worker{}, &jobClient{gap: ms}, 40*ms, "0s service n1 4ms queue 3")
	assert.LessOrEqual(t, w.Backlog("n1"), 3)
	st := w.Stats()
	assert.Greater(t, st.Shed, uint64(10))
	assert.Equal(t, st.Shed, st.Dropped)
	assert.NotEmpty(t, grep(lines, "(shed)"))
	for _, a := range answers {
		assert.False(t, a.Busy, "a silent shed sends nothing")
	}

	w, lines, answers, _ = loadWorld(t, &worker{}, &jobClient{gap: ms}, 40*ms, "0s service n1 4ms queue 3 reject")
	assert.NotEmpty(t, grep(lines, "(shed) (rejected)"))
	busy := 0
	for _, a := range answers {
		if a.Busy {
			busy++
		}
	}
	assert.Greater(t, busy, 10, "every shed job is answered busy")
	assert.LessOrEqual(t, uint64(busy), w.Stats().Shed, "answers still in flight at the end aside")
}

func TestExpiredWorkIsDroppedUndone(t *testing.T) {
	// Jobs wait ever longer; those whose client gave up before n1 reached
	// them are dropped without costing n1 anything.
	w, lines, answers, _ := loadWorld(t, &worker{}, &jobClient{gap: ms, patience: 10 * ms}, 60*ms, "0s service n1 3ms")
	st := w.Stats()
	assert.Greater(t, st.Expired, uint64(5))
	assert.NotEmpty(t, grep(lines, "n1 drop c1 Job{"))
	assert.NotEmpty(t, grep(lines, "(expired)"))
	for i := 1; i < len(answers); i++ {
		assert.Less(t, answers[i-1].N, answers[i].N)
	}
	// Without a service model deadlines are not looked at.
	w, _, _, _ = loadWorld(t, &worker{work: 3 * ms}, &jobClient{gap: ms, patience: 10 * ms}, 60*ms)
	assert.Zero(t, w.Stats().Expired)
}

func TestTimersOfABusyNodeFireLate(t *testing.T) {
	// n1 ticks every 5ms, but jobs keep it busy: each tick waits its turn
	// behind the jobs that arrived before it came due.
	_, lines, _, _ := loadWorld(t, &worker{tick: 5 * ms}, &jobClient{gap: ms}, 40*ms, "0s service n1 2ms")
	ticks := grep(lines, "n1 timer tick")
	require.NotEmpty(t, ticks)
	// The start step costs 2ms, so the first tick is due at 7ms; by then
	// six jobs, taken one every 2ms from 2ms on, are ahead of it.
	assert.Contains(t, ticks[0], " 0.014s n1 timer tick")
	_, idle, _, _ := loadWorld(t, &worker{tick: 5 * ms}, &jobClient{gap: 100 * ms}, 40*ms, "0s service n1 2ms")
	assert.Contains(t, grep(idle, "n1 timer tick")[0], " 0.007s n1 timer tick", "an idle node's timer fires on time")
}

func TestCrashEndsTheWorkInHand(t *testing.T) {
	w, lines, _, _ := loadWorld(t, &worker{work: 50 * ms}, &jobClient{gap: 20 * ms}, 100*ms, "21ms crash n1", "22ms restart n1")
	// Restarted at 22ms, n1 is not still busy with the job it took at 1ms
	// (until 51ms): the job sent at 40ms is taken on arrival at 41ms.
	assert.NotEmpty(t, grep(lines, "0.041s n1 recv c1 Job{3}"))
	_, busy := w.Service("n1")
	assert.Equal(t, clock.Time(141*ms), busy, "Job{4} is taken at 91ms")
}

func TestServiceFaultForms(t *testing.T) {
	for _, s := range []string{
		"service n1 2ms",
		"service all 1ms queue 64",
		"service leader 20ms queue 8 reject",
		"service n2 off",
		"service n3 0s queue 10",
	} {
		f, err := ParseFault(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, f.String())
	}
	for in, want := range map[string]string{
		"service":                  "want \"service NODE",
		"service n1":               "want \"service NODE",
		"service n1 fast":          "duration",
		"service n1 11s":           "at most 10s",
		"service n1 2ms queue 0":   "want a bound",
		"service n1 2ms queue x":   "want a bound",
		"service n1 2ms reject":    "reject needs a queue bound",
		"service n1 2ms queue 4 x": "want \"service NODE",
		"service n1 off queue 4":   "want \"service NODE",
		"service n1|n2 2ms":        "not a node name",
	} {
		_, err := ParseFault(in)
		assert.ErrorContains(t, err, want, in)
	}
	cfg := config(1, 3, bouncerOpts{}, "0s service n9 2ms")
	assert.ErrorContains(t, cfg.Validate(), "unknown node n9")
	rapid.Check(t, func(t *rapid.T) {
		f := Fault{Kind: Service, Nodes: []protocols.NodeID{rapid.SampledFrom([]protocols.NodeID{"n1", "all", "leader"}).Draw(t, "node")}}
		f.Service.Time = clock.Duration(rapid.Int64Range(0, 10_000_000).Draw(t, "us")) * clock.Microsecond
		if rapid.Bool().Draw(t, "bounded") {
			f.Service.Queue = rapid.IntRange(1, MaxQueue).Draw(t, "queue")
			f.Service.Reject = rapid.Bool().Draw(t, "reject")
		}
		back, err := ParseFault(f.String())
		require.NoError(t, err, f.String())
		assert.Equal(t, f, back, f.String())
	})
}

func TestServiceAllMeansEveryServer(t *testing.T) {
	w, _ := run(t, config(1, 3, bouncerOpts{}, "0s service all 1ms queue 5"), time(300))
	for _, id := range []protocols.NodeID{"n1", "n2", "n3"} {
		m, _ := w.Service(id)
		assert.Equal(t, ServiceModel{Time: ms, Queue: 5}, m, id)
	}
}

func TestLoadIsDeterministic(t *testing.T) {
	cfg := func(deep bool) Config {
		c := config(5, 4, bouncerOpts{allPeers: true}, "0s service all 3ms queue 4", "200ms pause n2", "400ms resume n2", "500ms service n1 off")
		c.DeepCopy = deep
		return c
	}
	w1, lines := run(t, cfg(false), time(1000))
	w2, _ := run(t, cfg(true), time(1000))
	assert.Equal(t, w1.Hash(), w2.Hash())
	assert.NotEmpty(t, grep(lines, "(shed)"), "a message storm overflows the queues")
	assert.Greater(t, w1.Stats().Shed, uint64(0))
}
