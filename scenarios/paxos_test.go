package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A seed of multipaxos/chaos in which a leader cut off in the minority
// learned, on healing, decisions of a later ballot and went on
// heartbeating its own ballot with a commit point that covered them: its
// follower took what it had accepted in that ballot for a decided slot,
// another command than the one decided (protocols/paxos/multi/replica.go,
// handleDecide). It must pass.
func TestMultiPaxosChaosStaleLeaderLearningADecide(t *testing.T) {
	s, err := Builtin("multipaxos/chaos")
	require.NoError(t, err)
	res, err := RunScenario(s, RunOptions{Seed: 5318})
	require.NoError(t, err)
	assert.True(t, res.Pass, res.Verdict())
}
