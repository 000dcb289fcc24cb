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
}

// valueSlot holds one value and its writes; a free slot has value "",
// which is never a value.
type valueSlot struct {
	value  string
	writes []int32
}

// newValueTable returns a table for up to n values.
func newValueTable(n int) valueTable {
	size := max(8, 1<<bits.Len(uint(2*n)))
	return valueTable{slots: make([]valueSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
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

// get returns the writes of value v, and whether there are any.
func (t *valueTable) get(v string) ([]int32, bool) {
	s := t.slot(v)
	return s.writes, s.value != ""
}

// each calls fn with the writes of each value, in the table's order.
func (t *valueTable) each(fn func(writes []int32)) {
	for i := range t.slots {
		if t.slots[i].value != "" {
			fn(t.slots[i].writes)
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
