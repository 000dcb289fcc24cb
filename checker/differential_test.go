package checker

import (
	"cmp"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// drawHistory draws a small history that porcupine decides in milliseconds:
// up to 12 ops over one or two keys, some indeterminate, some failed. It is
// built linearizable (each op that takes effect gets a point in its
// interval, indeterminate ones possibly late or never, and reads return the
// state at their point) and then maybe broken by up to two mutations: a
// read returns a state from another point, or a value nobody wrote; an
// interval moves; a write's outcome flips between ok and failed. About
// half come out illegal.
//
// With unique, values are dsim's "c1.7"; otherwise they come from a small
// set that repeats and concatenates ambiguously ("a", "b", "ab", ""), so
// that the search path gets them.
func drawHistory(t *rapid.T, unique bool) []Op {
	keys := rapid.IntRange(1, 2).Draw(t, "keys")
	clients := rapid.IntRange(1, 4).Draw(t, "clients")
	n := rapid.IntRange(0, 12).Draw(t, "ops")
	type planned struct {
		at      int64
		applied bool
	}
	var h []Op
	var plan []planned
	next := make([]int64, clients)
	seq := make([]int, clients)
	pending := 0
	for range n {
		c := rapid.IntRange(0, clients-1).Draw(t, "client")
		seq[c]++
		op := Op{
			Client:  fmt.Sprintf("c%d", c+1),
			Kind:    rapid.SampledFrom([]OpKind{OpGet, OpGet, OpPut, OpAppend}).Draw(t, "kind"),
			Key:     fmt.Sprintf("k%d", rapid.IntRange(1, keys).Draw(t, "key")),
			Call:    next[c] + rapid.Int64Range(0, 4).Draw(t, "think"),
			Outcome: OutcomeOK,
		}
		dur := rapid.Int64Range(0, 8).Draw(t, "duration")
		op.Return = op.Call + dur
		if op.Kind != OpGet {
			if unique {
				op.Value = fmt.Sprintf("%s.%d", op.Client, seq[c])
			} else {
				op.Value = rapid.SampledFrom([]string{"a", "b", "ab", ""}).Draw(t, "value")
			}
		}
		p := planned{at: op.Call + rapid.Int64Range(0, dur).Draw(t, "point"), applied: true}
		switch r := rapid.IntRange(0, 9).Draw(t, "outcome"); {
		case r < 2 && pending < 4:
			pending++
			op.Outcome = OutcomeIndeterminate
			p.applied = rapid.Bool().Draw(t, "applied")
			p.at += rapid.Int64Range(0, 12).Draw(t, "late")
		case r < 3:
			op.Outcome = OutcomeFailed
			p.applied = false
		}
		next[c] = op.Return + 1
		h = append(h, op)
		plan = append(plan, p)
	}
	order := make([]int, len(h))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(plan[a].at, plan[b].at) })
	state := map[string]string{}
	var seen []string // states along the way, for mutations
	for _, i := range order {
		op := &h[i]
		if !plan[i].applied {
			continue
		}
		switch op.Kind {
		case OpGet:
			if op.Outcome == OutcomeOK {
				op.Output = state[op.Key]
			}
		case OpPut:
			state[op.Key] = op.Value
		case OpAppend:
			state[op.Key] += op.Value
		}
		seen = append(seen, state[op.Key])
	}
	for i := range h {
		if h[i].Outcome == OutcomeIndeterminate {
			h[i].Return = 0
		}
	}
	if len(h) == 0 {
		return h
	}
	for range rapid.IntRange(0, 3).Draw(t, "mutations") * 2 {
		var gets, done []int
		for i := range h {
			if h[i].Kind == OpGet && h[i].Outcome == OutcomeOK {
				gets = append(gets, i)
			}
			if h[i].Outcome != OutcomeIndeterminate {
				done = append(done, i)
			}
		}
		switch rapid.IntRange(0, 3).Draw(t, "mutation") {
		case 0: // a read returns another state, or a value nobody wrote
			if len(gets) > 0 {
				op := &h[rapid.SampledFrom(gets).Draw(t, "read")]
				other := []string{"", "zz"}
				for _, v := range seen {
					if v != op.Output {
						other = append(other, v)
					}
				}
				op.Output = rapid.SampledFrom(other).Draw(t, "output")
			}
		case 1: // an op is called later
			if len(done) > 0 {
				op := &h[rapid.SampledFrom(done).Draw(t, "later op")]
				d := rapid.Int64Range(1, 10).Draw(t, "later")
				op.Call, op.Return = op.Call+d, op.Return+d
			}
		case 2: // an op returns sooner
			if len(done) > 0 {
				op := &h[rapid.SampledFrom(done).Draw(t, "sooner op")]
				op.Return = op.Call + rapid.Int64Range(0, op.Return-op.Call).Draw(t, "sooner")
			}
		case 3: // an ok write fails, or a failed one succeeds
			op := &h[rapid.IntRange(0, len(h)-1).Draw(t, "flipped")]
			switch {
			case op.Kind == OpGet:
			case op.Outcome == OutcomeOK:
				op.Outcome = OutcomeFailed
			case op.Outcome == OutcomeFailed:
				op.Outcome = OutcomeOK
			}
		}
	}
	return h
}

// TestAgreesWithPorcupine is the differential test of both paths: on every
// drawn history CheckKV gives porcupine's verdict; each key, put through
// the unique-values path (when it applies) and through the search on its
// own, gives porcupine's verdict for that key; every ok comes with an order
// that replays; every witness is illegal by porcupine, and, when reported
// minimal, turns linearizable by porcupine without any one of its ops.
func TestAgreesWithPorcupine(t *testing.T) {
	// A check takes about 50µs: run enough for rare shapes to come up
	// (-short divides this by 5, which still leaves hundreds).
	atLeast(t, "rapid.checks", 1000)
	verdicts := map[string]int{}
	for _, unique := range []bool{true, false} {
		t.Run(fmt.Sprintf("unique=%v", unique), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				h := drawHistory(t, unique)
				want := porcupineVerdict(h)
				res := CheckKV(h, 0)
				require.NoError(t, res.Err)
				require.Equal(t, want, res.Verdict, "CheckKV against porcupine")
				verdicts[fmt.Sprintf("unique=%v %s", unique, want)]++

				for _, kr := range res.Keys {
					keyHist := onKey(h, kr.Key)
					keyWant := porcupineVerdict(keyHist)
					require.Equal(t, keyWant, kr.Verdict, "key %s", kr.Key)
					ops := keyOps(keyHist, allIndices(keyHist))
					if unique {
						require.Equal(t, MethodUniqueValues, kr.Method, "dsim-style values take the unique-values path")
					}
					if u := parseUnique(ops); u != nil {
						v, order := u.decide(true)
						require.Equal(t, keyWant, v, "unique-values path on key %s", kr.Key)
						if v == VerdictOK {
							require.NoError(t, replay(ops, order))
						}
					}
					v, order, _ := search(ops, 1<<40, true)
					require.Equal(t, keyWant, v, "search on key %s", kr.Key)
					if v == VerdictOK {
						require.NoError(t, replay(ops, order))
					}
					if kr.Verdict == VerdictIllegal {
						checkWitness(t, h, kr)
					}
				}
			})
		})
	}
	// Both verdicts must have come up often on both paths, or the
	// property proved little. About a quarter are illegal.
	for _, k := range []string{"unique=true ok", "unique=true illegal", "unique=false ok", "unique=false illegal"} {
		require.GreaterOrEqual(t, verdicts[k], 20, "%s: %v", k, verdicts)
	}
}

// checkWitness holds kr's witness to what KeyResult promises, by porcupine.
func checkWitness(t require.TestingT, h []Op, kr KeyResult) {
	require.NotEmpty(t, kr.Witness)
	w := pick(h, kr.Witness)
	require.Equal(t, VerdictIllegal, porcupineVerdict(w), "the witness %v is illegal", kr.Witness)
	if !kr.WitnessMinimal {
		return
	}
	// Without any one op (and the reads that saw it) it is linearizable.
	var keyIdx []int32
	for i := range h {
		if h[i].Key == kr.Key {
			keyIdx = append(keyIdx, int32(i))
		}
	}
	ops := keyOps(h, keyIdx)
	pos := map[int32]int32{}
	for p := range ops {
		pos[ops[p].idx] = int32(p)
	}
	sh := &shrinker{ops: ops, method: kr.Method}
	sh.dependencies()
	var set []int32
	for _, i := range kr.Witness {
		set = append(set, pos[int32(i)])
	}
	for _, p := range set {
		rest := sh.without(set, []int32{p})
		var idx []int
		for _, q := range rest {
			idx = append(idx, int(ops[q].idx))
		}
		require.Equal(t, VerdictOK, porcupineVerdict(pick(h, idx)), "witness %v without ops[%d]", kr.Witness, ops[p].idx)
	}
}

func onKey(h []Op, key string) []Op {
	var out []Op
	for _, op := range h {
		if op.Key == key {
			out = append(out, op)
		}
	}
	return out
}

func pick(h []Op, idx []int) []Op {
	out := make([]Op, len(idx))
	for j, i := range idx {
		out[j] = h[i]
	}
	return out
}

func allIndices(h []Op) []int32 {
	idx := make([]int32, len(h))
	for i := range idx {
		idx[i] = int32(i)
	}
	return idx
}

// atLeast raises an integer flag (rapid's) to n for the duration of the
// test, unless it was set higher.
func atLeast(t *testing.T, name string, n int) {
	f := flag.Lookup(name)
	require.NotNil(t, f, "rapid registers -%s", name)
	old := f.Value.String()
	if v, err := strconv.Atoi(old); err == nil && v >= n {
		return
	}
	require.NoError(t, flag.Set(name, strconv.Itoa(n)))
	t.Cleanup(func() { _ = flag.Set(name, old) })
}
