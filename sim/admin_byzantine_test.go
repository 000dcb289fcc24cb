package sim

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
)

func TestAdminDeliversACommand(t *testing.T) {
	cfg := config(1, 3, bouncerOpts{noTick: true},
		"100ms admin n2 add-server n6",
		"200ms crash n3", "300ms admin n3 snapshot",
		"400ms pause n1", "500ms admin n1 hello", "600ms resume n1",
		"700ms admin leader anything")
	_, lines := run(t, cfg, 800*ms)
	assert.Len(t, grep(lines, "n2 admin add-server n6"), 1, "the command is the node's next input, an event of its own")
	assert.Len(t, grep(lines, "(n3 is down: the command is lost)"), 1)
	held := grep(lines, "n1 admin hello")
	require.Len(t, held, 1)
	assert.Contains(t, held[0], " 0.600s ", "a paused node runs the command when it resumes")
	assert.Len(t, grep(lines, "(there is no leader: nothing to do)"), 1)
}

func TestAdminNotesReachObservers(t *testing.T) {
	w, err := New(config(1, 2, bouncerOpts{noTick: true}, "50ms admin n1 a b"))
	require.NoError(t, err)
	var got []protocols.Note
	w.Observe(func(_ *World, ev *Info) {
		if ev.Input == protocols.Admin {
			got = append(got, ev.Notes...)
		}
	})
	w.RunFor(100 * ms)
	assert.Equal(t, []protocols.Note{"admin a b"}, got)
}

// mute is a byzantine strategy for tests: the node sends nothing.
type mute struct{ protocols.Node }

func (m mute) Step(in protocols.Input, out *protocols.Effects) {
	m.Node.Step(in, out)
	out.Sends = out.Sends[:0]
}

func strategies(name string, args []string) (protocols.Wrapper, error) {
	if name != "mute" {
		return nil, errors.New("unknown byzantine strategy " + name)
	}
	return func(honest protocols.Node, _ protocols.Config) protocols.Node { return mute{honest} }, nil
}

func TestByzantineNodesStayByzantineAcrossRestarts(t *testing.T) {
	cfg := config(1, 3, bouncerOpts{allPeers: true}, "0s byzantine n2 mute", "300ms crash n2", "400ms restart n2")
	cfg.Strategy = strategies
	w, lines := run(t, cfg, 600*ms)
	assert.True(t, w.Byzantine("n2"))
	assert.False(t, w.Byzantine("n1"))
	assert.True(t, w.State("n2").Byzantine)
	mine := grep(lines, " n2 ")
	require.NotEmpty(t, mine)
	for _, l := range grep(mine, "(byzantine)") {
		assert.NotContains(t, l, "send", "a mute node sends nothing: %s", l)
	}
	assert.NotEmpty(t, grep(lines, "n2 restart"))
	assert.NotEmpty(t, grep(grep(lines, "n2 timer tick"), "(byzantine)"), "the restarted incarnation is byzantine too")
	assert.Empty(t, grep(grep(lines, "s n1 "), "(byzantine)"), "only n2's own steps are marked")
}

func TestByzantineFaultsAreChecked(t *testing.T) {
	cfg := config(1, 3, bouncerOpts{}, "0s byzantine n2 loud")
	cfg.Strategy = strategies
	_, err := New(cfg)
	assert.ErrorContains(t, err, "unknown byzantine strategy loud")

	cfg = config(1, 3, bouncerOpts{}, "0s byzantine n2 mute")
	_, err = New(cfg)
	assert.ErrorContains(t, err, "knows no strategies")

	for _, bad := range []string{"byzantine", "byzantine n2", "admin n1", "admin"} {
		_, err := ParseFault(bad)
		assert.Error(t, err, bad)
	}
	cfg = config(1, 3, bouncerOpts{}, "0s byzantine leader mute")
	cfg.Strategy = strategies
	_, err = New(cfg)
	assert.ErrorContains(t, err, "byzantine takes a node by name")
	cfg = config(1, 3, bouncerOpts{}, "0s admin all x")
	_, err = New(cfg)
	assert.ErrorContains(t, err, "admin goes to one node")
}

func TestAdminAndByzantineRoundTrip(t *testing.T) {
	for _, text := range []string{"admin leader add-server n6", "admin n2 snapshot", "byzantine n4 crash-like 5", "byzantine n1 silent"} {
		f, err := ParseFault(text)
		require.NoError(t, err, text)
		assert.Equal(t, text, f.String())
	}
}
