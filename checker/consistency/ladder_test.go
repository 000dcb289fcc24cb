package consistency

import (
	"testing"

	"github.com/dsimlab/dsim/checker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func exampleNamed(t *testing.T, name string) []Op {
	t.Helper()
	for _, ex := range examples {
		if ex.name == name {
			return ex.h
		}
	}
	t.Fatalf("no example %q", name)
	return nil
}

// TestLadderStrongest places one history on each rung.
func TestLadderStrongest(t *testing.T) {
	failover := exampleNamed(t, "read-your-writes broken after failover")
	cases := []struct {
		name  string
		h     []Op
		final replicas
		want  Model
	}{
		{"one client", exampleNamed(t, "one client reads its writes"), nil, Linearizable},
		{"stale read", exampleNamed(t, "stale read"), nil, Sequential},
		{"store buffering", exampleNamed(t, "store buffering"), nil, Causal},
		{"causal reversal", exampleNamed(t, "causal reversal"), nil, Session},
		// Eventual but not session-consistent: the failover lost c1's
		// write for a while, then every replica got it.
		{"failover, then convergence", failover, replicas{"n1": {"x": "a"}, "n2": {"x": "a"}}, Eventual},
		{"failover, never converged", failover, replicas{"n1": {"x": "a"}, "n2": {"x": ""}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := Ladder(tc.h, Options{Budget: testBudget, Final: tc.final, Quiescence: 1000})
			assert.Equal(t, tc.want, l.Strongest, "%s", l)
			require.Len(t, l.Results, len(Models()))
			for i, m := range Models() {
				assert.Equal(t, m, l.Results[i].Model)
			}
			// What the strongest rung implies is ok, and says why.
			for _, m := range Models() {
				if tc.want != "" && tc.want != m && tc.want.Implies(m) {
					assert.True(t, l.Result(m).OK(), "%s", m)
				}
			}
			// Every failed rung carries its anomaly.
			for _, r := range l.Results {
				if r.Verdict == checker.VerdictIllegal {
					assert.NotNil(t, r.Anomaly, "%s", r.Model)
				}
			}
		})
	}
}

func TestLadderSkipsWhatIsImplied(t *testing.T) {
	l := Ladder(exampleNamed(t, "stale read"), Options{Budget: testBudget})
	assert.Equal(t, "", l.Result(Sequential).Reason)
	assert.Equal(t, "implied by sequential", l.Result(Causal).Reason)
	assert.Equal(t, "implied by sequential", l.Result(ReadYourWrites).Reason)
	assert.Equal(t, checker.VerdictUnknown, l.Result(Eventual).Verdict)
}

func TestSessionRungCombinesTheFour(t *testing.T) {
	h := exampleNamed(t, "read-your-writes broken after failover")
	r := Check(Session, h, Options{Budget: testBudget})
	assert.Equal(t, checker.VerdictIllegal, r.Verdict)
	require.NotNil(t, r.Anomaly)
	assert.Equal(t, KindReadYourWrites, r.Anomaly.Kind)
	assert.Equal(t, r, Ladder(h, Options{Budget: testBudget}).Result(Session))

	ok := Check(Session, exampleNamed(t, "causal reversal"), Options{Budget: testBudget})
	assert.True(t, ok.OK(), "%s", ok)
}

// TestDeterministic: the same history gives the same results, anomalies
// included, every time.
func TestDeterministic(t *testing.T) {
	hs := [][]Op{genLog(logStore{ops: 2000, clients: 6, keys: 3, replicas: 3, lag: 8, latency: 10, indeterminate: 0.02, seed: 7})}
	for _, ex := range examples {
		hs = append(hs, ex.h)
	}
	for _, h := range hs {
		final := replicas{"n1": {"x": "a"}, "n2": {"x": "b"}}
		want := Ladder(h, Options{Budget: testBudget, Final: final}).String()
		for range 3 {
			assert.Equal(t, want, Ladder(h, Options{Budget: testBudget, Final: final}).String())
		}
	}
}

// TestBudgetOverrunIsUnknown: a budget too small to finish gives unknown,
// naming the budget, and never ok.
func TestBudgetOverrunIsUnknown(t *testing.T) {
	h := genLog(logStore{ops: 2000, clients: 6, keys: 3, replicas: 3, lag: 8, latency: 10, seed: 3})
	tiny := Budget{Steps: 50, Linearizability: testBudget.Linearizability}
	for _, m := range []Model{Sequential, Causal, ReadYourWrites, MonotonicReads, MonotonicWrites, WritesFollowReads} {
		r := Check(m, h, Options{Budget: tiny})
		assert.Equal(t, checker.VerdictUnknown, r.Verdict, "%s: %s", m, r)
		assert.Contains(t, r.Reason, "budget of 50 steps", "%s", m)
		full := Check(m, h, Options{Budget: testBudget})
		assert.True(t, full.OK(), "%s: %s", m, full)
	}
}

// TestSequentialUnknownNamesTheKey: when the search itself runs out, the
// reason names the key it was stuck on.
func TestSequentialUnknownNamesTheKey(t *testing.T) {
	h := genLog(logStore{ops: 3000, clients: 8, keys: 4, replicas: 3, lag: 8, latency: 10, seed: 5})
	ix := buildIndex(h)
	// Out of budget inside one key's work: the key is named.
	r := checkSequentialWith(ix, &meter{limit: 200_000}, seqPhases{noShort: true, noExtend: true})
	assert.Equal(t, checker.VerdictUnknown, r.Verdict, "%s", r)
	assert.Regexp(t, `^budget of 200000 steps exhausted while saturating the order constraints on key k\d$`, r.Reason)
	for _, m := range []Model{Causal, ReadYourWrites} {
		r := Check(m, h, Options{Budget: Budget{Steps: 150_000}})
		assert.Equal(t, checker.VerdictUnknown, r.Verdict, "%s", r)
		assert.Regexp(t, `^budget of 150000 steps exhausted checking (observer )?session c\d on key k\d$`, r.Reason, "%s", m)
	}
	// Out of budget in a stage that spans every key: the stage is named.
	r = checkSequentialWith(ix, &meter{limit: 1000}, seqPhases{noShort: true, noExtend: true})
	assert.Equal(t, "budget of 1000 steps exhausted while saturating the order constraints", r.Reason)
	r = Check(WritesFollowReads, h, Options{Budget: Budget{Steps: 1000}})
	assert.Equal(t, "budget of 1000 steps exhausted ordering the causal graph", r.Reason)
}

// TestAmbiguousValuesAreUnknown: values that do not identify their writes
// make an ok impossible to claim, but an anomaly on another key stands.
func TestAmbiguousValuesAreUnknown(t *testing.T) {
	dup := []Op{app("c1", "x", "a", 0, 10), app("c2", "x", "a", 20, 30), get("c3", "x", 40, 50, "aa")}
	for _, m := range []Model{Sequential, Causal, ReadYourWrites, MonotonicReads, MonotonicWrites, WritesFollowReads} {
		r := Check(m, dup, Options{Budget: testBudget})
		assert.Equal(t, checker.VerdictUnknown, r.Verdict, "%s", m)
		assert.Contains(t, r.Reason, "key x left unchecked: ops[0] and ops[1] both write \"a\"", "%s", m)
	}
	// Porcupine does not need unique values.
	assert.True(t, Check(Linearizable, dup, Options{Budget: testBudget}).OK())

	withBug := append(dup, put("c1", "y", "p", 100, 110), get("c1", "y", 120, 130, ""))
	for _, m := range []Model{Sequential, Causal, ReadYourWrites} {
		r := Check(m, withBug, Options{Budget: testBudget})
		assert.Equal(t, checker.VerdictIllegal, r.Verdict, "%s: %s", m, r)
	}
	empty := []Op{put("c1", "x", "", 0, 10), get("c2", "x", 20, 30, "")}
	r := Check(Sequential, empty, Options{Budget: testBudget})
	assert.Equal(t, checker.VerdictUnknown, r.Verdict)
	assert.Contains(t, r.Reason, "empty value")
}

// TestLinearizabilityUnknownSettledByProof uses the kvCheck seam to play a
// porcupine that ran out of time: a cycle of necessary constraints still
// proves the key illegal; without one the verdict stays unknown, naming
// the key and the budget.
func TestLinearizabilityUnknownSettledByProof(t *testing.T) {
	saved := kvCheck
	defer func() { kvCheck = saved }()
	kvCheck = func(ops []checker.Op, b Budget) checker.Result {
		return checker.Result{Verdict: checker.VerdictUnknown, UnknownKeys: []string{"x"}, Budget: b.Linearizability}
	}
	reversed := exampleNamed(t, "monotonic writes broken: appends seen in reverse")
	r := CheckLinearizable(reversed, testBudget)
	assert.Equal(t, checker.VerdictIllegal, r.Verdict, "%s", r)
	require.NotNil(t, r.Anomaly)
	assert.Equal(t, "x", r.Anomaly.Key)

	r = CheckLinearizable(exampleNamed(t, "one client reads its writes"), Budget{Linearizability: 7})
	assert.Equal(t, checker.VerdictUnknown, r.Verdict)
	assert.Equal(t, "the linearizability search ran out of its budget of 7 steps on key x", r.Reason)
}
