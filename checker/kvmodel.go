package checker

import (
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/anishathalye/porcupine"
)

// kvInput is what a client asked for, as porcupine's visualization shows it.
type kvInput struct {
	kind  OpKind
	key   string
	value string
}

// kvOutput is what the client saw. unknown marks an indeterminate op.
type kvOutput struct {
	value   string
	unknown bool
}

// replayInput is an op drawn by WriteHTML, with its place in the order the
// check found.
type replayInput struct {
	kvInput
	pos   int  // its place in the key's order; -1: not in it
	never bool // ordered after every op that had to take effect
}

// replayState is the place reached in a key's order and the key's value
// there.
type replayState struct {
	pos   int
	value string
}

// replayModel lets porcupine lay out an order the check already found: it
// accepts exactly the next op of the order, so porcupine's search follows
// that order and never branches. An op that never needed to take effect is
// drawn at the end of the order without changing the value.
var replayModel = porcupine.Model{
	Partition: partitionDrawn,
	Init:      func() any { return replayState{} },
	Step: func(state, input, _ any) (bool, any) {
		st, in := state.(replayState), input.(*replayInput)
		if in.pos != st.pos {
			return false, state
		}
		v := st.value
		if !in.never {
			switch in.kind {
			case OpPut:
				v = in.value
			case OpAppend:
				v += in.value
			}
		}
		return true, replayState{pos: st.pos + 1, value: v}
	},
	Equal: func(a, b any) bool { return a.(replayState).pos == b.(replayState).pos },
	Hash:  func(s any) uint64 { return uint64(s.(replayState).pos) },
	DescribeOperation: func(input, output any) string {
		return describeOperation(&input.(*replayInput).kvInput, output.(*kvOutput))
	},
	DescribeState:             func(s any) string { return quoteShort(s.(replayState).value) },
	DescribeOperationMetadata: func(m any) string { s, _ := m.(string); return s },
}

// partitionDrawn splits the drawn ops by key, in sorted key order so that
// the HTML is the same on every run.
func partitionDrawn(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := make(map[string][]porcupine.Operation)
	for _, op := range history {
		k := op.Input.(*replayInput).key
		byKey[k] = append(byKey[k], op)
	}
	out := make([][]porcupine.Operation, 0, len(byKey))
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		out = append(out, byKey[k])
	}
	return out
}

func describeOperation(in *kvInput, out *kvOutput) string {
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
