package byzantine

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
)

// chatty sends one "ping" to every peer on every input.
type chatty struct{ peers []protocols.NodeID }

type ping struct{ n int }

func (ping) Kind() string     { return "Ping" }
func (p ping) String() string { return "Ping" }

func (c *chatty) Step(in protocols.Input, out *protocols.Effects) {
	out.Broadcast(c.peers, ping{})
}
func (c *chatty) Status() protocols.Status { return protocols.Status{Role: "chatty"} }

func node(t *testing.T, name string, args ...string) protocols.Node {
	t.Helper()
	wrap, err := Lookup(nil, name, args)
	require.NoError(t, err)
	peers := protocols.Servers(4)[1:]
	return wrap(&chatty{peers: peers}, protocols.Config{ID: "n1", Peers: peers, Rand: rand.New(rand.NewPCG(1, 2))})
}

func sends(n protocols.Node, steps int) []int {
	var out []int
	var fx protocols.Effects
	for range steps {
		fx.Reset()
		n.Step(protocols.Input{Kind: protocols.Receive, From: "n2", Msg: ping{}}, &fx)
		out = append(out, len(fx.Sends))
	}
	return out
}

func TestGenericStrategies(t *testing.T) {
	assert.Equal(t, []int{0, 0, 0}, sends(node(t, "silent"), 3))
	assert.Equal(t, []int{3, 2, 0, 0}, sends(node(t, "crash-like", "5"), 4), "honest for 5 messages, then silent")
	assert.Equal(t, []int{1, 1}, sends(node(t, "selective", "n3"), 2))
	assert.Equal(t, []int{2, 2}, sends(node(t, "selective"), 2), "a random half of three peers")
	got := sends(node(t, "replay", "100%"), 3)
	assert.Equal(t, []int{4, 4, 4}, got, "every step replays one old message besides its three")
	assert.Equal(t, []int{3, 3}, sends(node(t, "replay", "0"), 2))
}

func TestWrapperKeepsTheHonestStatus(t *testing.T) {
	n := node(t, "silent")
	assert.Equal(t, "chatty", n.Status().Role)
	u, ok := n.(protocols.Unwrapper)
	require.True(t, ok)
	assert.IsType(t, &chatty{}, u.Unwrap())
}

func TestBadStrategies(t *testing.T) {
	own := []protocols.Strategy{{Name: "equivocate", New: func([]string) (protocols.Wrapper, error) { return nil, nil }}}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bogus", nil, `unknown byzantine strategy "bogus" (want equivocate, silent, crash-like, selective or replay)`},
		{"silent", []string{"x"}, "takes no arguments"},
		{"crash-like", []string{"0"}, "want a count from 1"},
		{"crash-like", []string{"1", "2"}, "at most one argument"},
		{"replay", []string{"150%"}, "from 0% to 100%"},
	} {
		_, err := Lookup(own, tc.name, tc.args)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	_, err := Lookup(own, "equivocate", nil)
	assert.NoError(t, err, "a protocol's own strategy is found first")
}
