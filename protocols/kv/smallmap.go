package kv

import (
	"slices"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// smallMap is a map for the few keys and clients of most runs: a scan of a
// short slice costs less than hashing a string on every applied request.
// Past smallMapScan entries it keeps a map of positions as well. Its order
// is the order keys were first set, which nothing may depend on: callers
// sort, or go by sorted. It must not be copied once used: a copy shares its
// arrays (and the kept order sorted re-sorts in place) with the original.
// A Machine, which holds two, is only ever handled by pointer.
type smallMap[K ~string, V any] struct {
	keys  []K
	vals  []V
	at    map[K]int // positions, once there are more than smallMapScan keys
	order []int32   // positions in increasing key order, as of len(order) keys (sorted)
}

const smallMapScan = 16

func (m *smallMap[K, V]) find(k K) int {
	if m.at != nil {
		if i, ok := m.at[k]; ok {
			return i
		}
		return -1
	}
	// A client's name or a key is nearly always the very string first set.
	return protocols.IndexOfString(m.keys, k)
}

func (m *smallMap[K, V]) get(k K) (V, bool) {
	if i := m.find(k); i >= 0 {
		return m.vals[i], true
	}
	var zero V
	return zero, false
}

func (m *smallMap[K, V]) set(k K, v V) { *m.slot(k) = v }

// slot returns where k's value is kept, adding k with the zero value when
// absent: a read and a write of one key look it up once. The pointer is
// good until the next key is added.
func (m *smallMap[K, V]) slot(k K) *V {
	if i := m.find(k); i >= 0 {
		return &m.vals[i]
	}
	var zero V
	m.add(k, zero)
	return &m.vals[len(m.vals)-1]
}

// add appends k, which must be absent, with value v.
func (m *smallMap[K, V]) add(k K, v V) {
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
	switch n := len(m.keys); {
	case m.at != nil:
		m.at[k] = n - 1
	case n > smallMapScan:
		m.at = make(map[K]int, 2*n)
		for i, x := range m.keys {
			m.at[x] = i
		}
	}
}

func (m *smallMap[K, V]) len() int { return len(m.keys) }

// sorted returns the positions of m's keys in increasing key order. A
// Machine's snapshot lists its keys and clients sorted, and servers take
// one every few dozen entries, while keys are only ever added, and
// rarely: the order is kept, and sorted again only when it is short of
// keys. Keys are distinct, so the order is the one sorting the pairs
// would give.
func (m *smallMap[K, V]) sorted() []int32 {
	if len(m.order) == len(m.keys) {
		return m.order
	}
	if cap(m.order) < len(m.keys) {
		m.order = make([]int32, 0, cap(m.keys)) // grown as keys grew: one allocation, not one an append
	}
	m.order = m.order[:0]
	for i := range m.keys {
		m.order = append(m.order, int32(i))
	}
	slices.SortFunc(m.order, func(a, b int32) int { return strings.Compare(string(m.keys[a]), string(m.keys[b])) })
	return m.order
}
