package checker

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Verdict is the answer of a linearizability check.
type Verdict string

// The three verdicts. The strings are the ones in dsim's JSON results.
const (
	// VerdictOK: some linearization explains every operation.
	VerdictOK Verdict = "ok"
	// VerdictIllegal: no linearization exists; the history shows a bug.
	VerdictIllegal Verdict = "illegal"
	// VerdictUnknown: the general search ran out of its [Budget] (or the
	// history was not checked at all, see Result.Err). It is not a pass.
	VerdictUnknown Verdict = "unknown"
)

// Budget bounds the general search on one key, in steps: a step is one
// operation tried at one point of a candidate linearization (one call of the
// KV model). It is counted, never timed, so a verdict is a function of the
// history and the budget alone: the same on every machine, however loaded.
//
// Keys whose histories the unique-values path decides (every dsim history,
// see the package doc) take no steps at all; the budget matters only for
// histories with repeated or ambiguous values, which go to the search. A key
// whose search needs more steps than the budget is unknown, and the Result
// names it. The zero Budget means [DefaultBudget].
type Budget int64

// DefaultBudget is the budget of the zero [Budget]: a search of this many
// steps takes about a second and tens of megabytes.
const DefaultBudget Budget = 2_000_000

func (b Budget) orDefault() Budget {
	if b <= 0 {
		return DefaultBudget
	}
	return b
}

// The ways a key is decided, as KeyResult.Method reports them.
const (
	// MethodUniqueValues: every value written to the key is distinct and
	// every read parses one way into the writes it saw; the verdict comes
	// from ordering those writes, in O(n log n), with no search.
	MethodUniqueValues = "unique-values"
	// MethodSearch: the general search, bounded by the Budget.
	MethodSearch = "search"
)

// Result is the outcome of [CheckKV]. [WriteHTML] draws it.
type Result struct {
	Verdict Verdict
	// IllegalKeys lists, sorted, every key whose operations admit no
	// linearization.
	IllegalKeys []string
	// UnknownKeys lists, sorted, the keys whose search ran out of Budget.
	UnknownKeys []string
	// Err is non-nil (matching ErrInvalidHistory) when the history is
	// malformed; nothing was checked and Verdict is VerdictUnknown.
	Err error
	// Budget is the per-key search budget the check ran with (after the
	// default was applied).
	Budget Budget
	// Keys has one entry per key, sorted by key.
	Keys []KeyResult

	historyLen int // to refuse drawing this result over another history
}

// KeyResult is the verdict on one key and what it took.
type KeyResult struct {
	Key     string
	Verdict Verdict
	// Method is MethodUniqueValues or MethodSearch.
	Method string
	// Ops counts the key's operations that took part (failed ones do not).
	Ops int
	// Steps is what the search spent deciding the key (zero on the
	// unique-values path); it equals the Budget when the key is unknown.
	Steps int64
	// Witness, for an illegal key, lists the indices into the history
	// (ascending) of a small set of this key's operations that has no
	// linearization on its own. Each read in it comes with the writes it
	// saw, so it is a self-contained counterexample.
	Witness []int
	// WitnessMinimal reports that leaving out any one op of the Witness
	// (with the reads whose value the writes left can no longer produce)
	// makes it linearizable. It is false only when shrinking the witness
	// ran out of budget.
	WitnessMinimal bool

	// lin is what WriteHTML draws, as indices into the history: a full
	// linearization of the key (ok), the longest partial linearization of
	// the witness (illegal) or the longest the search reached (unknown).
	lin []int32
}

// CheckKV checks that history is linearizable with respect to a single-copy
// key-value store (see [OpKind] for the operations). Failed ops are left
// out; indeterminate ops may take effect at any time after their call, or
// never.
//
// Each key is checked on its own, to the end, so every broken key is
// reported with a witness. Keys whose written values are unique are decided
// without search; the others are searched with at most budget steps each
// (zero: DefaultBudget). A long history's keys are checked on several
// goroutines (a short one's on the caller's), but each key's verdict,
// witness and step count depend on its operations alone, so the Result is
// the same on every run, machine and GOMAXPROCS.
func CheckKV(history []Op, budget Budget) Result {
	budget = budget.orDefault()
	if err := validateHistory(history); err != nil {
		return Result{Verdict: VerdictUnknown, Err: err, Budget: budget}
	}
	keys, groups := groupByKey(history)
	res := Result{Verdict: VerdictOK, Budget: budget, Keys: make([]KeyResult, len(keys)), historyLen: len(history)}

	workers := 1
	if len(history) >= parallelFrom {
		workers = runtime.GOMAXPROCS(0)
	}
	checkKeys(history, keys, groups, int64(budget), res.Keys, workers)

	for _, k := range res.Keys {
		switch k.Verdict {
		case VerdictIllegal:
			res.IllegalKeys = append(res.IllegalKeys, k.Key)
		case VerdictUnknown:
			res.UnknownKeys = append(res.UnknownKeys, k.Key)
		}
	}
	res.Verdict = combine(len(res.IllegalKeys), len(res.UnknownKeys))
	return res
}

// parallelFrom is the length of history from which CheckKV checks keys on
// several goroutines. A shorter one (a sweep's seed has about a thousand
// ops) takes tens of microseconds a key, in the order of what starting
// and waking the goroutines costs, so its keys are checked one after
// another on the caller's. Either way each key's result is its own.
const parallelFrom = 4096

// checkKeys decides keys[i], whose ops are groups[i], into out[i], on up to
// workers goroutines (one: the calling goroutine alone). Workers take keys
// in order and write each result into its own slot; nothing one key
// computes is seen by another.
func checkKeys(history []Op, keys []string, groups [][]int32, budget int64, out []KeyResult, workers int) {
	if workers <= 1 {
		for i := range keys {
			out[i] = checkKey(history, keys[i], groups[i], budget)
			groups[i] = nil // the key's working set is garbage from here
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(keys)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(keys) {
					return
				}
				out[i] = checkKey(history, keys[i], groups[i], budget)
				groups[i] = nil
			}
		})
	}
	wg.Wait()
}

// combine gives porcupine's precedence: one illegal key makes the history
// illegal even if another is unknown; an unknown key anywhere forbids ok.
func combine(illegal, unknown int) Verdict {
	switch {
	case illegal > 0:
		return VerdictIllegal
	case unknown > 0:
		return VerdictUnknown
	}
	return VerdictOK
}

// groupByKey returns the keys of history, sorted, and each key's ops as
// indices into history, in history order. Histories have a handful of
// keys, which a scan finds sooner than a hash of the key; a map takes
// over when there are more.
func groupByKey(history []Op) (keys []string, groups [][]int32) {
	const scanned = 8
	var at map[string]int
	for i := range history {
		k := history[i].Key
		g := -1
		if at == nil {
			g = slices.Index(keys, k)
		} else if j, ok := at[k]; ok {
			g = j
		}
		if g < 0 {
			g = len(keys)
			keys = append(keys, k)
			groups = append(groups, nil)
			switch {
			case at != nil:
				at[k] = g
			case len(keys) > scanned:
				at = make(map[string]int)
				for j, k := range keys {
					at[k] = j
				}
			}
		}
		groups[g] = append(groups[g], int32(i))
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	sortedKeys := make([]string, len(keys))
	sortedGroups := make([][]int32, len(keys))
	for i, g := range order {
		sortedKeys[i], sortedGroups[i] = keys[g], groups[g]
	}
	return sortedKeys, sortedGroups
}

// checkKey decides one key and, when it is illegal, shrinks a witness.
func checkKey(history []Op, key string, idx []int32, budget int64) KeyResult {
	ops := keyOps(history, idx)
	kr := KeyResult{Key: key, Ops: len(ops)}
	d := decide(ops, budget, true)
	kr.Verdict, kr.Method, kr.Steps = d.verdict, d.method, d.steps
	switch d.verdict {
	case VerdictOK:
		if err := replay(ops, d.order); err != nil {
			panic(fmt.Sprintf("checker: bug: key %q: the linearization the %s path found does not replay: %v", key, d.method, err))
		}
		kr.lin = toHistoryIndices(ops, d.order)
	case VerdictUnknown:
		kr.lin = toHistoryIndices(ops, d.order)
	case VerdictIllegal:
		w := shrink(ops, d.method, budget)
		kr.WitnessMinimal = w.minimal
		kr.Witness = make([]int, len(w.ops))
		for i, p := range w.ops {
			kr.Witness[i] = int(ops[p].idx)
		}
		slices.Sort(kr.Witness)
		kr.lin = toHistoryIndices(ops, w.partial)
	}
	return kr
}

func toHistoryIndices(ops []kop, order []int32) []int32 {
	out := make([]int32, len(order))
	for i, p := range order {
		out[i] = ops[p].idx
	}
	return out
}
