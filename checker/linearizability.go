package checker

import (
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Verdict is the answer of a linearizability check.
type Verdict string

// The three verdicts. The strings are the ones in dsim's JSON results.
const (
	// VerdictOK: some linearization explains every operation.
	VerdictOK Verdict = "ok"
	// VerdictIllegal: no linearization exists; the history shows a bug.
	VerdictIllegal Verdict = "illegal"
	// VerdictUnknown: the search ran out of time (or the history was not
	// checked at all, see Result.Err). It is not a pass.
	VerdictUnknown Verdict = "unknown"
)

// Result is the outcome of [CheckKV].
type Result struct {
	Verdict Verdict
	// IllegalKeys lists, sorted, every key whose operations admit no
	// linearization. To keep the HTML small, visualize only the ops on
	// these keys.
	IllegalKeys []string
	// UnknownKeys lists, sorted, the keys whose search timed out.
	UnknownKeys []string
	// Err is non-nil (matching ErrInvalidHistory) when the history is
	// malformed; nothing was checked and Verdict is VerdictUnknown.
	Err error
}

// CheckKV checks that history is linearizable with respect to a single-copy
// key-value store (see [OpKind] for the operations). Failed ops are left
// out; indeterminate ops may take effect at any time after their call, or
// never.
//
// Each key is checked on its own, all keys concurrently, each search
// stopped after timeout (zero or negative: no limit, which may mean
// forever: the problem is NP-complete). All keys are checked to the end
// rather than stopping at the first illegal one, so that every broken key
// is reported.
func CheckKV(history []Op, timeout time.Duration) Result {
	if err := validateHistory(history); err != nil {
		return Result{Verdict: VerdictUnknown, Err: err}
	}
	parts := partitionByKey(toPorcupine(history, nil))
	verdicts := make([]porcupine.CheckResult, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() {
			verdicts[i] = porcupine.CheckOperationsTimeout(kvModelOneKey, part, timeout)
		})
	}
	wg.Wait()

	res := Result{Verdict: VerdictOK}
	for i, v := range verdicts {
		key := parts[i][0].Input.(*kvInput).key
		switch v {
		case porcupine.Illegal:
			res.IllegalKeys = append(res.IllegalKeys, key)
		case porcupine.Unknown:
			res.UnknownKeys = append(res.UnknownKeys, key)
		}
	}
	res.Verdict = combine(len(res.IllegalKeys), len(res.UnknownKeys))
	return res
}

// combine gives porcupine's precedence: one illegal key makes the history
// illegal even if another timed out; a time-out anywhere else forbids ok.
func combine(illegal, unknown int) Verdict {
	switch {
	case illegal > 0:
		return VerdictIllegal
	case unknown > 0:
		return VerdictUnknown
	}
	return VerdictOK
}

func fromPorcupine(r porcupine.CheckResult) Verdict {
	switch r {
	case porcupine.Ok:
		return VerdictOK
	case porcupine.Illegal:
		return VerdictIllegal
	}
	return VerdictUnknown
}
