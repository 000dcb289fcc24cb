package tui

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/scenarios"
)

// A run that records a timeline shows its goodput, offered load and
// longest queue in the header; other runs do not.
func TestHeaderShowsTheLoad(t *testing.T) {
	s, err := scenarios.Load("raft/retry-storm")
	require.NoError(t, err)
	frames, err := Frames(Options{Scenario: s}, 140, 30, "g", "4", "s", "enter", "g", "9", "s", "enter")
	require.NoError(t, err)
	assert.Regexp(t, `goodput [1-9]\d+/s of \d+/s offered · queue \d`, frames[4], "healthy at 4s")
	assert.Regexp(t, `goodput 0/s of \d+/s offered · queue \d{3}`, frames[len(frames)-1], "collapsed at 9s")

	s, err = scenarios.Load("raft/election")
	require.NoError(t, err)
	frames, err = Frames(Options{Scenario: s}, 140, 30, "n")
	require.NoError(t, err)
	assert.NotContains(t, frames[1], "goodput")
}

// A message on its way to a full bounded queue is marked SHED in the
// in-flight list, as a message to a down node is marked DOWN.
func TestInFlightShowsShedding(t *testing.T) {
	s, err := scenarios.Parse("load.scn", strings.NewReader("protocol raft\nnodes 3\nclients 8\nduration 3s\nat 0s service all 20ms queue 2\n"))
	require.NoError(t, err)
	frames, err := Frames(Options{Scenario: s}, 140, 40, "g", "1", "s", "enter")
	require.NoError(t, err)
	assert.Regexp(t, `n\d→n2 +in [\d.]+ms +SHED +AppendEntriesReply\{`, frames[len(frames)-1])
	assert.Contains(t, shedText, "queue is full")
}
