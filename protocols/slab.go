package protocols

import "unsafe"

// Slab hands out fresh values of T from chunks, for a node's hottest
// messages, records and notes: any protocol (a user's too) may keep one a
// type in its node. Boxing a value of more than a word into an
// interface (sending it, persisting it, noting it) copies it to an
// allocation of its own, a few hundred instructions each: in profiles of
// BenchmarkRaftChaos the Applied notes, Replies and Requests of Raft and
// the KV client cost more to box than to make. A Slab allocates a chunk of
// them at a time instead.
//
// A slot is written once, by Put, Note or Message, or by its caller
// between Next and handing it out, and never again: what a
// node sent, persisted or noted stays as it was (messages are values).
// Slots are never reused; the garbage collector frees a chunk once nothing
// points into it. T is a concrete type, not an interface. The zero Slab is
// ready to use; it is not safe for concurrent use (a node steps one input
// at a time).
type Slab[T any] struct {
	// The current chunk and how many of its slots are handed out: an
	// index, not a reslice, which would store a pointer (and check for a
	// write barrier) at every Put.
	chunk []T
	used  int

	noteType   unsafe.Pointer // T's type word as a Note, once Note has learned it
	messageTab unsafe.Pointer // T's method table as a Message, once Message has learned it
}

// Chunks start small, for the nodes that make few values of a kind, and
// double up to slabChunk: enough that allocating one costs little a value,
// few enough that a value still in flight (or in the store) keeps little
// else alive.
const (
	slabFirst = 8
	slabChunk = 64
)

// Put copies v into a fresh slot and returns the slot. A pointer boxes
// into an interface without an allocation, so a node may send or persist
// the slot itself.
func (s *Slab[T]) Put(v T) *T {
	p := s.Next()
	*p = v
	return p
}

// Next returns a fresh slot, zero, for the caller to fill in before it
// hands the slot out (as a pointer, or by NoteOf or MessageOf): a value
// built in its slot is not built elsewhere and copied in, as Put's and
// Note's argument is, twice for a value of a hundred bytes or more. Once
// handed out, the slot must not be written again.
func (s *Slab[T]) Next() *T {
	if s.used == len(s.chunk) {
		s.chunk, s.used = make([]T, min(max(2*len(s.chunk), slabFirst), slabChunk)), 0
	}
	p := &s.chunk[s.used]
	s.used++
	return p
}

// Note returns v as a Note, as Note(v) would, whose
// value lives in a fresh slot instead of an allocation of its own: the
// monitors' type assertions and switches see a T equal to v.
func (s *Slab[T]) Note(v T) Note {
	if unsafe.Sizeof(v) <= unsafe.Sizeof(uintptr(0)) {
		return v
	}
	return s.NoteOf(s.Put(v))
}

// NoteOf returns the value in slot p, which Next or Put of this slab
// handed out, as a Note, as Note(*p) would, without copying it: the Note's
// value is the slot.
func (s *Slab[T]) NoteOf(p *T) Note {
	if unsafe.Sizeof(*p) <= unsafe.Sizeof(uintptr(0)) {
		return *p
	}
	var x Note
	if s.noteType == nil {
		x = *p
		s.noteType = (*iface)(unsafe.Pointer(&x)).word
	}
	*(*iface)(unsafe.Pointer(&x)) = iface{word: s.noteType, data: unsafe.Pointer(p)}
	return x
}

// Message returns v, whose type must implement Message, as a
// Message whose value lives in a fresh slot, as Note does.
func (s *Slab[T]) Message(v T) Message {
	if unsafe.Sizeof(v) <= unsafe.Sizeof(uintptr(0)) {
		return any(v).(Message)
	}
	return s.MessageOf(s.Put(v))
}

// MessageOf returns the value in slot p, whose type must implement
// Message, as a Message whose value is the slot, as NoteOf does.
func (s *Slab[T]) MessageOf(p *T) Message {
	if unsafe.Sizeof(*p) <= unsafe.Sizeof(uintptr(0)) {
		return any(*p).(Message)
	}
	var x Message
	if s.messageTab == nil {
		x = any(*p).(Message)
		s.messageTab = (*iface)(unsafe.Pointer(&x)).word
	}
	*(*iface)(unsafe.Pointer(&x)) = iface{word: s.messageTab, data: unsafe.Pointer(p)}
	return x
}

// NoteValue returns the T that *note holds, where the note holds it,
// without the copy a type assertion makes. The note must hold a T (the
// caller has switched on its type) bigger than a word, whose value the
// interface points to; nothing may write through the pointer, since an
// interface's value is never written again (a Slab's slot or the
// conversion's own copy). Monitors that read every Applied note read them
// so.
func NoteValue[T any](note *Note) *T {
	var zero T
	if unsafe.Sizeof(zero) <= unsafe.Sizeof(uintptr(0)) {
		panic("protocols.NoteValue: a value of a word or less is held in the interface itself")
	}
	return (*T)((*iface)(unsafe.Pointer(note)).data)
}

// iface is the layout of an interface value: its first word says the
// dynamic type (an empty interface's type, another's method table for the
// type), the second points to the value when it is bigger than a word.
//
// An interface holding such a value points to a copy of it that nothing
// ever changes; Note and Message make that pointer a slot's, which is
// never written again. (The runtime builds such interfaces itself: reflect
// hands out interfaces that point into other values, and conversions of
// constants point at read-only data.)
type iface struct {
	word, data unsafe.Pointer
}
