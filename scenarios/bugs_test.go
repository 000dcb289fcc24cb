package scenarios

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every bug variant of every protocol is caught by a sweep of its protocol's
// chaos scenario within 500 seeds, and the repro printed for the first
// failure reproduces it exactly: same trace hash, same violations.
func TestSweepsCatchEveryBugVariant(t *testing.T) {
	bugs := AllBugs()
	require.NotEmpty(t, bugs)
	for _, b := range bugs {
		t.Run(b.Protocol+"/"+b.Name, func(t *testing.T) {
			t.Parallel()
			s, err := Builtin(b.Protocol + "/chaos")
			require.NoError(t, err, "every protocol with bug variants has a chaos scenario")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var first *Result
			err = Sweep(ctx, s, SweepOptions{Seeds: 500, Start: 1, Workers: 2, Bug: b.Name}, func(r *Result) {
				if !r.Pass && first == nil {
					first = r
					cancel()
				}
			})
			if err != nil && err != context.Canceled {
				require.NoError(t, err)
			}
			require.NotNil(t, first, "%s is not caught within 500 seeds", b.Name)
			require.NotEmpty(t, first.Violations)
			t.Logf("caught at seed %d: %s", first.Seed, first.Violations[0].Kind)

			// Follow the repro line as a user would.
			args := strings.Fields(first.Repro)
			require.Equal(t, []string{"dsim", "run", s.Name, "--seed", strconv.FormatUint(first.Seed, 10), "--bug", b.Name}, args)
			again, err := RunScenario(s, RunOptions{Seed: first.Seed, Bug: b.Name})
			require.NoError(t, err)
			assert.Equal(t, first.TraceHash, again.TraceHash)
			assert.Equal(t, first.Violations, again.Violations)
			assert.False(t, again.Pass)
		})
	}
}
