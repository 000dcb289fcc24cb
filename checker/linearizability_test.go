package checker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func readFixture(t testing.TB, path string) []Op {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	ops, err := ParseHistory(f)
	require.NoError(t, err)
	return ops
}

// TestCheckKVFixtures checks every history under testdata/ok and
// testdata/illegal (see testdata/README.md for what each one shows).
func TestCheckKVFixtures(t *testing.T) {
	for _, want := range []Verdict{VerdictOK, VerdictIllegal} {
		files, err := filepath.Glob(filepath.Join("testdata", string(want), "*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, file := range files {
			t.Run(string(want)+"/"+strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
				res := CheckKV(readFixture(t, file), 0)
				require.NoError(t, res.Err)
				assert.Equal(t, want, res.Verdict)
				assert.Empty(t, res.UnknownKeys)
				if want == VerdictIllegal {
					assert.NotEmpty(t, res.IllegalKeys)
				} else {
					assert.Empty(t, res.IllegalKeys)
				}
			})
		}
	}
}

// op builds a completed op tersely for the tables below.
func op(client string, kind OpKind, key, arg string, call, ret int64) Op {
	o := Op{Client: client, Kind: kind, Key: key, Call: call, Return: ret, Outcome: OutcomeOK}
	if kind == OpGet {
		o.Output = arg
	} else {
		o.Value = arg
	}
	return o
}

func with(o Op, outcome Outcome) Op {
	o.Outcome = outcome
	if outcome != OutcomeOK {
		o.Output = ""
	}
	if outcome == OutcomeIndeterminate {
		o.Return = 0
	}
	return o
}

func TestCheckKV(t *testing.T) {
	tests := []struct {
		name        string
		history     []Op
		want        Verdict
		illegalKeys []string
	}{
		{
			name:    "empty history",
			history: nil,
			want:    VerdictOK,
		},
		{
			name: "only failed ops",
			history: []Op{
				with(op("c1", OpPut, "x", "1", 0, 10), OutcomeFailed),
			},
			want: VerdictOK,
		},
		{
			name: "a failed append is not applied",
			history: []Op{
				op("c1", OpAppend, "x", "a", 0, 10),
				with(op("c1", OpAppend, "x", "b", 20, 30), OutcomeFailed),
				op("c2", OpGet, "x", "ab", 40, 50),
			},
			want:        VerdictIllegal,
			illegalKeys: []string{"x"},
		},
		{
			name: "an indeterminate append may land after later ops",
			history: []Op{
				with(op("c1", OpAppend, "x", "a", 0, 0), OutcomeIndeterminate),
				op("c1", OpAppend, "x", "b", 20, 30),
				op("c2", OpGet, "x", "b", 40, 50),
				op("c2", OpGet, "x", "ba", 60, 70),
			},
			want: VerdictOK,
		},
		{
			name: "an indeterminate append takes effect at most once",
			history: []Op{
				with(op("c1", OpAppend, "x", "a", 0, 0), OutcomeIndeterminate),
				op("c2", OpGet, "x", "aa", 40, 50),
			},
			want:        VerdictIllegal,
			illegalKeys: []string{"x"},
		},
		{
			name: "an indeterminate op cannot take effect before its call",
			history: []Op{
				op("c2", OpGet, "x", "1", 0, 10),
				with(op("c1", OpPut, "x", "1", 20, 0), OutcomeIndeterminate),
			},
			want:        VerdictIllegal,
			illegalKeys: []string{"x"},
		},
		{
			// The same ops on one key would be illegal (y's read of ""
			// after x's put); on two keys nothing relates them.
			name: "keys are checked independently",
			history: []Op{
				op("c1", OpPut, "x", "1", 0, 10),
				op("c2", OpGet, "y", "", 20, 30),
			},
			want: VerdictOK,
		},
		{
			name: "every illegal key is named, sorted",
			history: []Op{
				op("c1", OpPut, "k9", "1", 0, 10),
				op("c1", OpGet, "k9", "", 20, 30),
				op("c2", OpPut, "k1", "1", 0, 10),
				op("c2", OpGet, "k1", "1", 20, 30),
				op("c3", OpAppend, "k10", "z", 0, 10),
				op("c3", OpGet, "k10", "zz", 20, 30),
			},
			want:        VerdictIllegal,
			illegalKeys: []string{"k10", "k9"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := CheckKV(tt.history, 0)
			require.NoError(t, res.Err)
			assert.Equal(t, tt.want, res.Verdict)
			assert.Equal(t, tt.illegalKeys, res.IllegalKeys)
			assert.Empty(t, res.UnknownKeys)
		})
	}
}

// A search that runs out of budget is unknown, names the key, and reports
// the budget spent, the same on every run.
func TestCheckKVBudgetOverrunIsUnknown(t *testing.T) {
	const budget = 10_000
	res := CheckKV(hardHistory("x", 20), budget)
	require.NoError(t, res.Err)
	assert.Equal(t, VerdictUnknown, res.Verdict)
	assert.Equal(t, []string{"x"}, res.UnknownKeys)
	assert.Empty(t, res.IllegalKeys)
	assert.Equal(t, Budget(budget), res.Budget)
	require.Len(t, res.Keys, 1)
	assert.Equal(t, MethodSearch, res.Keys[0].Method)
	assert.Equal(t, int64(budget), res.Keys[0].Steps)
	assert.Equal(t, res, CheckKV(hardHistory("x", 20), budget), "same history, same result")
}

// An illegal key decides the verdict even while another is unknown, as in
// porcupine.
func TestCheckKVIllegalBeatsUnknown(t *testing.T) {
	h := append(hardHistory("hard", 20),
		op("c1", OpPut, "bad", "1", 0, 10),
		op("c1", OpGet, "bad", "", 20, 30))
	res := CheckKV(h, 10_000)
	require.NoError(t, res.Err)
	assert.Equal(t, VerdictIllegal, res.Verdict)
	assert.Equal(t, []string{"bad"}, res.IllegalKeys)
	assert.Equal(t, []string{"hard"}, res.UnknownKeys)
}

func TestCheckKVRejectsMalformedHistory(t *testing.T) {
	good := op("c1", OpPut, "x", "1", 10, 20)
	tests := []struct {
		name string
		bad  func(*Op)
		want string
	}{
		{"return before call", func(o *Op) { o.Return = 5 }, "ops[1]: return 5 before call 10"},
		{"negative call", func(o *Op) { o.Call = -1 }, "ops[1]: negative call -1"},
		{"empty client", func(o *Op) { o.Client = "" }, "ops[1]: client is empty"},
		{"empty key", func(o *Op) { o.Key = "" }, "ops[1]: key is empty"},
		{"unknown kind", func(o *Op) { o.Kind = "cas" }, `ops[1]: unknown op "cas" (want get, put or append)`},
		{"zero outcome", func(o *Op) { o.Outcome = "" }, `ops[1]: unknown outcome "" (want ok, failed or indeterminate)`},
		{"output on a put", func(o *Op) { o.Output = "1" }, `ops[1]: output "1" given for ok put (only an ok get returns a value)`},
		{"value on a get", func(o *Op) { o.Kind = OpGet }, `ops[1]: value "1" given for get (only put and append take a value)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := good
			tt.bad(&bad)
			res := CheckKV([]Op{good, bad}, 0)
			require.ErrorIs(t, res.Err, ErrInvalidHistory)
			assert.EqualError(t, res.Err, tt.want)
			assert.Equal(t, VerdictUnknown, res.Verdict, "an unchecked history is never ok")
		})
	}
}

// The return of an indeterminate op means nothing, whatever it holds.
func TestCheckKVIgnoresIndeterminateReturn(t *testing.T) {
	h := []Op{
		{Client: "c1", Kind: OpPut, Key: "x", Value: "1", Call: 10, Return: 5, Outcome: OutcomeIndeterminate},
		op("c2", OpGet, "x", "1", 100, 110),
	}
	res := CheckKV(h, 0)
	require.NoError(t, res.Err)
	assert.Equal(t, VerdictOK, res.Verdict)
}

// Histories built to be linearizable must check ok; changing one read to a
// value nobody wrote must make them illegal on exactly that key. This is
// the differential test of the model: the generator applies ops to a plain
// map, in an order it chose.
func TestCheckKVGenerated(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig{
			ops:           rapid.IntRange(0, 60).Draw(t, "ops"),
			clients:       rapid.IntRange(1, 5).Draw(t, "clients"),
			keys:          rapid.IntRange(1, 3).Draw(t, "keys"),
			indeterminate: rapid.Float64Range(0, 0.3).Draw(t, "indeterminate"),
			// Proving the corrupted history illegal is exponential in
			// the ops that never return; keep it to milliseconds.
			maxIndeterminate: 6,
			failed:           rapid.Float64Range(0, 0.2).Draw(t, "failed"),
			seed:             rapid.Uint64().Draw(t, "seed"),
		}
		h := genHistory(cfg)
		res := CheckKV(h, 0)
		require.NoError(t, res.Err)
		require.Equal(t, VerdictOK, res.Verdict)

		var gets []int
		for i, o := range h {
			if o.Kind == OpGet && o.Outcome == OutcomeOK {
				gets = append(gets, i)
			}
		}
		if len(gets) == 0 {
			return
		}
		i := rapid.SampledFrom(gets).Draw(t, "corrupted get")
		h[i].Output = "never written"
		res = CheckKV(h, 0)
		require.NoError(t, res.Err)
		require.Equal(t, VerdictIllegal, res.Verdict)
		require.Equal(t, []string{h[i].Key}, res.IllegalKeys)
	})
}

// TestCheckKeysAloneMatchesParallel checks keys one after another on the
// calling goroutine (what CheckKV does below parallelFrom ops) and on
// several, and requires the same results, key by key, whether the
// histories are legal or not and whichever path decides them.
func TestCheckKeysAloneMatchesParallel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, rapid.Bool().Draw(t, "unique"))
		workers := rapid.IntRange(2, 4).Draw(t, "workers")
		check := func(workers int) []KeyResult {
			keys, groups := groupByKey(h)
			out := make([]KeyResult, len(keys))
			checkKeys(h, keys, groups, int64(DefaultBudget), out, workers)
			return out
		}
		require.Equal(t, check(workers), check(1))
	})
}

// TestCheckKVParallelFromMatchesAlone checks a history long enough for
// CheckKV to check its keys in parallel and requires what checking them
// one after another gives.
func TestCheckKVParallelFromMatchesAlone(t *testing.T) {
	h := staleRead(genDsim(dsimConfig{ops: 2 * parallelFrom, clients: 10, keys: 4, indeterminate: 0.01, seed: 3}), "k2")
	res := CheckKV(h, 0)
	keys, groups := groupByKey(h)
	alone := make([]KeyResult, len(keys))
	checkKeys(h, keys, groups, int64(DefaultBudget), alone, 1)
	require.Equal(t, VerdictIllegal, res.Verdict)
	require.Equal(t, alone, res.Keys)
}
