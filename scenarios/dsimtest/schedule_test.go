package dsimtest

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// Every drawn schedule is one the simulator accepts as it is: sorted, inside
// the chaos phase, naming only servers, each line parsing back to the same
// fault. Valid by construction, so rapid never has to throw a case away.
func TestScheduleIsValidByConstruction(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 7).Draw(t, "servers")
		horizon := clock.Duration(rapid.IntRange(1, 10_000).Draw(t, "horizon_ms")) * clock.Millisecond
		max := rapid.IntRange(1, 12).Draw(t, "max")
		servers := protocols.Servers(n)
		faults := Schedule(servers, horizon, FaultOptions{MaxEpisodes: max}).Draw(t, "faults")

		require.LessOrEqual(t, len(faults), 2*max, "an episode is at most two faults")
		require.True(t, slices.IsSortedFunc(faults, func(a, b sim.Fault) int { return int(a.At - b.At) }), "sorted by time")
		for _, f := range faults {
			require.GreaterOrEqual(t, f.At, clock.Time(0))
			require.Less(t, f.At, clock.Time(horizon), "%s at %s", f, f.At)
		}
		_, err := sim.New(sim.Config{Servers: servers, Server: newTally(false), Link: net.DefaultLink, Faults: faults})
		require.NoError(t, err, "the simulator accepts the schedule")

		back, err := ParseSchedule(formatSchedule(faults, "\t"))
		require.NoError(t, err)
		require.Equal(t, formatSchedule(faults, ""), formatSchedule(back, ""), "scenario-file lines round-trip")
		for i := range faults {
			require.Equal(t, faults[i].String(), back[i].String())
			require.Equal(t, faults[i].At, back[i].At)
		}
	})
}

// Classes restricts what is drawn; one server leaves out every class that
// acts on links between servers.
func TestScheduleClasses(t *testing.T) {
	kinds := func(servers int, classes ...string) map[sim.FaultKind]bool {
		seen := map[sim.FaultKind]bool{}
		gen := Schedule(protocols.Servers(servers), 3*clock.Second, FaultOptions{Classes: classes})
		for i := range 300 {
			for _, f := range gen.Example(i) {
				seen[f.Kind] = true
			}
		}
		return seen
	}
	assert.Equal(t, map[sim.FaultKind]bool{sim.Crash: true, sim.Restart: true}, kinds(3, "crash"))
	assert.Equal(t, map[sim.FaultKind]bool{sim.Pause: true, sim.Resume: true, sim.Isolate: true, sim.Partition: true, sim.OneWay: true, sim.Heal: true},
		kinds(4, "partition", "pause"))

	all := kinds(3)
	for _, k := range []sim.FaultKind{sim.Clog, sim.Hold, sim.NetSet, sim.DropNext, sim.Pause, sim.Resume, sim.ClockJump, sim.ClockDrift,
		sim.Isolate, sim.Partition, sim.OneWay, sim.Heal, sim.Crash, sim.Restart} {
		assert.True(t, all[k], "kind %d is drawn", k)
	}
	assert.False(t, all[sim.Recover], "the healing phase's recover is Run's to add")

	alone := kinds(1)
	for _, k := range []sim.FaultKind{sim.Clog, sim.Hold, sim.DropNext, sim.Isolate, sim.Partition, sim.OneWay} {
		assert.False(t, alone[k], "kind %d needs two servers", k)
	}
	assert.True(t, alone[sim.Crash])

	assert.PanicsWithValue(t, `dsimtest.Schedule: unknown fault class "latency" (want clog, dup, drop, loss, pause, clock, partition, crash, admin, byzantine)`,
		func() { Schedule(protocols.Servers(3), clock.Second, FaultOptions{Classes: []string{"latency"}}) })
	assert.Panics(t, func() { Schedule(protocols.Servers(1), clock.Second, FaultOptions{Classes: []string{"clog"}}) })
	assert.Panics(t, func() { Schedule(nil, clock.Second, FaultOptions{}) })
	assert.Panics(t, func() { Schedule(protocols.Servers(3), 0, FaultOptions{}) })
}

// The shapes that shrinking aims for: the zero draw of every choice is the
// simplest fault of its class, on n1 (and n2 for a link), lasting until the
// healing phase.
func TestScheduleSimplestEpisodes(t *testing.T) {
	want := map[string]string{
		"clog":      "at 0s hold n1->n2\n",
		"dup":       "at 0s net dup 1%\n",
		"drop":      "at 0s drop next 1 * n1->n2\n",
		"loss":      "at 0s net loss 1%\n",
		"pause":     "at 0s pause n1\n",
		"clock":     "at 0s clock n1 jump +1ms\n",
		"partition": "at 0s isolate n1\n",
		"crash":     "at 0s crash n1\n",
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		line := want[name]
		gen := Schedule(protocols.Servers(3), clock.Second, FaultOptions{Classes: []string{name}})
		// Any fault at all "fails": rapid shrinks to the simplest schedule
		// it can, which is the simplest single episode.
		var last []sim.Fault
		t.Run(name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			rec := &recorder{name: t.Name()}
			rapid.Check(rec, func(rt *rapid.T) {
				last = gen.Draw(rt, "faults")
				if len(last) > 0 {
					rt.Fatalf("a fault")
				}
			})
			require.True(t, rec.failed, "rapid finds a non-empty schedule")
			assert.Equal(t, line, formatSchedule(last, ""))
		})
	}
}

// The byzantine and admin classes appear only when the options allow them,
// and a schedule never makes more servers byzantine than allowed.
func TestScheduleByzantineAndAdmin(t *testing.T) {
	o := FaultOptions{
		Byzantine: []string{"silent", "replay"}, MaxByzantine: 1,
		Admin:       func(r *rand.Rand, servers []protocols.NodeID) []string { return []string{"add-learner", "n9"} },
		MaxEpisodes: 12,
	}
	sawByz, sawAdmin := false, false
	rapid.Check(t, func(t *rapid.T) {
		faults := Schedule(protocols.Servers(4), 5*clock.Second, o).Draw(t, "faults")
		byz := map[protocols.NodeID]bool{}
		for _, f := range faults {
			switch f.Kind {
			case sim.Byzantine:
				sawByz = true
				byz[f.Nodes[0]] = true
				if f.Words[0] != "silent" && f.Words[0] != "replay" {
					t.Fatalf("strategy %v", f.Words)
				}
			case sim.Admin:
				sawAdmin = true
				if f.Nodes[0] != sim.Leader || f.Words[0] != "add-learner" {
					t.Fatalf("admin %v", f)
				}
			}
		}
		if len(byz) > 1 {
			t.Fatalf("%d servers byzantine, at most 1 allowed", len(byz))
		}
	})
	assert.True(t, sawByz && sawAdmin)
	plain := kindsOf(Schedule(protocols.Servers(4), 5*clock.Second, FaultOptions{MaxEpisodes: 12}))
	assert.False(t, plain[sim.Byzantine] || plain[sim.Admin], "not without options that allow them")
}

func kindsOf(g *rapid.Generator[[]sim.Fault]) map[sim.FaultKind]bool {
	kinds := map[sim.FaultKind]bool{}
	for i := range 200 {
		for _, f := range g.Example(i) {
			kinds[f.Kind] = true
		}
	}
	return kinds
}
