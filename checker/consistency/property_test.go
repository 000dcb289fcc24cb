package consistency

import (
	"slices"
	"testing"

	"github.com/dsimlab/dsim/checker"
	"pgregory.net/rapid"
)

var testBudget = Budget{}

// TestImplications: on random small histories, the rungs nest as the
// package doc claims: linearizable ⇒ sequential ⇒ causal ⇒ every session
// guarantee. Each checker runs on its own (no shortcut through Ladder).
func TestImplications(t *testing.T) {
	counts := map[string]int{}
	rapid.Check(t, func(t *rapid.T) {
		h := genStore(t, 10)
		v := map[Model]checker.Verdict{}
		for _, m := range Models() {
			if m == Eventual {
				continue
			}
			var r Result
			switch m {
			case Linearizable:
				r = CheckLinearizable(h, testBudget)
			case Sequential:
				r = CheckSequential(h, testBudget)
			case Causal:
				r = CheckCausal(h, testBudget)
			default:
				r = checkSessionModel(h, m, testBudget)
			}
			if r.Err != nil {
				t.Fatalf("%s: %v", m, r.Err)
			}
			if r.Verdict == checker.VerdictUnknown {
				t.Fatalf("%s: unknown on a tiny history: %s", m, r.Reason)
			}
			if (r.Verdict == checker.VerdictIllegal) != (r.Anomaly != nil) {
				t.Fatalf("%s: verdict %s with anomaly %v", m, r.Verdict, r.Anomaly)
			}
			v[m] = r.Verdict
			counts[string(m)+"="+string(r.Verdict)]++
		}
		for _, m := range Models() {
			for _, n := range Models() {
				if m != n && m.Implies(n) && v[m] == checker.VerdictOK && v[n] != checker.VerdictOK {
					t.Fatalf("%s holds but %s is %s\n%v", m, n, v[n], h)
				}
			}
		}
	})
	t.Log(counts)
}

// TestSequentialAgreesWithBruteForce compares the checker with trying every
// interleaving.
func TestSequentialAgreesWithBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := genStoreWith(t, 8, rapid.IntRange(1, 3).Draw(t, "min replicas"))
		want := bruteSequential(h)
		got := CheckSequential(h, testBudget)
		if got.OK() != want {
			t.Fatalf("checker says %s, brute force says %v\n%s\nhistory: %#v", got.Verdict, want, got, h)
		}
	})
}

func TestCausalAgreesWithBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := genStoreWith(t, 7, rapid.IntRange(1, 3).Draw(t, "min replicas"))
		want := bruteCausal(h)
		got := CheckCausal(h, testBudget)
		if got.OK() != want {
			t.Fatalf("checker says %s, brute force says %v\n%s\nhistory: %#v", got.Verdict, want, got, h)
		}
	})
}

func TestSessionGuaranteesAgreeWithBruteForce(t *testing.T) {
	for _, m := range sessionModels {
		t.Run(string(m), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				h := genStoreWith(t, 7, rapid.IntRange(1, 3).Draw(t, "min replicas"))
				want := bruteSession(h, m)
				got := checkSessionModel(h, m, testBudget)
				if got.OK() != want {
					t.Fatalf("checker says %s, brute force says %v\n%s\nhistory: %#v", got.Verdict, want, got, h)
				}
			})
		})
	}
}

// TestSequentialPhasesAgreeWithBruteForce checks the slower paths of the
// sequential checker on their own: saturation and the guessed total order
// without the short searches, and the full search without the guess.
func TestSequentialPhasesAgreeWithBruteForce(t *testing.T) {
	for name, ph := range map[string]seqPhases{
		"saturate+extend": {noShort: true},
		"saturate+search": {noShort: true, noExtend: true},
	} {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				h := genStoreWith(t, 8, rapid.IntRange(1, 3).Draw(t, "min replicas"))
				want := bruteSequential(h)
				got := checkSequentialWith(buildIndex(h), newMeter(testBudget), ph)
				if got.OK() != want {
					t.Fatalf("checker says %s, brute force says %v\n%s\nhistory: %#v", got.Verdict, want, got, h)
				}
			})
		})
	}
}

// TestLinearizabilityProofsAreSound: whenever this package finds a proof
// that a key is not linearizable (a pattern or a cycle of necessary
// constraints), porcupine must agree that the key is illegal.
func TestLinearizabilityProofsAreSound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := genStoreWith(t, 10, rapid.IntRange(1, 3).Draw(t, "min replicas"))
		ix := buildIndex(h)
		if len(ix.siblings) > 0 {
			return
		}
		res := checker.CheckKV(ToChecker(h), testBudget.Linearizability)
		for k, key := range ix.keys {
			a := linAnomaly(ix, int32(k), newMeter(testBudget))
			if a != nil && !slices.Contains(res.IllegalKeys, key) {
				t.Fatalf("proof on key %s that porcupine does not confirm (%s):\n%s", key, res.Verdict, a)
			}
		}
	})
}
