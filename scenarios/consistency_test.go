package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// island is a KV server that keeps its own copy and answers at once,
// replicating nothing: each client that asks another server sees another
// store, and the copies never converge.
type island struct{ sm *kv.Machine }

func (s *island) Step(in protocols.Input, out *protocols.Effects) {
	if r, ok := in.Msg.(kv.Request); ok {
		v, _ := s.sm.Apply(r)
		out.Send(in.From, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: v})
	}
}
func (s *island) Status() protocols.Status   { return protocols.Status{Role: "island"} }
func (s *island) KVState() map[string]string { return s.sm.State() }

var islands = &protocols.Protocol{
	Name: "test-islands", Summary: "servers that never talk", MinServers: 2, DefaultClients: 2, Consistency: "eventual",
	Build: func(s protocols.Setup) (protocols.Wiring, error) {
		return protocols.Wiring{
			Server: func(protocols.Config) protocols.Node { return &island{sm: kv.NewMachine()} },
			Client: kv.NewClient(kv.ReadClientOptions(s.Workload)),
			Checks: protocols.Checks{History: true},
		}, nil
	},
}

func islandScenario(t *testing.T, extra string) *Scenario {
	t.Helper()
	s, err := Parse("islands.scn", strings.NewReader("protocol test-islands\nnodes 3\nclients 2\nduration 1s\nhealing 1s\nworkload keys 1\nworkload target random\nworkload ops 20\n"+extra))
	require.NoError(t, err)
	return s
}

// A history is placed on the ladder, and a run fails when it falls below
// the promised model: here the protocol's own promise (eventual), which
// servers that never exchange writes do not keep.
func TestConsistencyLadderJudgesThePromise(t *testing.T) {
	res, err := RunScenario(islandScenario(t, ""), RunOptions{Seed: 1, Protocol: islands})
	require.NoError(t, err)
	require.NotNil(t, res.Consistency)
	assert.Equal(t, "eventual", res.Consistency.Promised)
	assert.Equal(t, "illegal", res.Linearizable, "reported, not judged: eventual is the promise")
	require.False(t, res.Pass)
	v := res.Violations[len(res.Violations)-1]
	assert.Equal(t, "consistency", v.Kind)
	assert.Contains(t, v.Detail, "the history is not eventual")
	models := map[string]bool{}
	for _, a := range res.Consistency.Missed {
		models[a.Model] = true
		switch {
		case a.Model == "eventual":
			assert.Equal(t, "divergence", a.Kind, "the copies never converge: %s", a.Detail)
		case a.Verdict == "illegal":
			assert.NotEmpty(t, a.Ops, "%s: the anomaly lists its operations", a.Model)
		}
	}
	assert.True(t, models["linearizable"] && models["eventual"], "%v", models)

	// A scenario may promise more than the protocol: then linearizability
	// is judged, by its own violation kind.
	res, err = RunScenario(islandScenario(t, "expect model linearizable\n"), RunOptions{Seed: 1, Protocol: islands})
	require.NoError(t, err)
	assert.Equal(t, "linearizability", res.Violations[0].Kind)
}

// A linearizable history holds every rung.
func TestLinearizableHistoryHoldsEveryRung(t *testing.T) {
	s, err := Builtin("raft/leader-crash")
	require.NoError(t, err)
	res, err := RunScenario(s, RunOptions{Seed: 1})
	require.NoError(t, err)
	require.NotNil(t, res.Consistency)
	assert.Equal(t, "linearizable", res.Consistency.Promised)
	assert.Equal(t, "linearizable", res.Consistency.Strongest)
	assert.Empty(t, res.Consistency.Missed)
}

func TestExpectModelLines(t *testing.T) {
	base := "protocol raft\nnodes 3\nduration 1s\n"
	for _, tc := range []struct{ line, want string }{
		{"expect model causal", ""},
		{"expect model bogus", `unknown`},
		{"expect model causal\nexpect model eventual", "expect model is set twice"},
		{"expect model causal\nexpect violation linearizability", ""},
		{"expect violation a\nexpect probe b", "one expect violation or probe per scenario"},
		{"expect stale", "want \"expect violation KIND\""},
	} {
		s, err := Parse("x.scn", strings.NewReader(base+tc.line+"\n"))
		if tc.want == "" {
			require.NoError(t, err, tc.line)
			back, err := Parse("x.scn", strings.NewReader(Format(s)))
			require.NoError(t, err)
			assert.Equal(t, s.Model, back.Model, "expect model round-trips")
			continue
		}
		assert.ErrorContains(t, err, tc.want, tc.line)
	}
}
