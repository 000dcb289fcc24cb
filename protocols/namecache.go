package protocols

import "unsafe"

// NameCache remembers a value for each of the names a hot loop looks up
// over and over (node names, message kinds, probe names), found again by
// where the name's text lies. Such names are nearly always the very
// strings a program handed out or a string constant, so a lookup is one
// probe of a small table at a slot chosen by that address, instead of a
// scan comparing text or a map hashing it. A name it has not seen at that
// slot is a miss: the caller looks it up the slow way and puts it.
//
// An address with a length is a string's whole identity while the string
// lives (strings are immutable), and an entry keeps its name alive, so a
// hit is always right. Where a name lands, and whether it hits, changes
// how long a lookup takes, never what it finds.
type NameCache[V any] struct {
	slots [cacheSlots]nameEntry[V]
}

const cacheSlots = 32

type nameEntry[V any] struct {
	name string
	v    V
}

func cacheSlot(at *byte) int {
	return int(uint64(uintptr(unsafe.Pointer(at))) * 0x9e3779b97f4a7c15 >> 59) // top 5 bits: 32 slots
}

// Get returns the value put for name, if name's text is where it was.
func (c *NameCache[V]) Get(name string) (V, bool) {
	at := unsafe.StringData(name)
	e := &c.slots[cacheSlot(at)]
	if at != nil && unsafe.StringData(e.name) == at && len(e.name) == len(name) {
		return e.v, true
	}
	var zero V
	return zero, false
}

// Put remembers v for name, in place of whatever shared its slot.
func (c *NameCache[V]) Put(name string, v V) {
	if name == "" {
		return
	}
	c.slots[cacheSlot(unsafe.StringData(name))] = nameEntry[V]{name, v}
}
