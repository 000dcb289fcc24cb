package kv

import "github.com/dsimlab/dsim/protocols"

// smallMap is a map for the few keys and clients of most runs: a scan of a
// short slice costs less than hashing a string on every applied request.
// Past smallMapScan entries it keeps a map of positions as well. Its order
// is the order keys were first set, which nothing may depend on: callers
// sort.
type smallMap[K ~string, V any] struct {
	keys []K
	vals []V
	at   map[K]int // positions, once there are more than smallMapScan keys
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
