package dsimtest_test

import (
	"fmt"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios/dsimtest"
)

// A tiny protocol: every server counts the ticks of a 100ms timer, persists
// its count so that a restart resumes it, and tells its peers. It has a bug.

// tick is the one message: "my count is now N". Messages are values.
type tick struct{ N int }

func (tick) Kind() string     { return "Tick" }
func (m tick) String() string { return fmt.Sprintf("Tick{%d}", m.N) }

// heard is a note for the monitor: a peer's count arrived.
type heard struct {
	From protocols.NodeID
	N    int
}

type counter struct {
	peers []protocols.NodeID
	count int
}

func newCounter(cfg protocols.Config) protocols.Node {
	c := &counter{peers: cfg.Peers}
	for _, r := range cfg.Store { // what was synced before a crash, oldest first
		c.count = r.(int)
	}
	return c
}

func (c *counter) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Receive:
		out.Note(heard{in.From, in.Msg.(tick).N})
		return
	case protocols.Timer:
		c.count++
		out.Persist(c.count)
		out.NoSync = true // the bug: written but never synced, so a crash loses it
		out.Broadcast(c.peers, tick{c.count})
	}
	out.SetTimer("tick", 100*clock.Millisecond) // on Start, and after each tick
}

func (c *counter) Status() protocols.Status {
	return protocols.Status{Role: "counter", Commit: c.count}
}

// monotonic is the safety property, judged after every event from the
// nodes' notes: no server hears a peer's count go down. A monitor keeps its
// own ghost state, outside the nodes, and serves one run.
type monotonic map[[2]protocols.NodeID]int

func (m monotonic) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		if h, ok := note.(heard); ok {
			last := m[[2]protocols.NodeID{ev.Node, h.From}]
			if h.N < last {
				return protocols.Violationf("monotonic", "heard %d from %s after %d", h.N, h.From, last)
			}
			m[[2]protocols.NodeID{ev.Node, h.From}] = h.N
		}
	}
	return nil
}

var counterWorld = dsimtest.World{
	Servers: 3,
	Server:  newCounter,
	Checks:  func() dsimtest.Checks { return dsimtest.Checks{Monitors: []protocols.Monitor{monotonic{}}} },
	Chaos:   2 * clock.Second,
	Healing: clock.Second,
}

// In a test file, two lines fuzz the counter: rapid.Check searches and then
// shrinks a failure to the one fault that matters; go test -fuzz runs the
// same property on the fuzzer's inputs.
//
//	func TestCounter(t *testing.T) { rapid.Check(t, dsimtest.Property(counterWorld)) }
//	func FuzzCounter(f *testing.F) { f.Fuzz(dsimtest.Fuzz(counterWorld)) }
//
// An Example has no *testing.T, so this one draws schedules the way Property
// does, runs them until one fails, and prints what the test would report.
func Example() {
	schedules := dsimtest.Schedule(protocols.Servers(3), counterWorld.Chaos, dsimtest.FaultOptions{MaxEpisodes: 2})
	for seed := range 100 {
		if r := dsimtest.Run(printT{}, counterWorld, uint64(seed), schedules.Example(seed)); r.Failed() {
			break
		}
	}
	// Output:
	// world FAILED with seed 51 after 77 events
	//   monotonic at event 77 (0.856s): n1: heard 1 from n3 after 7
	// schedule (seed 51; the recover at 2s that begins healing is implied):
	//   at 751ms crash n3
	//   at 754ms restart n3
	// trace: set DSIMTEST_TRACE=DIR to have the trace of a failing run written to DIR
	// replay: dsimtest.Run(t, world, 51, faults), with faults from dsimtest.ParseSchedule of the schedule lines
}

// printT stands in for the *testing.T an Example lacks: it prints what a
// test would report.
type printT struct{}

func (printT) Helper()                           {}
func (printT) Errorf(format string, args ...any) { fmt.Printf(format, args...) }
func (printT) Fatalf(format string, args ...any) { fmt.Printf(format, args...) }
