package checker

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/anishathalye/porcupine"
)

// The reference: porcupine's own search over the plain KV model, which is
// what CheckKV used before it had a budget. Tests compare CheckKV with it
// on histories small enough for porcupine to decide without a time limit.

var refModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := make(map[string][]porcupine.Operation)
		for _, op := range history {
			k := op.Input.(*kvInput).key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, k := range slices.Sorted(maps.Keys(byKey)) {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in, out := input.(*kvInput), output.(*kvOutput)
		switch in.kind {
		case OpGet:
			return out.unknown || out.value == state.(string), state
		case OpPut:
			return true, in.value
		case OpAppend:
			return true, state.(string) + in.value
		}
		panic(fmt.Sprintf("op kind %q", in.kind))
	},
	Equal: func(a, b any) bool { return a.(string) == b.(string) },
	Hash: func(s any) uint64 {
		h := uint64(14695981039346656037)
		for _, c := range []byte(s.(string)) {
			h = (h ^ uint64(c)) * 1099511628211
		}
		return h
	},
}

// porcupineVerdict checks history with porcupine and no time limit: only
// for small histories.
func porcupineVerdict(history []Op) Verdict {
	var ops []porcupine.Operation
	for _, op := range history {
		if op.Outcome == OutcomeFailed {
			continue
		}
		p := porcupine.Operation{
			Input:  &kvInput{kind: op.Kind, key: op.Key, value: op.Value},
			Call:   op.Call,
			Output: &kvOutput{value: op.Output},
			Return: op.Return,
		}
		if op.Outcome == OutcomeIndeterminate {
			p.Output, p.Return = &kvOutput{unknown: true}, math.MaxInt64
		}
		ops = append(ops, p)
	}
	if porcupine.CheckOperations(refModel, ops) {
		return VerdictOK
	}
	return VerdictIllegal
}
