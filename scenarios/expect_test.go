package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// election is raft/election with extra lines.
func election(t *testing.T, extra ...string) *Scenario {
	t.Helper()
	src, err := BuiltinSource("raft/election")
	require.NoError(t, err)
	s, err := Parse("e.scn", strings.NewReader(string(src)+strings.Join(extra, "\n")+"\n"))
	require.NoError(t, err)
	return s
}

func TestExpectationsParseAndRoundTrip(t *testing.T) {
	lines := []string{
		"expect stall c1 from 1s to 2s",
		"at 0.1s expect no-leader",
		"at 2s expect leader",
		"at 2s expect leader n2",
		"expect committed 5 by 2s",
		"expect msgs-per-op <= 20",
		"expect p99 < 500ms",
		"expect elections == 1",
		"at 1s partition leader | rest",
		"at 1200ms heal",
		"at 1500ms isolate leader follower",
		"at 1600ms heal",
		"at 1700ms delay every 2 of 3 AppendEntriesReply *->* by 200ms..2s",
	}
	s := election(t, lines...)
	require.Len(t, s.Expects, 8)
	again, err := Parse("again.scn", strings.NewReader(Format(s)))
	require.NoError(t, err)
	assert.Equal(t, Format(s), Format(again), "Format round-trips")
	for _, l := range lines {
		assert.Contains(t, Format(s), l)
	}
}

func TestExpectationErrorsNameTheLine(t *testing.T) {
	for line, want := range map[string]string{
		"expect speed <= 3":                  "unknown expectation",
		"expect p99 <= 5":                    "want a duration with a unit",
		"expect elections <= many":           "is not a number",
		"expect elections about 3":           "OP one of",
		"expect stall c1 from 2s to 1s":      "is empty",
		"expect stall from 1s to 2s":         "want \"expect stall CLIENT",
		"expect committed 0 by 1s":           "whole number from 1",
		"expect leader":                      "say when",
		"at 1s expect president":             "at T expect leader",
		"expect violation x\nexpect probe y": "one expect violation or probe per scenario",
		"at 1s drop every 2 of 1 Request":    "1 <= K <= M",
		"at 1s partition all | n1":           "not in partitions",
	} {
		src, err := BuiltinSource("raft/election")
		require.NoError(t, err)
		_, err = Parse("bad.scn", strings.NewReader(string(src)+line+"\n"))
		if err == nil {
			// Some are only wrong against the world: Start finds them.
			s, _ := Parse("bad.scn", strings.NewReader(string(src)+line+"\n"))
			_, err = Start(s, RunOptions{Seed: 1})
		}
		require.Error(t, err, line)
		assert.Contains(t, err.Error(), "bad.scn:", line)
		assert.Contains(t, err.Error(), want, line)
	}
	for line, want := range map[string]string{
		"expect stall c7 from 1s to 2s": "c7 is not a client",
		"at 2s expect leader n9":        "n9 is not a server",
		"at 9s expect leader":           "after the end of the run",
	} {
		_, err := Start(election(t, line), RunOptions{Seed: 1})
		require.Error(t, err, line)
		assert.Contains(t, err.Error(), want)
		assert.Regexp(t, `e\.scn:\d+: `, err.Error())
	}
}

// Expectations are judged during the run and reported like any violation:
// with the event and the time.
func TestExpectationsAreJudged(t *testing.T) {
	res, err := RunScenario(election(t,
		"at 0.1s expect no-leader",
		"at 1s expect leader",
		"expect committed 10 by 1s",
		"expect elections <= 1",
		"expect msgs-per-op <= 20",
	), RunOptions{Seed: 1})
	require.NoError(t, err)
	assert.True(t, res.Pass, "%v", res.Violations)

	res, err = RunScenario(election(t,
		"at 0.1s expect leader",
		"at 1s expect no-leader",
		"at 1s expect leader n3",
		"expect committed 100000 by 1s",
		"expect stall c1 from 0.5s to 1s",
		"expect elections >= 2",
	), RunOptions{Seed: 1})
	require.NoError(t, err)
	require.False(t, res.Pass)
	kinds := map[string]Violation{}
	for _, v := range res.Violations {
		kinds[v.Kind] = v
	}
	for _, k := range []string{"expect-leader", "expect-no-leader", "expect-committed", "expect-stall", "expect-elections"} {
		require.Contains(t, kinds, k)
	}
	assert.Equal(t, 100.0, kinds["expect-leader"].TimeMS, "judged at its time")
	assert.Contains(t, kinds["expect-leader"].Detail, "no server leads")
	assert.Contains(t, kinds["expect-no-leader"].Detail, "leads term 1")
	assert.Contains(t, kinds["expect-stall"].Detail, "completed at")
	assert.Greater(t, kinds["expect-stall"].Event, uint64(0))
	assert.True(t, kinds["expect-elections"].AtEnd)

	// The same seed judges the same way: the checks are deterministic.
	again, err := RunScenario(election(t, "at 0.1s expect leader", "expect stall c1 from 0.5s to 1s"), RunOptions{Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, kinds["expect-stall"].Event, again.Violations[1].Event)
}

// raft/minority-leader states its expectations in the file, and passes.
func TestMinorityLeaderExpectations(t *testing.T) {
	s, err := Builtin("raft/minority-leader")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(s.Expects), 5)
	res, err := RunScenario(s, RunOptions{Seed: s.Seed})
	require.NoError(t, err)
	assert.True(t, res.Pass, "%v", res.Violations)
}
