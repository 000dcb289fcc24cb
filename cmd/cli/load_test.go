package cli

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/scenarios"
)

// dsim run draws a run's timeline as sparklines and says how goodput fared
// around the trigger; --json carries the windows.
func TestRunShowsTheTimeline(t *testing.T) {
	out, _, code := dsim(t, "run", "raft/retry-storm")
	assert.Equal(t, 0, code, out)
	assert.Regexp(t, `│ goodput +│ [▁-█]{25}  up to \d+/s`, out)
	assert.Regexp(t, `│ queue +│ [▁-█]{25}  up to \d+ waiting`, out)
	assert.Contains(t, out, "never came back")
	assert.Contains(t, out, "pass (found the expected goodput)")

	out, _, code = dsim(t, "run", "raft/retry-storm-backoff", "--json")
	require.Equal(t, 0, code, out)
	var res scenarios.Result
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.NotNil(t, res.Timeline)
	assert.Equal(t, 1000.0, res.Timeline.WindowMS)
	require.NotNil(t, res.Recovery.RecoveredMS)
	assert.Less(t, *res.Recovery.RecoveredMS, 11000.0)

	out, _, _ = dsim(t, "run", "raft/election")
	assert.NotContains(t, out, "timeline", "only runs that ask for one")
}
