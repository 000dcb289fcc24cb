package protocols_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// cluster is a cluster whose servers are up unless listed as down, led by
// whoever is listed in leaders (node -> term).
type cluster struct {
	now       clock.Time
	servers   []protocols.NodeID
	down      []protocols.NodeID
	byzantine []protocols.NodeID
	leaders   map[protocols.NodeID]uint64
	terms     map[protocols.NodeID]uint64
}

type node struct{ st protocols.Status }

func (node) Step(protocols.Input, *protocols.Effects) {}
func (n node) Status() protocols.Status               { return n.st }

func (c cluster) Now() clock.Time             { return c.now }
func (c cluster) Servers() []protocols.NodeID { return c.servers }
func (c cluster) Byzantine(id protocols.NodeID) bool {
	for _, b := range c.byzantine {
		if b == id {
			return true
		}
	}
	return false
}
func (c cluster) Node(id protocols.NodeID) protocols.Node {
	for _, d := range c.down {
		if d == id {
			return nil
		}
	}
	term, leads := c.leaders[id]
	if !leads {
		term = c.terms[id]
	}
	return node{protocols.Status{Leader: leads, Term: term}}
}

func applied(m protocols.Monitor, at clock.Time, id protocols.NodeID, index int) {
	m.Check(cluster{}, protocols.Event{Time: at, Node: id, Input: protocols.Receive, Notes: []protocols.Note{kv.Applied{Index: index}}})
}

func TestConvergenceCatchesALaggingServer(t *testing.T) {
	sec := clock.Time(clock.Second)
	checks := protocols.Convergence(clock.Second)
	m, check := checks.Monitors[0], checks.Final[0]
	applied(m, sec, "n1", 10)
	applied(m, sec, "n2", 10)
	applied(m, 2*sec, "n1", 20)
	cl := cluster{now: 5 * sec, servers: []protocols.NodeID{"n1", "n2"}}
	assert.ErrorContains(t, check(cl), "convergence: n2 has applied up to index 10 after the healing phase, but index 20 was applied by 4.000s")

	applied(m, 4500*clock.Time(clock.Millisecond), "n2", 20)
	assert.NoError(t, check(cl))

	// What was applied within the last lag may still be on its way.
	applied(m, 4900*clock.Time(clock.Millisecond), "n1", 30)
	assert.NoError(t, check(cl))

	// A server that is down is not judged; a byzantine one neither.
	assert.NoError(t, check(cluster{now: 5 * sec, servers: []protocols.NodeID{"n1", "n2", "n3"}, down: []protocols.NodeID{"n3"}}))
	assert.Error(t, check(cluster{now: 5 * sec, servers: []protocols.NodeID{"n1", "n2", "n3"}}), "n3 applied nothing")
	assert.NoError(t, check(cluster{now: 5 * sec, servers: []protocols.NodeID{"n1", "n2", "n3"}, byzantine: []protocols.NodeID{"n3"}}))

	// A restarted server starts over.
	m.Check(cl, protocols.Event{Time: 4950 * clock.Time(clock.Millisecond), Node: "n2", Input: protocols.Start})
	assert.Error(t, check(cl))
}

func TestHasLeader(t *testing.T) {
	ids := protocols.Servers(3)
	tests := []struct {
		name string
		c    cluster
		want string // "" for no violation
	}{
		{"a current leader", cluster{servers: ids, leaders: map[protocols.NodeID]uint64{"n2": 3}, terms: map[protocols.NodeID]uint64{"n1": 3, "n3": 3}}, ""},
		{"no leader", cluster{servers: ids, terms: map[protocols.NodeID]uint64{"n1": 4}}, "no leader after the healing phase (highest term 4)"},
		{"a stale leader", cluster{servers: ids, leaders: map[protocols.NodeID]uint64{"n2": 3}, terms: map[protocols.NodeID]uint64{"n1": 5}}, "n2 leads term 3, but a server is in term 5"},
		{"everyone down", cluster{servers: ids, down: ids}, "no server is up"},
		{"only a byzantine leader", cluster{servers: ids, leaders: map[protocols.NodeID]uint64{"n1": 2}, byzantine: []protocols.NodeID{"n1"}}, "no leader after the healing phase"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := protocols.HasLeader(tc.c)
			if tc.want == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.want)
			}
		})
	}
}

// reporter answers Leads; its Status, which LeadershipOf need not build
// for a LeaderReporter, panics.
type reporter struct {
	leads bool
	term  uint64
}

func (reporter) Step(protocols.Input, *protocols.Effects) {}
func (reporter) Status() protocols.Status                 { panic("Status built for a LeaderReporter") }
func (r reporter) Leads() (bool, uint64)                  { return r.leads, r.term }

func TestLeadershipOf(t *testing.T) {
	for _, c := range []struct {
		name  string
		n     protocols.Node
		leads bool
		term  uint64
	}{
		{"a leader, from its Status", node{protocols.Status{Leader: true, Term: 4}}, true, 4},
		{"a follower, from its Status", node{protocols.Status{Term: 2}}, false, 2},
		{"a leader, from Leads", reporter{true, 9}, true, 9},
		{"a follower, from Leads", reporter{false, 5}, false, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			leads, term := protocols.LeadershipOf(c.n)
			assert.Equal(t, c.leads, leads)
			assert.Equal(t, c.term, term)
		})
	}
}

func TestAllUp(t *testing.T) {
	ids := protocols.Servers(3)
	assert.NoError(t, protocols.AllUp(cluster{servers: ids}))
	assert.EqualError(t, protocols.AllUp(cluster{servers: ids, down: []protocols.NodeID{"n1", "n3"}}), "liveness: n1, n3 still down at the end of the healing phase")
}

// TestIndexOfStringIsIndex holds IndexOfString to slices.Index, with the
// looked-up name the list's own string, a copy of it, or a prefix lying
// where a longer name lies.
func TestIndexOfStringIsIndex(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := rapid.SliceOfDistinct(rapid.StringMatching(`[a-c]{0,3}`), func(s string) string { return s }).Draw(t, "names")
		probe := rapid.StringMatching(`[a-c]{0,3}`).Draw(t, "probe")
		switch rapid.IntRange(0, 2).Draw(t, "as") {
		case 0:
			if i := slices.Index(names, probe); i >= 0 {
				probe = names[i] // the list's own string
			}
		case 1:
			probe = string([]byte(probe)) // a copy elsewhere
		case 2:
			if len(names) > 0 && len(names[0]) > 0 {
				probe = names[0][:len(names[0])-1] // a prefix where a longer name lies
			}
		}
		if got, want := protocols.IndexOfString(names, probe), slices.Index(names, probe); got != want {
			t.Fatalf("IndexOfString(%q, %q) = %d, want %d", names, probe, got, want)
		}
	})
}
