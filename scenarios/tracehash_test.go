package scenarios

import (
	"bytes"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The trace hash is a function of the run, not of who watches it: a run
// with its trace written, one with a report (whose tape renders every
// line), one checked for determinism (which renders lines to compare) and
// one with none of these hash the same, under GOMAXPROCS 1, 2 and 4 (the
// report and the check under the first). Every built-in message folds its
// fields (protocols.HashAppender); messages folded as their text, as a
// user's may be, are covered in sim's tests with toy messages.
func TestTraceHashIgnoresLinesAndProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, name := range []string{"raft/leader-crash", "multipaxos/leader-crash", "pbft/equivocating-primary", "chain/head-crash", "2pc/coordinator-crash-blocks", "dynamo/sloppy-quorum"} {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			require.NoError(t, err)
			var first *Result
			var firstTrace string
			for _, procs := range []int{1, 2, 4} {
				runtime.GOMAXPROCS(procs)
				plain, err := RunScenario(s, RunOptions{Seed: s.Seed})
				require.NoError(t, err)
				var trace bytes.Buffer
				traced, err := RunScenario(s, RunOptions{Seed: s.Seed, Trace: &trace})
				require.NoError(t, err)
				assert.Equal(t, plain.TraceHash, traced.TraceHash, "GOMAXPROCS=%d: a trace written", procs)
				assert.Equal(t, int(plain.Events), bytes.Count(trace.Bytes(), []byte("\n")), "a line per event")
				if first == nil {
					first, firstTrace = plain, trace.String()
					reported, err := RunScenario(s, RunOptions{Seed: s.Seed, Report: filepath.Join(t.TempDir(), "report.html")})
					require.NoError(t, err)
					assert.Equal(t, plain.TraceHash, reported.TraceHash, "a report written")
					d, err := CheckDeterminism(s, s.Seed, SweepOptions{}, plain.TraceHash)
					require.NoError(t, err)
					assert.Nil(t, d, "the determinism check, which renders lines to compare")
					continue
				}
				assert.Equal(t, first, plain, "GOMAXPROCS=%d: the same result", procs)
				assert.Equal(t, firstTrace, trace.String(), "GOMAXPROCS=%d: the same trace", procs)
			}
		})
	}
}
