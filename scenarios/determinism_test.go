package scenarios

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Rule 6: every scenario in the catalogue, run twice with one seed, gives the
// same trace hash; in deep-copy mode too (rule 5); and another seed gives
// another run, since every scenario draws latencies at random.
func TestEveryScenarioIsDeterministic(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	require.NotEmpty(t, all)
	for _, s := range all {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			run := func(seed uint64, deep bool) *Result {
				res, err := RunScenario(s, RunOptions{Seed: seed, DeepCopy: deep})
				require.NoError(t, err)
				return res
			}
			first := run(s.Seed, false)
			// The rerun writes a trace, which renders every line: the hash
			// must not notice.
			again, err := RunScenario(s, RunOptions{Seed: s.Seed, Trace: io.Discard})
			require.NoError(t, err)
			assert.Equal(t, first.TraceHash, again.TraceHash, "same seed, same run, with a trace written or not")
			assert.Equal(t, first, again, "same seed, same result")
			assert.Equal(t, first.TraceHash, run(s.Seed, true).TraceHash, "deep-copy mode must not change the run")
			assert.NotEqual(t, first.TraceHash, run(s.Seed+1, false).TraceHash, "another seed, another run")
		})
	}
}

// Every scenario in the catalogue passes with its own seed (scenarios that
// exist to show a violation pass by showing it), has a title for `dsim list`
// and a text saying what to watch.
func TestCatalogueScenariosPass(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	for _, s := range all {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			assert.NotEmpty(t, s.Title, "a title for dsim list")
			assert.NotEmpty(t, s.Text, "a text saying what to watch")
			res, err := RunScenario(s, RunOptions{Seed: s.Seed})
			require.NoError(t, err)
			assert.True(t, res.Pass, "%s: %s %v", res.Repro, res.Verdict(), res.Violations)
		})
	}
}
