package raft

// slab hands out pointers to fresh values of T, allocated a chunk at a
// time. A value boxed into an interface (a message sent, a record
// persisted) is allocated on its own every time; a pointer boxes for free,
// so the server's hottest messages and records are sent as pointers into
// a slab instead: one allocation per chunk of them. (Profiles of
// BenchmarkRaftChaos showed boxing AppendEntriesReply, LogRecord and
// AppendEntries as over 40% of a run's allocations.)
//
// A slot is written once, by put, and never again: what a server sent or
// persisted stays as it was (messages are values). Slots are never reused;
// the garbage collector frees a chunk once nothing points into it.
type slab[T any] struct {
	free []T // the rest of the current chunk
	next int // the length of the next chunk
}

// Chunks start small, for the servers that send a kind seldom, and double
// up to slabChunk: enough that allocating one costs little a value, few
// enough that a value still in flight (or in the store) keeps little else
// alive.
const (
	slabFirst = 8
	slabChunk = 64
)

// put copies v into a fresh slot and returns the slot.
func (s *slab[T]) put(v T) *T {
	if len(s.free) == 0 {
		s.next = min(max(2*s.next, slabFirst), slabChunk)
		s.free = make([]T, s.next)
	}
	p := &s.free[0]
	*p = v
	s.free = s.free[1:]
	return p
}
