package checker

import "fmt"

// replay checks that order (positions in ops) is a linearization of ops:
// each op once, no op before one that returned before it was called, and
// every ok get returning the state it sees. Ops that never took effect are
// last in an order, where an indeterminate write changes nothing that any
// read sees and an indeterminate get fits anything.
//
// CheckKV replays every linearization it finds before it reports ok, so an
// ok verdict rests on a witness checked by the plain sequential model, not
// on the reasoning of the path that found it.
func replay(ops []kop, order []int32) error {
	if len(order) != len(ops) {
		return fmt.Errorf("%d ops ordered, want %d", len(order), len(ops))
	}
	placed := make([]bool, len(ops))
	var state []byte
	latest := int64(-1 << 63) // the latest call so far
	for i, p := range order {
		if p < 0 || int(p) >= len(ops) || placed[p] {
			return fmt.Errorf("order[%d]: op %d out of range or repeated", i, p)
		}
		placed[p] = true
		o := &ops[p]
		latest = max(latest, o.call)
		if latest > o.ret {
			return fmt.Errorf("order[%d]: ops[%d] returned at %d, before an op ordered earlier was called at %d", i, o.idx, o.ret, latest)
		}
		switch o.kind {
		case kopGet:
			if !o.indet && o.output != string(state) {
				return fmt.Errorf("order[%d]: ops[%d] read %q where the state is %q", i, o.idx, o.output, state)
			}
		case kopPut:
			state = append(state[:0], o.value...)
		case kopAppend:
			state = append(state, o.value...)
		}
	}
	return nil
}
