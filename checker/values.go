package checker

import "math/bits"

// valueTable maps the non-empty values written to a key to the positions
// of their writes: a map[string][]int32 that hashes a value once whether it
// finds it or finds where it goes. Values are short ("c1.7"), so a
// byte-at-a-time hash beats the runtime map's hash and its probing, which
// were a tenth of a unique-values check. The table is open-addressed with
// linear probing and never more than half full, so a search ends at a free
// slot soon; its slots' order depends on the values alone.
type valueTable struct {
	slots []valueSlot // a power of two long
	shift uint        // 64 - log2(len(slots)): a hash's top bits pick its slot
	count int         // the slots in use
	// firsts holds each value's first write, in the order values were
	// added: a value written once (nearly every value) has its list there,
	// one int32, rather than a slice header in its slot.
	firsts []int32
	// repeats holds the lists of the values written more than once.
	repeats [][]int32
}

// valueSlot holds one value and where its writes are: firsts[first], or
// repeats[repeat-1] once it has more than one. A free slot has value "",
// which is never a value. 24 bytes: the table is four times as long as
// its values, so a slice header here was most of its memory.
type valueSlot struct {
	value  string
	first  int32
	repeat int32 // 0: written once
}

// newValueTable returns a table for up to n values.
func newValueTable(n int) valueTable {
	size := max(8, 1<<bits.Len(uint(2*n)))
	return valueTable{slots: make([]valueSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size))), firsts: make([]int32, 0, n)}
}

// slot returns the slot holding value v, or the free slot where v would go.
// The table must not be full, which newValueTable's size ensures for the
// values it was sized for.
func (t *valueTable) slot(v string) *valueSlot {
	mask := len(t.slots) - 1
	i := int(hashValue(v) >> t.shift)
	for {
		s := &t.slots[i]
		if s.value == v || s.value == "" {
			return s
		}
		i = (i + 1) & mask
	}
}

// add appends write p to the list of value v (non-empty) and reports
// whether v is new to the table.
func (t *valueTable) add(v string, p int32) (added bool) {
	s := t.slot(v)
	switch {
	case s.value == "":
		*s = valueSlot{value: v, first: int32(len(t.firsts))}
		t.firsts = append(t.firsts, p)
		t.count++
		return true
	case s.repeat == 0:
		t.repeats = append(t.repeats, []int32{t.firsts[s.first], p})
		s.repeat = int32(len(t.repeats))
	default:
		t.repeats[s.repeat-1] = append(t.repeats[s.repeat-1], p)
	}
	return false
}

// writes returns the list of the value in s, a slot in use.
func (t *valueTable) writes(s *valueSlot) []int32 {
	if s.repeat > 0 {
		return t.repeats[s.repeat-1]
	}
	return t.firsts[s.first : s.first+1 : s.first+1]
}

// get returns the writes of value v, and whether there are any.
func (t *valueTable) get(v string) ([]int32, bool) {
	s := t.slot(v)
	if s.value == "" {
		return nil, false
	}
	return t.writes(s), true
}

// each calls fn with the writes of each value, in the table's order.
func (t *valueTable) each(fn func(writes []int32)) {
	for i := range t.slots {
		if t.slots[i].value != "" {
			fn(t.writes(&t.slots[i]))
		}
	}
}

// hashValue is FNV-1a, a multiply per byte, which for the few bytes of a
// value is cheaper than the runtime's string hash with its call; then a
// multiply by the golden ratio, as FNV leaves its top bits, which pick
// the slot, nearly blind to the last bytes ("c1.7", "c1.8").
func hashValue(v string) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range []byte(v) {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return (h ^ h>>29) * 0x9e3779b97f4a7c15
}
