package consistency

import (
	"fmt"

	"github.com/dsimlab/dsim/checker"
)

// Options configures Ladder and Check.
type Options struct {
	// Budget bounds each check separately.
	Budget Budget
	// Final is each replica's state after healing, for the eventual rung:
	// replica name → key → value (see CheckEventual). Nil leaves the
	// eventual rung unknown.
	Final map[string]map[string]string
	// Quiescence is the time from which reads must return the final state.
	Quiescence int64
}

// LadderResult is a history's place on the ladder.
type LadderResult struct {
	// Strongest is the strongest rung proven to hold: Linearizable,
	// Sequential, Causal, Session (all four session guarantees), or
	// Eventual; empty when none holds. A rung above it may be unknown
	// rather than broken: see Results.
	Strongest Model
	// Results has one entry per model of Models(), in that order. A rung
	// implied by a stronger one that holds is ok without being checked,
	// and says so in Reason.
	Results []Result
}

// Result returns the result for m; for Session, the four session
// guarantees combined (illegal with the smallest anomaly if any breaks,
// else unknown if any is unknown, else ok).
func (l LadderResult) Result(m Model) Result {
	if m == Session {
		out := Result{Model: Session, Verdict: checker.VerdictOK}
		for _, s := range sessionModels {
			r := l.Result(s)
			switch {
			case r.Verdict == checker.VerdictIllegal:
				if out.Verdict != checker.VerdictIllegal || len(r.Anomaly.Steps) < len(out.Anomaly.Steps) {
					out.Verdict, out.Anomaly, out.Reason, out.Err = r.Verdict, r.Anomaly, string(s)+" broken", nil
				}
			case r.Verdict == checker.VerdictUnknown && out.Verdict == checker.VerdictOK:
				out.Verdict, out.Reason, out.Err = r.Verdict, string(s)+": "+r.Reason, r.Err
			}
		}
		return out
	}
	for _, r := range l.Results {
		if r.Model == m {
			return r
		}
	}
	return Result{Model: m, Verdict: checker.VerdictUnknown, Reason: fmt.Sprintf("%s is not on the ladder", m)}
}

// String lists the strongest rung and every result.
func (l LadderResult) String() string {
	s := fmt.Sprintf("strongest: %s", l.Strongest)
	if l.Strongest == "" {
		s = "strongest: none"
	}
	for _, r := range l.Results {
		s += "\n" + r.String()
	}
	return s
}

// Ladder judges a history against every model, strongest first. Once a
// rung holds, the rungs it implies hold too and are not checked (see
// Model.Implies); eventual convergence is always checked on its own.
func Ladder(h []Op, opts Options) LadderResult {
	var out LadderResult
	if err := validateHistory(h); err != nil {
		for _, m := range Models() {
			out.Results = append(out.Results, Result{Model: m, Verdict: checker.VerdictUnknown, Err: err})
		}
		return out
	}
	ix := buildIndex(h)
	results := map[Model]Result{}
	var holds Model
	for _, m := range Models() {
		if m == Eventual {
			results[m] = checkEventual(ix, opts.Final, opts.Quiescence)
			continue
		}
		if holds != "" && holds.Implies(m) {
			results[m] = Result{Model: m, Verdict: checker.VerdictOK, Reason: "implied by " + string(holds)}
			continue
		}
		r := check(ix, m, opts)
		results[m] = r
		if r.OK() && holds == "" && (m == Linearizable || m == Sequential || m == Causal) {
			holds = m
		}
	}
	for _, m := range Models() {
		out.Results = append(out.Results, results[m])
	}
	switch {
	case holds != "":
		out.Strongest = holds
	case out.Result(Session).OK():
		out.Strongest = Session
	case results[Eventual].OK():
		out.Strongest = Eventual
	}
	return out
}

// Check judges a history against one model (Session checks the four
// session guarantees and combines them as LadderResult.Result does).
func Check(m Model, h []Op, opts Options) Result {
	if err := validateHistory(h); err != nil {
		return Result{Model: m, Verdict: checker.VerdictUnknown, Err: err}
	}
	ix := buildIndex(h)
	if m == Session {
		var l LadderResult
		for _, s := range sessionModels {
			l.Results = append(l.Results, check(ix, s, opts))
		}
		return l.Result(Session)
	}
	return check(ix, m, opts)
}

func check(ix *index, m Model, opts Options) Result {
	switch m {
	case Linearizable:
		return checkLinearizable(ix, opts.Budget)
	case Sequential:
		return checkSequential(ix, newMeter(opts.Budget))
	case Causal:
		return checkCausal(ix, newMeter(opts.Budget))
	case ReadYourWrites, MonotonicReads, MonotonicWrites, WritesFollowReads:
		return checkSession(ix, m, newMeter(opts.Budget))
	case Eventual:
		return checkEventual(ix, opts.Final, opts.Quiescence)
	}
	return Result{Model: m, Verdict: checker.VerdictUnknown, Err: fmt.Errorf("%w %q", ErrUnknownModel, m)}
}
