package consistency

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/checker"
)

// Result is the verdict of one model on one history.
type Result struct {
	Model Model
	// Verdict is checker.VerdictOK, VerdictIllegal, or VerdictUnknown when
	// a budget ran out, the history could not be judged (see Reason), or
	// it is malformed (see Err). Unknown is never a pass.
	Verdict checker.Verdict
	// Anomaly is the smallest proof found that the model is broken; it is
	// set exactly when Verdict is illegal.
	Anomaly *Anomaly
	// Reason says why the verdict is unknown (naming the key and the
	// budget), or which stronger rung implied an ok. Empty otherwise.
	Reason string
	// Err is non-nil (matching checker.ErrInvalidHistory) when the history
	// is malformed; nothing was checked.
	Err error
}

// OK reports whether the model holds.
func (r Result) OK() bool { return r.Verdict == checker.VerdictOK }

// String renders the result in one line, or several when there is an
// anomaly.
func (r Result) String() string {
	switch {
	case r.Err != nil:
		return fmt.Sprintf("%s: unknown: %v", r.Model, r.Err)
	case r.Anomaly != nil:
		return fmt.Sprintf("%s: %s: %s", r.Model, r.Verdict, r.Anomaly)
	case r.Reason != "":
		return fmt.Sprintf("%s: %s (%s)", r.Model, r.Verdict, r.Reason)
	}
	return fmt.Sprintf("%s: %s", r.Model, r.Verdict)
}

// AnomalyKind names the pattern an anomaly shows.
type AnomalyKind string

// The anomalies the checkers name.
const (
	// A read returned a value no write can produce.
	KindPhantomRead AnomalyKind = "phantom-read"
	// A read saw the value of a write that failed (failed ops have no effect).
	KindFailedWriteRead AnomalyKind = "read-of-failed-write"
	// A read saw one write's value twice: the write took effect twice.
	KindDuplicateEffect AnomalyKind = "duplicate-effect"
	// A read returned several concurrent values; a single copy has one.
	KindSiblingRead AnomalyKind = "sibling-read"
	// A sibling read returned a version together with one that overwrote it.
	KindOverwrittenSibling AnomalyKind = "overwritten-sibling"
	// A read returned an older state although a newer write preceded it.
	KindStaleRead AnomalyKind = "stale-read"
	// A write that preceded a read is missing from the read's value,
	// although a later write is there: the write was lost.
	KindLostUpdate AnomalyKind = "lost-update"
	// A read saw a write that (through program order and other reads)
	// depends on the read itself.
	KindFutureRead AnomalyKind = "future-read"
	// A session read a newer state and then an older one.
	KindNonMonotonicRead AnomalyKind = "non-monotonic-read"
	// A reader saw an effect without its cause.
	KindCausalReversal AnomalyKind = "causal-reversal"
	// A session's own write was missing from its later read.
	KindReadYourWrites AnomalyKind = "read-your-writes"
	// A session's writes were seen out of order, or the later without the earlier.
	KindMonotonicWrites AnomalyKind = "monotonic-writes"
	// A write was seen without (or before) the writes its session had read before making it.
	KindWritesFollowReads AnomalyKind = "writes-follow-reads"
	// One session saw two appends in both orders.
	KindOrderFlip AnomalyKind = "order-flip"
	// Two reads saw different writes applied after the same value (or one
	// append after two different values), which no single copy does. Only
	// the single-order models (linearizable, sequential) forbid it.
	KindForkedReads AnomalyKind = "forked-reads"
	// No single order of the operations explains every result; the steps
	// are a cycle of constraints.
	KindNoOrder AnomalyKind = "no-order"
	// Replicas ended in different states.
	KindDivergence AnomalyKind = "divergence"
	// A read that began after quiescence did not return the final state.
	KindNotConverged AnomalyKind = "not-converged"
	// Every replica holds a state no write can produce (or one that applied
	// a write twice, or a failed write).
	KindBadFinalState AnomalyKind = "bad-final-state"
)

// Anomaly is the proof that a model is broken: the operations, in order of
// invocation, each with its part in the story.
type Anomaly struct {
	Kind AnomalyKind
	// Key is the key the anomaly is about, empty when it spans keys.
	Key string
	// Session is the client whose guarantee broke (session guarantees),
	// empty otherwise.
	Session string
	// Summary says in one sentence what went wrong.
	Summary string
	// Steps are the operations that prove it, by invocation time.
	Steps []Step
}

// Step is one operation of an anomaly.
type Step struct {
	Index int    // position in the history given to the checker
	Op    Op     // the operation
	Note  string // its part in the anomaly
}

// String renders the anomaly, one step per line.
func (a *Anomaly) String() string {
	if a == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString(string(a.Kind))
	if a.Key != "" {
		fmt.Fprintf(&b, " on key %s", a.Key)
	}
	if a.Session != "" {
		fmt.Fprintf(&b, " in session %s", a.Session)
	}
	fmt.Fprintf(&b, ": %s", a.Summary)
	for _, s := range a.Steps {
		fmt.Fprintf(&b, "\n  ops[%d] %s", s.Index, s.Op.describe())
		if s.Note != "" {
			fmt.Fprintf(&b, ": %s", s.Note)
		}
	}
	return b.String()
}

// anomalyBuilder gathers the steps of an anomaly, one note per op (later
// notes for the same op are joined), and sorts them by invocation.
type anomalyBuilder struct {
	h     []Op
	a     Anomaly
	notes map[int][]string
	order []int
}

func newAnomaly(h []Op, kind AnomalyKind, key, summary string) *anomalyBuilder {
	return &anomalyBuilder{h: h, a: Anomaly{Kind: kind, Key: key, Summary: summary}, notes: map[int][]string{}}
}

func (b *anomalyBuilder) step(i int, format string, args ...any) *anomalyBuilder {
	if _, seen := b.notes[i]; !seen {
		b.order = append(b.order, i)
		b.notes[i] = nil
	}
	if format != "" {
		note := fmt.Sprintf(format, args...)
		if !slices.Contains(b.notes[i], note) {
			b.notes[i] = append(b.notes[i], note)
		}
	}
	return b
}

func (b *anomalyBuilder) session(c string) *anomalyBuilder { b.a.Session = c; return b }

func (b *anomalyBuilder) build() *Anomaly {
	idx := slices.Clone(b.order)
	slices.SortFunc(idx, func(x, y int) int {
		return cmp.Or(cmp.Compare(b.h[x].Call, b.h[y].Call), cmp.Compare(x, y))
	})
	a := b.a
	a.Steps = make([]Step, len(idx))
	for k, i := range idx {
		a.Steps[k] = Step{Index: i, Op: b.h[i], Note: strings.Join(b.notes[i], "; ")}
	}
	return &a
}

// illegal wraps an anomaly into a result.
func illegal(m Model, a *Anomaly) Result {
	return Result{Model: m, Verdict: checker.VerdictIllegal, Anomaly: a}
}

func unknown(m Model, format string, args ...any) Result {
	return Result{Model: m, Verdict: checker.VerdictUnknown, Reason: fmt.Sprintf(format, args...)}
}

func ok(m Model) Result { return Result{Model: m, Verdict: checker.VerdictOK} }
