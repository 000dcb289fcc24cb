package protocols

import (
	"encoding"
	"unsafe"
)

// The trace hash of a run (sim.World.Hash) folds in every event's fields
// and the message it carried. Rendering a message as text only to hash it
// cost a run about a tenth of its time, so a message may fold its fields
// into the hash instead (HashAppender); any other message is rendered, once,
// into a reused buffer and its text folded in. Either way the hash stands
// for the trace: two messages hash alike exactly when they render alike.

// HashAppender is a Message that folds itself into a trace hash field by
// field, as AppendText renders it without allocating.
//
// AppendHash must fold exactly what String shows: every value String
// renders, and nothing it leaves out, so that two messages hash alike
// exactly when they render alike (a field String shows only in some cases
// is folded only in those). Fold a list's length before its items. The
// caller folds the message's Kind, so AppendHash need not.
//
// dsimtest.Checklist catches an AppendHash that misses something String
// shows, over its chaos runs; prototest.CheckHash does, field by field, for
// one message.
type HashAppender interface {
	AppendHash(h *Hash)
}

// Hash accumulates a 64-bit hash of values folded into it one at a time,
// eight bytes to a word in the manner of FNV-1a, without allocating. Every
// value is folded so that its extent is known (a string with its length),
// so two different sequences of values hash apart but for a collision.
// The zero Hash is ready to use.
type Hash struct {
	sum    uint64               // the running hash
	folded uint64               // bytes folded in, eight to a word
	buf    []byte               // scratch: messages without AppendHash are rendered here
	names  *[nameSlots]nameWord // the names folded so far, for Name: made at the first, so that a Hash that folds none stays small
}

// nameWord is a name and the word it folds as (Hash.Name).
type nameWord struct {
	name string
	word uint64
}

const (
	// A run folds a dozen or two names (its message kinds and timer
	// names). Where each lands depends on its address, so how many share a
	// place depends on the build: with 32 places, a RaftChaos run looked
	// past the first place for 28% of its names (106k lookups in 4 seeds);
	// with 64, for a few names in some builds (0.4M instructions a seed in
	// one, none in another), which made instruction counts move with the
	// binary's layout; with 256, a collision is four times rarer. The
	// table is 6 KB, read a word or two at a time.
	nameBits   = 8
	nameSlots  = 1 << nameBits
	nameProbes = 8 // places searched from a name's own before working its word out

	hashOffset = 14695981039346656037
	hashPrime  = 1099511628211

	// A string's first word is its header: its length in the low byte and
	// up to seven bytes of it above, or longHeader and its length above.
	// rendered marks a message folded as its text, and can be neither.
	longHeader = 0xff
	rendered   = 0xfe
)

// word folds one 64-bit word: xor, multiply by the FNV prime, and fold the
// high half down, so a change in any bit reaches the low bits of the next
// multiply. The word is xored with the FNV offset first, off the chain of
// dependent instructions, so that no state is a fixed point (zero, folding
// zeros, would be).
func (h *Hash) word(v uint64) {
	x := (h.sum ^ (v ^ hashOffset)) * hashPrime
	h.sum = x ^ x>>32
	h.folded += 8
}

// Sum64 returns the hash of everything folded so far.
func (h *Hash) Sum64() uint64 { return h.sum }

// Reset starts the hash over, as a zero Hash, keeping the names it has
// worked out and its buffer: hashing many messages one at a time with one
// Hash allocates nothing.
func (h *Hash) Reset() { h.sum, h.folded = 0, 0 }

// Folded returns how many bytes have been folded in: eight for every word
// (a number, a flag, a short string) and a string's bytes rounded up to
// words. It measures what the values carried, deterministically.
func (h *Hash) Folded() uint64 { return h.folded }

// Uint64 folds in v.
func (h *Hash) Uint64(v uint64) { h.word(v) }

// Int folds in v.
func (h *Hash) Int(v int) { h.word(uint64(v)) }

// Bool folds in b.
func (h *Hash) Bool(b bool) {
	var v uint64
	if b {
		v = 1
	}
	h.word(v)
}

// String folds in s and its length: a string of up to seven bytes is one
// word, its length in the low byte and its bytes above, in order.
//
// Most strings a message carries (names, keys, values) are that short,
// and a loop over their bytes cost as much as the rest of a message: their
// bytes are read as two overlapping runs instead, the first and the last
// four (or the first, middle and last byte of one to three), each shifted
// to where it lies, so that a byte both read lands on itself.
func (h *Hash) String(s string) {
	n := len(s)
	switch {
	case n >= 8:
		h.long(s)
	case n >= 4:
		t := s[n-4:]
		lo := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
		hi := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24
		h.word(uint64(n) | (lo|hi<<(8*(n-4)))<<8)
	case n > 0:
		h.word(uint64(n) | (uint64(s[0])|uint64(s[n/2])<<(8*(n/2))|uint64(s[n-1])<<(8*(n-1)))<<8)
	default:
		h.word(0)
	}
}

// long folds a string of eight bytes or more: a header word with its
// length, its bytes eight to a word, and the rest in a last word.
func (h *Hash) long(s string) {
	h.word(longHeader | uint64(len(s))<<8)
	for len(s) >= 8 {
		h.word(uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56)
		s = s[8:]
	}
	if len(s) > 0 {
		var v uint64
		for i := 0; i < len(s); i++ {
			v |= uint64(s[i]) << (8 * i)
		}
		h.word(v)
	}
}

// Bytes folds in b and its length, as String does.
func (h *Hash) Bytes(b []byte) {
	h.String(unsafe.String(unsafe.SliceData(b), len(b))) // read only while folding
}

// Message folds in a message: its Kind (as a Name) and fields if it is a
// HashAppender, otherwise its text (AppendText if it is an encoding.TextAppender, String
// if not), rendered into a buffer the Hash keeps for the next one.
func (h *Hash) Message(m Message) {
	if a, ok := m.(HashAppender); ok {
		h.Name(m.Kind())
		a.AppendHash(h)
		return
	}
	h.buf = AppendMessage(h.buf[:0], m)
	h.word(rendered)
	h.Bytes(h.buf)
}

// Name folds in a name: a short string a program uses over and over, such
// as a message's kind or a timer's name, almost always a string constant.
// It folds as one word, the hash of its text, worked out once for each
// string and found again by where the string lives, without reading it.
// The Hash keeps the strings it remembers, so no other text can come to
// live at their addresses: the word depends on the text alone, and the
// hash is as deterministic as String's.
func (h *Hash) Name(s string) {
	at := unsafe.StringData(s)
	// Where to look first depends on the address, and so does how long
	// the look takes, but never what it finds.
	i := uint64(uintptr(unsafe.Pointer(at))) * 0x9e3779b97f4a7c15 >> (64 - nameBits)
	if h.names != nil {
		if c := &h.names[i]; unsafe.StringData(c.name) == at && len(c.name) == len(s) && len(s) > 0 {
			h.word(c.word) // where most names are found
			return
		}
	}
	h.word(h.lookName(s, i))
}

// lookName finds the word of the name s from place i on, learning it at
// the first free place if it is new.
func (h *Hash) lookName(s string, i uint64) uint64 {
	if h.names == nil {
		h.names = new([nameSlots]nameWord)
	}
	at := unsafe.StringData(s)
	for range nameProbes {
		c := &h.names[i]
		if unsafe.StringData(c.name) == at && len(c.name) == len(s) && len(s) > 0 {
			return c.word
		}
		if c.name == "" {
			c.name, c.word = s, nameHash(s)
			return c.word
		}
		i = (i + 1) % uint64(len(h.names))
	}
	// The places near this one are taken: work the word out. A protocol
	// that builds its names afresh (a new string for every message) fills
	// the table with names never seen again; searching it all for each
	// such name cost 3pc's chaos run 8% of its instructions.
	return nameHash(s)
}

// nameHash is the word a name folds as.
func nameHash(s string) uint64 {
	var h Hash
	h.String(s)
	return h.Sum64()
}

// AppendMessage appends m's trace text to b: AppendText if m is an
// encoding.TextAppender (no allocation), String otherwise.
func AppendMessage(b []byte, m Message) []byte {
	if a, ok := m.(encoding.TextAppender); ok {
		if out, err := a.AppendText(b); err == nil {
			return out
		}
	}
	return append(b, m.String()...)
}
