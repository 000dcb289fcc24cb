package checker

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/anishathalye/porcupine"
)

// kvInput is what a client asked for. Inputs and outputs travel through
// porcupine as pointers into one slice each: boxing a struct into an
// interface would allocate once per op, and a check sees each op many times.
type kvInput struct {
	kind  OpKind
	key   string
	value string
	boxed any // value, boxed once, so that a put's new state costs nothing
}

// kvOutput is what the client saw. unknown marks an indeterminate op: the
// model must accept it in any state, because the client never observed it.
type kvOutput struct {
	value   string
	unknown bool
}

// kvModel is the sequential specification of one key (state: its string
// value). The partition by key is what keeps the NP-complete search
// tractable: cost is exponential in concurrency within a partition only.
var kvModel = porcupine.Model{
	Partition: partitionByKey,
	Init:      func() any { return "" },
	Step:      kvStep,
	// Porcupine memoizes (linearized set, state) pairs. Without Hash, every
	// state reached with the same set lands in one bucket and is compared
	// one by one; Equal is spelled out so a change of state type cannot
	// fall back to == on something uncomparable.
	Equal:                     func(a, b any) bool { return a.(string) == b.(string) },
	Hash:                      func(s any) uint64 { return fnv64(s.(string)) },
	DescribeOperation:         describeOperation,
	DescribeState:             func(s any) string { return quoteShort(s.(string)) },
	DescribeOperationMetadata: func(m any) string { s, _ := m.(string); return s },
}

// kvModelOneKey is for histories already split by key, so that porcupine
// does not split each one again.
var kvModelOneKey = func() porcupine.Model {
	m := kvModel
	m.Partition = nil
	return m
}()

func kvStep(state, input, output any) (bool, any) {
	in, out := input.(*kvInput), output.(*kvOutput)
	switch in.kind {
	case OpGet:
		return out.unknown || out.value == state.(string), state
	case OpPut:
		// An indeterminate put is accepted too. Porcupine tries it at
		// every point after its call; linearizing it after everything
		// else (its return is at +inf) is the case where it never
		// took effect.
		return true, in.boxed
	case OpAppend:
		return true, state.(string) + in.value
	}
	panic(fmt.Sprintf("checker: op kind %q passed validation", in.kind))
}

// partitionByKey splits a history into one sub-history per key, in sorted
// key order so that the HTML (and anything else that lists partitions) is the
// same on every run.
func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	count := make(map[string]int)
	for _, op := range history {
		count[op.Input.(*kvInput).key]++
	}
	keys := slices.Sorted(maps.Keys(count))
	index := make(map[string]int, len(keys))
	out := make([][]porcupine.Operation, len(keys))
	for i, k := range keys {
		index[k] = i
		out[i] = make([]porcupine.Operation, 0, count[k])
	}
	for _, op := range history {
		i := index[op.Input.(*kvInput).key]
		out[i] = append(out[i], op)
	}
	return out
}

// toPorcupine converts the ops that take part in the check (failed ones do
// not: the system did not apply them). lanes, when given, places each op on
// a row of the HTML and adds the descriptions only the HTML shows.
func toPorcupine(history []Op, lanes []int) []porcupine.Operation {
	n := 0
	for _, op := range history {
		if op.Outcome != OutcomeFailed {
			n++
		}
	}
	ops := make([]porcupine.Operation, 0, n)
	inputs := make([]kvInput, 0, n)
	outputs := make([]kvOutput, 0, n)
	for i, op := range history {
		if op.Outcome == OutcomeFailed {
			continue
		}
		in := kvInput{kind: op.Kind, key: op.Key, value: op.Value}
		if op.Kind == OpPut {
			in.boxed = op.Value
		}
		inputs = append(inputs, in)
		outputs = append(outputs, kvOutput{value: op.Output})
		p := porcupine.Operation{
			Input:  &inputs[len(inputs)-1],
			Call:   op.Call,
			Output: &outputs[len(outputs)-1],
			Return: op.Return,
		}
		if op.Outcome == OutcomeIndeterminate {
			// Never returning makes the op concurrent with everything
			// after its call, which is exactly "may have happened".
			outputs[len(outputs)-1] = kvOutput{unknown: true}
			p.Return = math.MaxInt64
		}
		if lanes != nil {
			p.ClientId = lanes[i]
			p.Metadata = fmt.Sprintf("client %s, ops[%d]", op.Client, i)
			if op.Outcome == OutcomeIndeterminate {
				p.Metadata = fmt.Sprintf("client %s, ops[%d], indeterminate: never returned", op.Client, i)
			}
		}
		ops = append(ops, p)
	}
	return ops
}

func describeOperation(input, output any) string {
	in, out := input.(*kvInput), output.(*kvOutput)
	call := describeCall(in)
	switch {
	case out.unknown:
		return call + " -> ?"
	case in.kind == OpGet:
		return call + " -> " + quoteShort(out.value)
	}
	return call
}

func describeCall(in *kvInput) string {
	if in.kind == OpGet {
		return fmt.Sprintf("get(%s)", in.key)
	}
	return fmt.Sprintf("%s(%s, %s)", in.kind, in.key, quoteShort(in.value))
}

// quoteShort keeps long append chains from bloating the HTML.
func quoteShort(s string) string {
	const limit = 48
	if utf8.RuneCountInString(s) <= limit {
		return fmt.Sprintf("%q", s)
	}
	r := []rune(s)
	return fmt.Sprintf("%q…(%d bytes)", string(r[:limit]), len(s))
}

// fnv64 is FNV-1a, inlined so that hashing a state does not allocate.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
