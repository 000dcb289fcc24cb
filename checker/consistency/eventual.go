package consistency

import (
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/checker"
)

// CheckEventual reports whether the history converged (Vogels 2009; Bailis
// & Ghodsi 2013): final holds each replica's state after healing (replica
// name → key → value; a missing key is ""; a key holding siblings is
// written with EncodeSiblings). Eventual convergence holds when every
// replica holds the same state, that state is one the writes can produce
// (no phantom value, no failed write, no write applied twice, and when no
// put starts it, every acknowledged write of the key is in it: nothing
// could have overwritten one), and every ok read that began at or after
// quiescence returned it. Reads before
// quiescence are not judged: eventual consistency promises nothing about
// them. With no replicas given the verdict is unknown.
func CheckEventual(h []Op, final map[string]map[string]string, quiescence int64) Result {
	if err := validateHistory(h); err != nil {
		return Result{Model: Eventual, Verdict: checker.VerdictUnknown, Err: err}
	}
	return checkEventual(buildIndex(h), final, quiescence)
}

func checkEventual(ix *index, final map[string]map[string]string, quiescence int64) Result {
	h := ix.h
	if len(final) == 0 {
		return unknown(Eventual, "no final replica states given")
	}
	replicas := sortedKeys(final)
	keySet := map[string]bool{}
	for _, r := range replicas {
		for k := range final[r] {
			keySet[k] = true
		}
	}
	for _, k := range ix.keys {
		keySet[k] = true
	}
	keys := sortedKeys(keySet)
	state := map[string][]string{} // the converged state, as sorted value sets
	for _, k := range keys {
		var first []string
		for i, r := range replicas {
			vs, err := ParseOutput(final[r][k])
			if err != nil {
				return Result{Model: Eventual, Verdict: checker.VerdictUnknown, Err: fmt.Errorf("final state of replica %s, key %s: %w", r, k, err)}
			}
			if i == 0 {
				first = vs
				continue
			}
			if !slices.Equal(first, vs) {
				a := &Anomaly{Kind: KindDivergence, Key: k,
					Summary: fmt.Sprintf("after healing, replica %s holds %s = %s but replica %s holds %s", replicas[0], k, quoteShort(EncodeSiblings(first)), r, quoteShort(EncodeSiblings(vs)))}
				return illegal(Eventual, a)
			}
		}
		state[k] = first
	}
	// The converged state must be one the writes produce.
	kws := ix.keyWritesAll()
	for _, k := range keys {
		if _, bad := ix.ambiguous[k]; bad {
			continue
		}
		kw, known := kws[k]
		for _, v := range state[k] {
			if !known {
				if v != "" {
					return illegal(Eventual, &Anomaly{Kind: KindBadFinalState, Key: k,
						Summary: fmt.Sprintf("every replica holds %s = %s, but nothing ever wrote %s", k, quoteShort(v), k)})
				}
				continue
			}
			c, count, _ := kw.parse(v, nil)
			switch {
			case count == 0:
				return illegal(Eventual, &Anomaly{Kind: KindBadFinalState, Key: k,
					Summary: fmt.Sprintf("every replica holds %s = %s, which no sequence of writes to %s produces", k, quoteShort(v), k)})
			case count > 1:
				continue // ambiguous: cannot judge
			}
			seen := map[int32]bool{}
			for _, w := range c.members() {
				if h[w].Outcome == checker.OutcomeFailed {
					return illegal(Eventual, newAnomaly(h, KindBadFinalState, k,
						fmt.Sprintf("every replica holds %s = %s, which contains the value of ops[%d], a failed write", k, quoteShort(v), w)).
						step(int(w), "failed, yet its value is in the final state").build())
				}
				if seen[w] {
					return illegal(Eventual, newAnomaly(h, KindBadFinalState, k,
						fmt.Sprintf("every replica holds %s = %s, which applied ops[%d] twice", k, quoteShort(v), w)).
						step(int(w), "applied twice in the final state").build())
				}
				seen[w] = true
			}
			if c.head < 0 && len(state[k]) == 1 {
				// No put in the converged value: nothing overwrote any
				// acknowledged write, so each must be in it.
				var ws []int32
				if ki := ix.keyIndex(k); ki >= 0 {
					ws = ix.writes[ki]
				}
				for _, w := range ws {
					if h[w].Outcome == checker.OutcomeOK && !seen[w] {
						return illegal(Eventual, newAnomaly(h, KindLostUpdate, k,
							fmt.Sprintf("every replica holds %s = %s, which lacks ops[%d], an acknowledged write no put overwrote: it was lost", k, quoteShort(v), w)).
							step(int(w), "acknowledged, but missing from the final state").build())
					}
				}
			}
		}
	}
	// Reads after quiescence return the converged state.
	for i, o := range h {
		if o.Kind != checker.OpGet || o.Outcome != checker.OutcomeOK || o.Call < quiescence {
			continue
		}
		vs := slices.Sorted(slices.Values(o.Values))
		if !slices.Equal(vs, state[o.Key]) {
			return illegal(Eventual, newAnomaly(h, KindNotConverged, o.Key,
				fmt.Sprintf("ops[%d] began at %d, at or after quiescence at %d, but did not return %s = %s, which every replica holds", i, o.Call, quiescence, o.Key, quoteShort(EncodeSiblings(state[o.Key])))).
				step(i, "returned a value other than the final state").build())
		}
	}
	return ok(Eventual)
}

// keyWritesAll maps each key to its writes' values, for parsing a final
// state (every write, whatever its outcome, so that a failed one is named).
func (ix *index) keyWritesAll() map[string]*keyWrites {
	out := map[string]*keyWrites{}
	for i, o := range ix.h {
		if !o.IsWrite() {
			continue
		}
		kw := out[o.Key]
		if kw == nil {
			kw = &keyWrites{puts: map[string]int32{}, apps: map[string]int32{}}
			out[o.Key] = kw
		}
		if o.Kind == checker.OpPut {
			kw.puts[o.Value] = int32(i)
		} else {
			kw.apps[o.Value] = int32(i)
		}
	}
	for _, kw := range out {
		kw.putLens, kw.appLens = valueLens(kw.puts), valueLens(kw.apps)
	}
	return out
}

// keyIndex is the id of key k, -1 if no op uses it.
func (ix *index) keyIndex(k string) int {
	i, found := slices.BinarySearch(ix.keys, k)
	if !found {
		return -1
	}
	return i
}
