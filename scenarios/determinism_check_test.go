package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
)

// flaky breaks rule 2 on purpose: it picks the peer to gossip to by ranging
// over a map, so Go's randomized map order leaks into its behaviour.
type flaky struct {
	cfg   protocols.Config
	peers map[protocols.NodeID]bool
	n     int
}

type flakyMsg struct{ N int }

func (flakyMsg) Kind() string     { return "Flaky" }
func (m flakyMsg) String() string { return fmt.Sprintf("Flaky{%d}", m.N) }

func (f *flaky) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start, protocols.Timer:
		for p := range f.peers { // the bug: map order decides the receiver
			out.Send(p, flakyMsg{f.n})
			break
		}
		f.n++
		out.SetTimer("tick", 10_000_000)
	}
}

func (f *flaky) Status() protocols.Status { return protocols.Status{Role: "flaky"} }

func init() {
	if err := Register(&protocols.Protocol{
		Name:       "test-flaky",
		Summary:    "a deliberately nondeterministic protocol, for testing the determinism check",
		MinServers: 2,
		Build: func(protocols.Setup) (protocols.Wiring, error) {
			return protocols.Wiring{Server: func(cfg protocols.Config) protocols.Node {
				f := &flaky{cfg: cfg, peers: map[protocols.NodeID]bool{}}
				for _, p := range cfg.Peers {
					f.peers[p] = true
				}
				return f
			}}, nil
		},
	}); err != nil {
		panic(err)
	}
}

func TestCheckDeterminismFlagsMapOrder(t *testing.T) {
	s, err := Parse("flaky.scn", strings.NewReader("protocol test-flaky\nnodes 6\nduration 1s\nhealing 0s\n"))
	require.NoError(t, err)
	res, err := RunScenario(s, RunOptions{Seed: 1})
	require.NoError(t, err)
	// The two reruns may agree by chance on a short prefix, never on 100
	// independent coin flips of map order: the check must name an event.
	d, err := CheckDeterminism(s, 1, SweepOptions{}, res.TraceHash)
	require.NoError(t, err)
	require.NotNil(t, d, "map-order nondeterminism must be flagged")
	assert.Greater(t, d.Event, uint64(0))
	assert.NotEqual(t, d.Lines[0], d.Lines[1])
	assert.Contains(t, d.String(), fmt.Sprintf("diverge at event %d", d.Event))

	// A deterministic protocol passes.
	b, err := Builtin("broadcast/lossy")
	require.NoError(t, err)
	ok, err := RunScenario(b, RunOptions{Seed: 3})
	require.NoError(t, err)
	d, err = CheckDeterminism(b, 3, SweepOptions{}, ok.TraceHash)
	require.NoError(t, err)
	assert.Nil(t, d)
}
