package tui

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/scenarios"
)

// A run that records a timeline shows, on a header line of its own, its
// goodput, offered load, requests sent, longest queue, latency and goodput
// so far; other runs do not. It fits a 120-column terminal.
func TestHeaderShowsTheLoad(t *testing.T) {
	s, err := scenarios.Load("raft/retry-storm")
	require.NoError(t, err)
	frames, err := Frames(Options{Scenario: s}, 120, 40, "g", "4", "s", "enter", "g", "1", "8", "s", "enter")
	require.NoError(t, err)
	healthy := strings.Split(frames[4], "\n")[2]
	assert.Regexp(t, `^goodput [1-9]\d+/s of \d+/s offered, \d+/s sent · queue \d · p50 \d+ms p99 \d+ms · goodput so far [▁-█]{4} *$`, healthy, "healthy at 4s")
	collapsed := strings.Split(frames[len(frames)-1], "\n")[2]
	assert.Regexp(t, `^goodput 0/s of \d+/s offered, [3-9]\d\d/s sent · queue \d{3} · shed [1-9]\d*/s expired 0/s · goodput so far [▁-█]{18} *$`, collapsed, "collapsed at 18s: retries four times the load, a full queue, shedding")

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
