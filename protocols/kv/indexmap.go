package kv

// IndexMap maps integers that mostly advance together (a client's
// sequence numbers, log indexes) to values, as a map[uint64]V would,
// without hashing: a slice from a base holds the dense part, and a map the
// rare key below the base or far past the slice's end. Monitors look one
// up for every entry every server applies. The zero value is empty.
type IndexMap[V any] struct {
	base uint64    // at[i] holds key base+i
	at   []slot[V] //
	far  map[uint64]V
	n    int // keys held
}

type slot[V any] struct {
	v  V
	ok bool
}

// farAhead bounds how far past the slice's end a key may lie and still
// extend the slice.
const farAhead = 4096

// Len returns how many keys m holds.
func (m *IndexMap[V]) Len() int { return m.n }

// Get returns the value of key k, if m holds it.
func (m *IndexMap[V]) Get(k uint64) (V, bool) {
	if k >= m.base && k-m.base < uint64(len(m.at)) {
		s := m.at[k-m.base]
		return s.v, s.ok
	}
	v, ok := m.far[k]
	return v, ok
}

// Set gives key k the value v.
func (m *IndexMap[V]) Set(k uint64, v V) {
	if m.n == 0 {
		m.base, m.at = k, m.at[:0] // the first key starts the slice
	}
	if i := k - m.base; k >= m.base && i < uint64(len(m.at))+farAhead {
		if i == uint64(len(m.at)) && i < uint64(cap(m.at)) {
			// The next key, with room for it, as most keys are: the slot
			// past the end is new, and written whole (it may hold what an
			// earlier use of the slice left), with no slots to clear.
			m.at = m.at[:i+1]
			m.at[i] = slot[V]{v, true}
			m.n++
			return
		}
		if more := int(i) + 1 - len(m.at); more > 0 {
			m.at = append(room(m.at, more), make([]slot[V], more)...)
		}
		if !m.at[i].ok {
			m.n++
		}
		m.at[i] = slot[V]{v, true}
		return
	}
	if m.far == nil {
		m.far = map[uint64]V{}
	}
	if _, ok := m.far[k]; !ok {
		m.n++
	}
	m.far[k] = v
}

// ForgetBelow drops every key below k. Only deletions depend on the map's
// order, so the result does not.
func (m *IndexMap[V]) ForgetBelow(k uint64) {
	for key := range m.far {
		if key < k {
			delete(m.far, key)
			m.n--
		}
	}
	if k <= m.base {
		return
	}
	drop := min(k-m.base, uint64(len(m.at)))
	for _, s := range m.at[:drop] {
		if s.ok {
			m.n--
		}
	}
	m.at = append([]slot[V](nil), m.at[drop:]...)
	m.base = k
}

// room returns s with room for n more slots, its capacity doubled, and
// never below indexMapFirst: append would grow a fresh IndexMap one slot,
// then two, then four (a monitor's maps start once per client and run,
// and these steps were most of their allocations), and a long one by a
// quarter at a time. Like append, it moves s to a fresh array when it
// grows.
func room[V any](s []slot[V], n int) []slot[V] {
	if len(s)+n <= cap(s) {
		return s
	}
	grown := make([]slot[V], len(s), max(2*cap(s), len(s)+n, indexMapFirst))
	copy(grown, s)
	return grown
}

// indexMapFirst is the fewest slots an IndexMap's slice holds once it
// holds any: a kilobyte or so, which a client's requests fill within
// seconds of a run (in raft/chaos, 64 rather than 8 spares 33 of a seed's
// 2,800 allocations, and bytes too).
const indexMapFirst = 64
