package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/scenarios"
)

// LastFrame is Frames' last frame, kept alone: dsim tui --keys with
// thousands of keys at a large size used to keep every frame (850 MB for
// 2000 keys at 400x200).
func TestLastFrameIsTheLastOfFrames(t *testing.T) {
	s, err := scenarios.Builtin("raft/election")
	require.NoError(t, err)
	keys := []string{"n", "n", "N", "b", "n"}
	frames, err := Frames(Options{Scenario: s}, 100, 30, keys...)
	require.NoError(t, err)
	last, err := LastFrame(Options{Scenario: s}, 100, 30, keys...)
	require.NoError(t, err)
	assert.Equal(t, frames[len(frames)-1], last)
	_, err = LastFrame(Options{Scenario: s, Bug: "no-such"}, 100, 30)
	assert.Error(t, err)
}
