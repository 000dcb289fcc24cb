package dsimtest

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// count is a message whose String shows its sender and number; with lazy
// set, its AppendHash forgets the sender.
type count struct {
	From protocols.NodeID
	N    int
	lazy bool
}

func (count) Kind() string     { return "Count" }
func (m count) String() string { return "Count{" + string(m.From) + " " + strconv.Itoa(m.N) + "}" }
func (m count) AppendHash(h *protocols.Hash) {
	if !m.lazy {
		h.String(string(m.From))
	}
	h.Int(m.N)
}

// counter sends every peer its next number every 10ms.
type counter struct {
	cfg  protocols.Config
	n    int
	lazy bool
}

func (c *counter) Step(in protocols.Input, out *protocols.Effects) {
	if in.Kind == protocols.Receive {
		return
	}
	c.n++
	out.Broadcast(c.cfg.Peers, count{From: c.cfg.ID, N: c.n, lazy: c.lazy})
	out.SetTimer("tick", 10*clock.Millisecond)
}

func (c *counter) Status() protocols.Status { return protocols.Status{Role: "counter"} }

// watched runs three servers made by server for 100ms of simulated time
// under the checklist's watch, and returns what it saw.
func watched(t *testing.T, server protocols.Factory) *seen {
	t.Helper()
	w, err := sim.New(sim.Config{
		Seed:    1,
		Servers: protocols.Servers(3),
		Server:  server,
		Link:    net.LinkConfig{Latency: net.FixedLatency(clock.Millisecond)},
	})
	require.NoError(t, err)
	s := newSeen()
	w.Observe(s.watch(1))
	w.RunFor(100 * clock.Millisecond)
	return s
}

// The checklist's watch catches an AppendHash that misses a field its
// String shows, from the messages of a run alone.
func TestChecklistCatchesAnAppendHashThatMissesAField(t *testing.T) {
	collisions := func(lazy bool) []string {
		return watched(t, func(cfg protocols.Config) protocols.Node { return &counter{cfg: cfg, lazy: lazy} }).collisions
	}
	assert.Empty(t, collisions(false))
	found := collisions(true)
	require.NotEmpty(t, found)
	assert.Contains(t, found[0], "Count{n1 1} and Count{n2 1}")
	assert.Contains(t, found[0], "hash alike")
}

// lyingRole reports one role through Role and another through Status.
type lyingRole struct {
	counter
	role string
}

func (n *lyingRole) Role() string { return n.role }

// The checklist asks a RoleReporter for its role, and holds Role to
// Status().Role: a node whose two answers differ is reported, one whose
// answers agree is not.
func TestChecklistHoldsRoleToStatus(t *testing.T) {
	wrong := func(role string) []string {
		s := watched(t, func(cfg protocols.Config) protocols.Node {
			return &lyingRole{counter: counter{cfg: cfg}, role: role}
		})
		assert.Contains(t, s.roles, role, "the role is the one Role names")
		return s.wrongRoles
	}
	assert.Empty(t, wrong("counter"))
	found := wrong("leader")
	require.NotEmpty(t, found)
	assert.Contains(t, found[0], `Role() is "leader" where Status().Role is "counter"`)
}

// lyingLeader's Leads and Status disagree as lie says.
type lyingLeader struct {
	counter
	lie string // "": never; "always": it leads in term 7; "term": term 7; "once": it leads at its 5th step only
}

func (n *lyingLeader) Leads() (bool, uint64) {
	switch {
	case n.lie == "always":
		return true, 7
	case n.lie == "term":
		return false, 7
	case n.lie == "once" && n.n == 5:
		return true, 3
	}
	return false, 3
}

func (n *lyingLeader) Status() protocols.Status {
	return protocols.Status{Role: "counter", Term: 3}
}

// The checklist holds a LeaderReporter's Leads to Status().Leader and
// Term: a node whose answers differ is reported, about leading or about
// the term alone, even when it says it leads only at one event that no
// other sampling would look at; one whose answers agree is not.
func TestChecklistHoldsLeadsToStatus(t *testing.T) {
	wrong := func(lie string) []string {
		return watched(t, func(cfg protocols.Config) protocols.Node {
			return &lyingLeader{counter: counter{cfg: cfg}, lie: lie}
		}).wrongLeads
	}
	assert.Empty(t, wrong(""))
	for lie, want := range map[string]string{
		"always": "Leads() is true in term 7 where Status() shows Leader false in term 3",
		"term":   "Leads() is false in term 7 where Status() shows Leader false in term 3",
		"once":   "Leads() is true in term 3 where Status() shows Leader false in term 3",
	} {
		found := wrong(lie)
		require.NotEmpty(t, found, lie)
		assert.Contains(t, found[0], want, lie)
	}
}
