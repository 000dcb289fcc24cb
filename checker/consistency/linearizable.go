package consistency

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/checker"
)

// kvCheck is the one place that calls checker.CheckKV.
var kvCheck = func(ops []checker.Op, b Budget) checker.Result {
	return checker.CheckKV(ops, b.linearizability())
}

// CheckLinearizable reports whether the history is linearizable (Herlihy &
// Wing 1990) with respect to a single-copy KV store. The verdict is
// checker.CheckKV's (porcupine, per key), with two shortcuts that are
// proofs, never guesses: a stale read, a lost update or a read from the
// future found by a cheap scan settles illegal before porcupine runs (its
// search for an illegal key is the expensive case), and when porcupine runs
// out of time on a key, a cycle of necessary order constraints (real time,
// reads-from, and what each read's value rules out) still settles illegal.
// The anomaly is the pattern, else that cycle. A sibling read is never
// linearizable.
func CheckLinearizable(h []Op, b Budget) Result {
	if err := validateHistory(h); err != nil {
		return Result{Model: Linearizable, Verdict: checker.VerdictUnknown, Err: err}
	}
	return checkLinearizable(buildIndex(h), b)
}

func checkLinearizable(ix *index, b Budget) Result {
	if len(ix.siblings) > 0 {
		return illegal(Linearizable, siblingAnomaly(ix, ix.siblings[0]))
	}
	// The patterns are cheap, and each one is a proof (a property test
	// holds them to porcupine's verdict), so a history with a stale read
	// is settled without porcupine's exhaustive search for illegal keys.
	for k := range ix.keys {
		if _, bad := ix.ambiguous[ix.keys[k]]; bad {
			continue
		}
		if a := ix.validityOf[ix.keys[k]]; a != nil {
			return illegal(Linearizable, a)
		}
		if a := linPatterns(ix, int32(k)); a != nil {
			return illegal(Linearizable, a)
		}
	}
	res := kvCheck(ToChecker(ix.h), b)
	if res.Err != nil {
		return Result{Model: Linearizable, Verdict: checker.VerdictUnknown, Err: res.Err}
	}
	m := newMeter(b)
	keyID := map[string]int32{}
	for i, k := range ix.keys {
		keyID[k] = int32(i)
	}
	switch res.Verdict {
	case checker.VerdictOK:
		return ok(Linearizable)
	case checker.VerdictIllegal:
		var best *Anomaly
		for i, k := range res.IllegalKeys {
			if i == 8 && best != nil {
				break // enough keys looked at for a small proof
			}
			a := linAnomaly(ix, keyID[k], m)
			if a == nil {
				a = &Anomaly{Kind: KindNoOrder, Key: k, Summary: fmt.Sprintf("porcupine found no linearization of the operations on key %s; no short proof was found", k)}
				if ops := keyOps(ix, k); len(ops) <= 20 {
					a = newAnomaly(ix.h, KindNoOrder, k, a.Summary).build()
					for _, i := range ops {
						a.Steps = append(a.Steps, Step{Index: i, Op: ix.h[i]})
					}
				}
			}
			if best == nil || (len(a.Steps) > 0 && (len(best.Steps) == 0 || len(a.Steps) < len(best.Steps))) {
				best = a
			}
		}
		return illegal(Linearizable, best)
	}
	// Unknown: a proof from the constraint graph still settles it.
	for _, k := range res.UnknownKeys {
		if _, bad := ix.ambiguous[k]; bad {
			continue
		}
		if a := linAnomaly(ix, keyID[k], m); a != nil {
			return illegal(Linearizable, a)
		}
	}
	return unknown(Linearizable, "the linearizability search ran out of its budget of %d steps on key %s", res.Budget, strings.Join(res.UnknownKeys, ", "))
}

func keyOps(ix *index, k string) []int {
	var out []int
	for i, o := range ix.h {
		if o.Key == k && o.Outcome != checker.OutcomeFailed {
			out = append(out, i)
		}
	}
	return out
}

// linAnomaly looks for a proof that key k is not linearizable: an invalid
// value, then the simple real-time patterns, then a cycle of the saturated
// single-copy graph with real-time edges. nil if none is found.
func linAnomaly(ix *index, k int32, m *meter) *Anomaly {
	if _, bad := ix.ambiguous[ix.keys[k]]; bad {
		return nil
	}
	if a := ix.validityOf[ix.keys[k]]; a != nil {
		return a
	}
	if a := linPatterns(ix, k); a != nil {
		return a
	}
	bl, fork := buildBlocks(ix, func(key int32) bool { return key == k })
	if fork != nil {
		return fork
	}
	s := newSingleCopy(ix, bl, false, true)
	if cycle, ok := s.saturate(m); ok && cycle != nil {
		return s.explainCycle(Linearizable, cycle, m)
	}
	return nil
}

// linPatterns finds the two- to four-operation proofs: a read that
// returned before a write it saw was invoked (future read), and a read that
// began after a write w completed yet lacks w, although no put in its value
// could have overwritten w (stale read; a lost update when an append
// invoked after w completed is in the value).
func linPatterns(ix *index, k int32) *Anomaly {
	h := ix.h
	key := ix.keys[k]
	for i := range h {
		r := int32(i)
		if ix.key[r] != k || !ix.isRead(r) {
			continue
		}
		c := ix.reads[r][0]
		for _, w := range c.members() {
			if h[r].Return < h[w].Call {
				return newAnomaly(h, KindFutureRead, key,
					fmt.Sprintf("ops[%d] returned the value of ops[%d] before ops[%d] was invoked", r, w, w)).
					step(i, "completed at %d, returning ops[%d]'s value", h[r].Return, w).
					step(int(w), "invoked at %d, after the read completed", h[w].Call).build()
			}
		}
	}
	// The ok writes by completion, so that each read walks only those
	// that completed before it began; chain membership by stamp.
	var done []int32
	for _, w := range ix.writes[k] {
		if h[w].Outcome == checker.OutcomeOK {
			done = append(done, w)
		}
	}
	slices.SortStableFunc(done, func(a, b int32) int { return cmp.Compare(h[a].Return, h[b].Return) })
	stamp := make([]int32, len(h))
	for i := range h {
		r := int32(i)
		if ix.key[r] != k || !ix.isRead(r) {
			continue
		}
		c := ix.reads[r][0]
		for _, w := range c.members() {
			stamp[w] = r + 1
		}
		before, _ := slices.BinarySearchFunc(done, h[r].Call, func(w int32, t int64) int { return cmp.Compare(h[w].Return, t) })
		for _, w := range done[:before] {
			if stamp[w] == r+1 {
				continue
			}
			// w completed before r began and r lacks it, so w must have
			// been applied before the put r's value starts with. That is
			// impossible when there is no such put, or when the put
			// completed before w began.
			if c.head >= 0 && (h[c.head].Outcome != checker.OutcomeOK || h[c.head].Return >= h[w].Call) {
				continue
			}
			ab := newAnomaly(h, KindStaleRead, key, "")
			if c.head >= 0 {
				ab.step(int(c.head), "completed at %d", h[c.head].Return)
				ab.step(int(w), "began at %d, after ops[%d] completed; completed at %d", h[w].Call, c.head, h[w].Return)
				ab.a.Summary = fmt.Sprintf("ops[%d] returned a value that starts with ops[%d] and lacks ops[%d], which came after ops[%d] and completed before the read began", r, c.head, w, c.head)
			} else {
				ab.step(int(w), "completed at %d", h[w].Return)
				ab.a.Summary = fmt.Sprintf("ops[%d] began after ops[%d] completed, yet returned a value without it that starts with no put that could have overwritten it", r, w)
				if len(c.apps) == 0 {
					ab.a.Summary = fmt.Sprintf("ops[%d] began after ops[%d] completed, yet returned the initial value", r, w)
				}
			}
			for _, a := range c.apps {
				if h[w].Kind == checker.OpAppend && h[a].Call > h[w].Return {
					// A later append survived where w did not.
					ab.a.Kind = KindLostUpdate
					ab.step(int(a), "invoked at %d, after ops[%d] completed, and seen by the read", h[a].Call, w)
					ab.a.Summary += fmt.Sprintf("; ops[%d], invoked after ops[%d] completed, is in the value: ops[%d] was lost", a, w, w)
					break
				}
			}
			ab.step(i, "began at %d, after ops[%d] completed, and returned %s", h[r].Call, w, quoteShort(h[r].Values[0]))
			return ab.build()
		}
	}
	return nil
}
