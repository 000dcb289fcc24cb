package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// termsIn returns the terms of the entries held, in order.
func termsIn(s *entryList) []uint64 {
	out := []uint64{}
	for k := range s.len() {
		out = append(out, s.at(k).Term)
	}
	return out
}

func termsOfEntries(es []Entry) []uint64 {
	out := []uint64{}
	for _, e := range es {
		out = append(out, e.Term)
	}
	return out
}

func countUp(from, to uint64) []uint64 {
	out := []uint64{}
	for t := from; t < to; t++ {
		out = append(out, t)
	}
	return out
}

func TestEntryListAcrossChunks(t *testing.T) {
	var s entryList
	const n = 3*chunkLen + 10
	for i := range n {
		s.push(Entry{Term: uint64(i)})
	}
	require.Equal(t, n, s.len())
	assert.Equal(t, countUp(0, n), termsIn(&s))

	inside := s.view(chunkLen+3, chunkLen+8)
	assert.Equal(t, countUp(chunkLen+3, chunkLen+8), termsOfEntries(inside))
	assert.Equal(t, len(inside), cap(inside), "a view is capped at its end")
	across := s.view(chunkLen-5, 2*chunkLen+5)
	assert.Equal(t, countUp(chunkLen-5, 2*chunkLen+5), termsOfEntries(across))
}

// Entries a view shows are never written again: not by pushes after it,
// nor by pushes after a truncation cut into its range, nor by dropping.
func TestEntryListViewsNeverChange(t *testing.T) {
	var s entryList
	for i := range chunkLen + 20 {
		s.push(Entry{Term: uint64(i)})
	}
	tail := s.view(chunkLen+5, chunkLen+15)
	first := s.view(2, 12)
	s.truncate(chunkLen + 8)
	for range 30 {
		s.push(Entry{Term: 999})
	}
	s.drop(chunkLen + 1)
	for range 2 * chunkLen {
		s.push(Entry{Term: 777})
	}
	assert.Equal(t, countUp(chunkLen+5, chunkLen+15), termsOfEntries(tail))
	assert.Equal(t, countUp(2, 12), termsOfEntries(first))

	want := countUp(chunkLen+1, chunkLen+8)
	for range 30 {
		want = append(want, 999)
	}
	for range 2 * chunkLen {
		want = append(want, 777)
	}
	assert.Equal(t, want, termsIn(&s))
}

func TestEntryListDropAndTruncateToEmpty(t *testing.T) {
	var s entryList
	for i := range chunkLen {
		s.push(Entry{Term: uint64(i)})
	}
	s.drop(chunkLen)
	assert.Equal(t, 0, s.len())
	assert.Empty(t, s.chunks, "a chunk all dropped is let go")
	s.push(Entry{Term: 5})
	assert.Equal(t, []uint64{5}, termsIn(&s))

	s.push(Entry{Term: 6})
	s.drop(1)
	s.truncate(0)
	assert.Equal(t, 0, s.len())
	s.push(Entry{Term: 7})
	assert.Equal(t, []uint64{7}, termsIn(&s))
}

// grow hands out a zero slot past the last entry, whatever pushes,
// truncations and drops came before (appendRequest fills only some fields
// of it), and the entry it holds is the one filled in.
func TestEntryListGrowsIntoZeroSlots(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s entryList
		for step := range rapid.IntRange(1, 60).Draw(t, "steps") {
			switch op := rapid.IntRange(0, 2).Draw(t, "op"); {
			case op == 1 && s.len() > 0:
				s.truncate(rapid.IntRange(0, s.len()).Draw(t, "keep"))
			case op == 2 && s.len() > 0:
				s.drop(rapid.IntRange(0, s.len()).Draw(t, "drop"))
			default:
				for range rapid.IntRange(1, chunkLen+3).Draw(t, "pushes") {
					e := s.grow()
					if *e != (Entry{}) {
						t.Fatalf("step %d: grow handed out %+v, not a zero entry", step, *e)
					}
					e.Term = uint64(step + 1)
				}
				if got := s.at(s.len() - 1).Term; got != uint64(step+1) {
					t.Fatalf("step %d: the last entry's term is %d", step, got)
				}
			}
		}
	})
}
