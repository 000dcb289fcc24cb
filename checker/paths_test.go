package checker

import (
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func indet(client string, kind OpKind, key, value string, call int64) Op {
	return with(op(client, kind, key, value, call, 0), OutcomeIndeterminate)
}

// Hand-worked cases for each way a key is decided, legal and illegal. For
// an illegal one, witness is the expected set of ops (indices) with no
// linearization, from which no single op (with the reads that saw it) can
// go; the comment says why it is illegal.
var pathCases = []struct {
	name    string
	history []Op
	want    Verdict
	method  string
	witness []int
}{
	// The unique-values path: dsim's values, one parse per read.
	{
		name: "register: a read overlapping a put may see either side",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c2", OpPut, "x", "c2.1", 5, 15),
			op("c3", OpGet, "x", "c2.1", 12, 20),
			op("c4", OpGet, "x", "c1.1", 12, 14),
		},
		want: VerdictOK, method: MethodUniqueValues,
	},
	{
		// c1.1 and c2.1 are both in by 10; the read at 20 sees c1.1, so
		// c2.1 came first and cannot be seen at 40. (The reads at 40
		// and 60 show the same; the shrinking keeps the earliest.)
		name: "register: reads go back in time",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c2", OpPut, "x", "c2.1", 0, 10),
			op("c3", OpGet, "x", "c1.1", 20, 30),
			op("c3", OpGet, "x", "c2.1", 40, 50),
			op("c3", OpGet, "x", "c1.1", 60, 70),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{0, 1, 2, 3},
	},
	{
		// c2.1, which nobody read, completed between c1.1 and the read.
		name: "register: a stale read after a write nobody read",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c2", OpPut, "x", "c2.1", 20, 30),
			op("c1", OpGet, "x", "c1.1", 40, 50),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{0, 1, 2},
	},
	{
		name: "appends: reads see one chain grow",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c2", OpAppend, "x", "c2.1", 5, 30),
			op("c3", OpAppend, "x", "c3.1", 5, 30),
			op("c4", OpGet, "x", "c1.1c3.1", 20, 25),
			op("c4", OpGet, "x", "c1.1c3.1c2.1", 40, 50),
		},
		want: VerdictOK, method: MethodUniqueValues,
	},
	{
		// Real time allows either order, but c2.1 and c3.1 cannot both
		// come right after c1.1.
		name: "appends: two different appends right after one put",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c2", OpAppend, "x", "c2.1", 20, 100),
			op("c3", OpAppend, "x", "c3.1", 20, 100),
			op("c4", OpGet, "x", "c1.1c2.1", 40, 50),
			op("c4", OpGet, "x", "c1.1c3.1", 60, 70),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{0, 1, 2, 3, 4},
	},
	{
		// c2.1 completed at 45, so the read at 60 must include it. The
		// read at 40 plays no part.
		name: "appends: a read misses an append that completed",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c2", OpAppend, "x", "c2.1", 20, 45),
			op("c3", OpAppend, "x", "c3.1", 20, 65),
			op("c4", OpGet, "x", "c1.1c2.1", 40, 50),
			op("c4", OpGet, "x", "c1.1c3.1", 60, 70),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{0, 1, 2, 4},
	},
	{
		name: "appends before any put, then a put",
		history: []Op{
			op("c1", OpAppend, "x", "c1.1", 0, 10),
			op("c2", OpGet, "x", "", 5, 15),
			op("c2", OpGet, "x", "c1.1", 20, 30),
			op("c3", OpPut, "x", "c3.1", 25, 40),
			op("c1", OpGet, "x", "c3.1", 50, 60),
		},
		want: VerdictOK, method: MethodUniqueValues,
	},
	{
		name: "the initial value read after an append completed",
		history: []Op{
			op("c1", OpAppend, "x", "c1.1", 0, 10),
			op("c2", OpGet, "x", "", 20, 30),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{0, 1},
	},
	{
		name: "a write nobody read fits between two chains",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c2", OpGet, "x", "c1.1", 12, 14),
			op("c3", OpAppend, "x", "c3.1", 15, 20),
			op("c1", OpPut, "x", "c1.2", 21, 30),
			op("c2", OpGet, "x", "c1.2", 40, 50),
		},
		want: VerdictOK, method: MethodUniqueValues,
	},
	{
		name: "an append nobody read completed before a read that lacks it",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c2", OpAppend, "x", "c2.1", 15, 20),
			op("c1", OpGet, "x", "c1.1", 30, 40),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{0, 1, 2},
	},
	{
		name: "an indeterminate append seen long after its client gave up",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			indet("c2", OpAppend, "x", "c2.1", 5),
			op("c3", OpGet, "x", "c1.1", 20, 30),
			op("c3", OpGet, "x", "c1.1c2.1", 100, 110),
		},
		want: VerdictOK, method: MethodUniqueValues,
	},
	{
		// Once a read saw the indeterminate append, it took effect: the
		// value without it cannot come back.
		name: "an indeterminate append seen, then unseen",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			indet("c2", OpAppend, "x", "c2.1", 5),
			op("c3", OpGet, "x", "c1.1", 20, 30),
			op("c3", OpGet, "x", "c1.1c2.1", 100, 110),
			op("c3", OpGet, "x", "c1.1", 120, 130),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{0, 1, 3, 4},
	},
	{
		name: "an indeterminate put nobody read need never have happened",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			indet("c2", OpPut, "x", "c2.1", 5),
			op("c3", OpGet, "x", "c1.1", 100, 110),
			indet("c3", OpGet, "x", "", 120),
		},
		want: VerdictOK, method: MethodUniqueValues,
	},
	{
		name: "an indeterminate write cannot take effect before its call",
		history: []Op{
			op("c1", OpGet, "x", "c2.1", 0, 10),
			indet("c2", OpPut, "x", "c2.1", 20),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{0, 1},
	},
	{
		name: "a read that holds one append twice",
		history: []Op{
			op("c1", OpAppend, "x", "c1.1", 0, 10),
			op("c2", OpGet, "x", "c1.1c1.1", 20, 30),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{0, 1},
	},
	{
		name: "a read of a value nobody wrote",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c2", OpGet, "x", "c9.9", 20, 30),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{1},
	},
	{
		name: "a failed put is not there to be read",
		history: []Op{
			with(op("c1", OpPut, "x", "c1.1", 0, 10), OutcomeFailed),
			op("c2", OpGet, "x", "c1.1", 20, 30),
		},
		want: VerdictIllegal, method: MethodUniqueValues, witness: []int{1},
	},

	// The search: values that repeat, or parse more than one way.
	{
		name: "search: a value written twice",
		history: []Op{
			op("c1", OpPut, "x", "1", 0, 10),
			op("c2", OpPut, "x", "1", 20, 30),
			op("c3", OpGet, "x", "1", 40, 50),
		},
		want: VerdictOK, method: MethodSearch,
	},
	{
		name: "search: a read that parses two ways",
		history: []Op{
			op("c1", OpAppend, "x", "a", 0, 10),
			op("c1", OpAppend, "x", "b", 20, 30),
			op("c2", OpPut, "x", "ab", 40, 50),
			op("c2", OpGet, "x", "ab", 60, 70),
		},
		want: VerdictOK, method: MethodSearch,
	},
	{
		name: "search: an empty value",
		history: []Op{
			op("c1", OpPut, "x", "c1.1", 0, 10),
			op("c1", OpPut, "x", "", 20, 30),
			op("c2", OpGet, "x", "", 40, 50),
		},
		want: VerdictOK, method: MethodSearch,
	},
	{
		name: "search: a retried append applied twice",
		history: []Op{
			indet("c1", OpAppend, "x", "a", 0),
			op("c1", OpAppend, "x", "a", 20, 30),
			op("c2", OpGet, "x", "aa", 40, 50),
		},
		want: VerdictOK, method: MethodSearch,
	},
	{
		// A read saw the indeterminate "2"; the "1" read after it needs
		// a put of "1" after that, and the only one comes too late. The
		// late put stays out of the witness.
		name: "search: an indeterminate put seen, then an older value",
		history: []Op{
			op("c1", OpPut, "x", "1", 0, 10),
			indet("c2", OpPut, "x", "2", 5),
			op("c3", OpGet, "x", "2", 20, 30),
			op("c3", OpGet, "x", "1", 40, 50),
			op("c1", OpPut, "x", "1", 60, 70),
		},
		want: VerdictIllegal, method: MethodSearch, witness: []int{0, 1, 2, 3},
	},
	{
		name: "search: an indeterminate write nobody can have read is dropped",
		history: []Op{
			op("c1", OpPut, "x", "1", 0, 10),
			op("c1", OpPut, "x", "1", 20, 30),
			indet("c2", OpAppend, "x", "z", 5),
			op("c3", OpGet, "x", "1", 100, 110),
		},
		want: VerdictOK, method: MethodSearch,
	},
}

func TestDecisionPaths(t *testing.T) {
	for _, tt := range pathCases {
		t.Run(tt.name, func(t *testing.T) {
			res := CheckKV(tt.history, 0)
			require.NoError(t, res.Err)
			require.Len(t, res.Keys, 1)
			k := res.Keys[0]
			assert.Equal(t, tt.want, k.Verdict)
			assert.Equal(t, tt.want, res.Verdict)
			assert.Equal(t, tt.method, k.Method)
			assert.Equal(t, tt.witness, k.Witness)
			assert.Equal(t, tt.witness != nil, k.WitnessMinimal)
			assert.Equal(t, tt.want, porcupineVerdict(tt.history), "porcupine agrees")
			if tt.witness != nil {
				assert.Equal(t, VerdictIllegal, porcupineVerdict(pick(tt.history, tt.witness)), "porcupine: the witness alone is illegal")
			}
		})
	}
}

// sequentialSearchHistory is n ops in groups of three concurrent ops, one
// group after another with quiet time between, over values that repeat (so
// it goes to the search). Every read sees the last value written before
// its group, or one written in it. With bad, the last read sees a value
// nobody wrote.
func sequentialSearchHistory(n int, bad bool) []Op {
	var h []Op
	state := ""
	for g := 0; len(h) < n; g++ {
		t := int64(g) * 100
		v := []string{"a", "b", "c"}[g%3]
		h = append(h,
			op("c1", OpPut, "x", v, t, t+20),
			op("c2", OpGet, "x", state, t, t+10),
			op("c3", OpGet, "x", v, t+5, t+30),
		)
		state = v
	}
	if bad {
		h[len(h)-1].Output = "!"
	}
	return h
}

// Quiescent points split the search: it explores each segment once per
// state the segments before can end in, so its steps grow linearly with
// the history, legal or not.
func TestSearchIsLinearAcrossQuiescentSegments(t *testing.T) {
	for _, bad := range []bool{false, true} {
		h := sequentialSearchHistory(30_000, bad)
		res := CheckKV(h, 0)
		require.NoError(t, res.Err)
		want := VerdictOK
		if bad {
			want = VerdictIllegal
		}
		k := res.Keys[0]
		assert.Equal(t, want, k.Verdict)
		assert.Equal(t, MethodSearch, k.Method)
		assert.LessOrEqual(t, k.Steps, int64(5*len(h)), "steps for %d ops", len(h))
		if bad {
			assert.Equal(t, []int{len(h) - 1}, k.Witness, "the read of a value nobody wrote is a witness on its own")
		}
	}
}

// A read that fits the state and may go next is taken without branching:
// twenty concurrent reads of one value cost twenty steps, not 2^20.
func TestSearchTakesFittingReadsWithoutBranching(t *testing.T) {
	h := []Op{op("c0", OpPut, "x", "1", 0, 10), op("c0", OpPut, "x", "1", 11, 12)}
	for i := range 20 {
		h = append(h, op(fmt.Sprintf("c%d", i+1), OpGet, "x", "1", 20, 100))
	}
	res := CheckKV(h, 0)
	require.Equal(t, VerdictOK, res.Verdict)
	assert.Equal(t, MethodSearch, res.Keys[0].Method)
	assert.Equal(t, int64(22), res.Keys[0].Steps)
}

// The same history gives the same Result (verdicts, witnesses, steps, and
// what the HTML draws) whatever the number of threads, run after run.
func TestCheckKVIsDeterministic(t *testing.T) {
	h := genDsim(dsimConfig{ops: 3000, clients: 20, keys: 8, seed: 7})
	h = append(h, hardHistory("hard", 20)...)
	i := slices.IndexFunc(h, func(o Op) bool { return o.Kind == OpGet && o.Outcome == OutcomeOK && o.Output != "" })
	h[i].Output += "c99.99" // one key illegal
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	want := CheckKV(h, 20_000)
	require.Equal(t, VerdictIllegal, want.Verdict)
	require.Equal(t, []string{"hard"}, want.UnknownKeys)
	for _, procs := range []int{1, 2, 4, 8} {
		runtime.GOMAXPROCS(procs)
		for range 3 {
			require.Equal(t, want, CheckKV(h, 20_000), "GOMAXPROCS=%d", procs)
		}
	}
}

// The budget bounds the search only: a key with unique values is decided
// whatever the budget.
func TestUniqueValuesNeedNoBudget(t *testing.T) {
	h := genDsim(dsimConfig{ops: 5000, clients: 30, keys: 3, seed: 3})
	res := CheckKV(h, 1)
	require.Equal(t, VerdictOK, res.Verdict)
	for _, k := range res.Keys {
		assert.Equal(t, MethodUniqueValues, k.Method)
		assert.Zero(t, k.Steps)
	}
}

// The hard history of BenchmarkCheckHard50Clients, which porcupine cannot
// decide in 10s, is decided on every key, and a stale read in it is pinned
// down to the three ops that show it.
func TestHardHistoryIsDecided(t *testing.T) {
	res := CheckKV(hardDsim(), 0)
	require.Equal(t, VerdictOK, res.Verdict)
	require.Len(t, res.Keys, 10)

	h := staleRead(hardDsim(), "k1")
	res = CheckKV(h, 0)
	require.Equal(t, VerdictIllegal, res.Verdict)
	require.Equal(t, []string{"k1"}, res.IllegalKeys)
	require.Empty(t, res.UnknownKeys)
	k := res.Keys[0]
	require.True(t, k.WitnessMinimal)
	require.Len(t, k.Witness, 3)
	assert.Equal(t, VerdictIllegal, porcupineVerdict(pick(h, k.Witness)))
}
