package raft

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols/kv"
)

// sharer is one server's log in TestSharedChunksKeepEveryLogItsOwn, with
// its plain reference and the views it handed out.
type sharer struct {
	log   raftLog
	model logModel
	views []heldView
}

func newSharer() *sharer {
	return &sharer{log: newLog(Config{}), model: logModel{chain: []uint64{0}}}
}

// compact is raftLog.compact on the reference.
func (m *logModel) compact(upto int) {
	if upto > m.base && upto <= m.last() {
		k := upto - m.base
		m.baseTerm = m.ents[k-1].Term
		m.ents = slices.Clone(m.ents[k:])
		m.chain = slices.Clone(m.chain[k:])
		m.base = upto
	}
}

// merge is raftLog.merge on the reference.
func (m *logModel) merge(prev int, es []Entry) {
	for k, e := range es {
		idx := prev + 1 + k
		if idx > m.last() {
			m.push(es[k:]...)
			return
		}
		if m.ents[idx-m.base-1].Term != e.Term {
			m.ents = slices.Clip(m.ents[:idx-m.base-1])
			m.chain = slices.Clip(m.chain[:idx-m.base])
			m.push(es[k:]...)
			return
		}
	}
}

// check holds the log to its reference, and every view it handed out to
// what it showed then.
func (s *sharer) check(t *rapid.T, who string) {
	l, m := &s.log, &s.model
	if l.base != m.base || l.lastIndex() != m.last() {
		t.Fatalf("%s: log %d..%d, model %d..%d", who, l.base, l.lastIndex(), m.base, m.last())
	}
	if l.entries.skip%chunkLen != l.base%chunkLen {
		t.Fatalf("%s: skip %d does not line up with base %d", who, l.entries.skip, l.base)
	}
	for k, e := range m.ents {
		if got := l.entry(m.base + 1 + k); got != e {
			t.Fatalf("%s: entry %d is %v, want %v", who, m.base+1+k, got, e)
		}
	}
	if !slices.Equal(l.chain, m.chain) {
		t.Fatalf("%s: chain differs from the model's", who)
	}
	for _, v := range s.views {
		for k := range v.want {
			if v.got[k] != v.want[k] {
				t.Fatalf("%s: a view from %d changed at %d: %v, was %v", who, v.lo, v.lo+k, v.got[k], v.want[k])
			}
		}
	}
}

// Servers whose logs go on in each other's chunks (a follower merging
// what a leader sent with the chunk it came from, then leading in turn,
// truncating, compacting, restoring a snapshot) each keep exactly the log
// a plain reference keeps, and no view any of them handed out changes:
// no server writes into another's chunk.
func TestSharedChunksKeepEveryLogItsOwn(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		servers := []*sharer{newSharer(), newSharer(), newSharer()}
		tag, term := uint64(0), uint64(1)
		entry := func() Entry {
			tag++
			return Entry{Term: term, Req: kv.Request{Client: "c", Seq: tag, Op: kv.PutOp("k", fmt.Sprint(tag))}}
		}
		// index draws an index in lo..hi, near a chunk boundary half the time.
		index := func(lo, hi int, label string) int {
			if hi <= lo {
				return lo
			}
			if rapid.Bool().Draw(t, label+" near a boundary") {
				b := (lo/chunkLen+1)*chunkLen + rapid.IntRange(-2, 2).Draw(t, label+" offset")
				if b >= lo && b <= hi {
					return b
				}
			}
			return rapid.IntRange(lo, hi).Draw(t, label)
		}
		for step := range rapid.IntRange(1, 50).Draw(t, "steps") {
			s := servers[rapid.IntRange(0, len(servers)-1).Draw(t, "server")]
			l, m := &s.log, &s.model
			switch op := rapid.IntRange(0, 9).Draw(t, "op"); op {
			case 0, 1, 2: // lead: append entries, one by one or in a batch
				if rapid.IntRange(0, 3).Draw(t, "new term") == 0 {
					term++
				}
				for range rapid.IntRange(1, chunkLen/2+5).Draw(t, "appends") {
					e := entry()
					if rapid.Bool().Draw(t, "in place") {
						l.appendRequest(e.Term, &e.Req)
					} else {
						l.append(e)
					}
					m.push(e)
				}
			case 3, 4, 5: // follow another server: merge what it would send
				from := servers[rapid.IntRange(0, len(servers)-1).Draw(t, "from")]
				if from == s || from.model.last() <= from.model.base {
					continue
				}
				lo := max(m.base, from.model.base) // prev must be held by both
				hi := min(m.last(), from.model.last()-1)
				if hi < lo {
					continue
				}
				prev := index(lo, hi, "prev")
				last := index(prev+1, min(from.model.last(), prev+2*chunkLen), "last")
				es, home := from.log.sliceHome(prev+1, last)
				var digests []uint64
				if rapid.Bool().Draw(t, "digests") {
					digests = from.log.chainView(prev, last)
				}
				l.merge(prev, es, digests, home)
				m.merge(prev, es)
			case 6: // truncate
				from := index(m.base+1, m.last(), "truncate")
				l.truncate(from)
				if from > m.base && from <= m.last() {
					m.ents = slices.Clip(m.ents[:from-m.base-1])
					m.chain = slices.Clip(m.chain[:from-m.base])
				}
			case 7: // compact
				upto := index(m.base+1, m.last(), "compact")
				l.compact(upto)
				m.compact(upto)
			case 8: // restore a snapshot, inside the log or past it
				idx := index(m.base, m.last()+chunkLen, "restore")
				term++
				c := uint64(tag) << 8
				l.restore(idx, term, c, Config{})
				*m = logModel{base: idx, baseTerm: term, chain: []uint64{c}}
			case 9: // hand out a view, as a message or a record takes one
				if m.last() <= m.base {
					continue
				}
				lo := index(m.base+1, m.last(), "view lo")
				hi := index(lo, min(m.last(), lo+2*chunkLen), "view hi")
				got := l.slice(lo, hi)
				s.views = append(s.views, heldView{lo: lo, got: got, want: slices.Clone(got)})
			}
			for i, o := range servers {
				o.check(t, fmt.Sprintf("step %d, server %d", step, i))
			}
		}
	})
}

// A follower whose log lines up with the leader's goes on in the leader's
// chunk: merging what the leader sends copies no entry and allocates no
// chunk, until it leads and appends an entry of its own, which it writes
// into a chunk of its own.
func TestFollowerGoesOnInLeadersChunk(t *testing.T) {
	leader, follower := newLog(Config{}), newLog(Config{})
	for _, l := range []*raftLog{&leader, &follower} {
		l.restore(chunkLen-3, 1, 5, Config{}) // a snapshot near a chunk boundary
	}
	for i := range 10 {
		leader.append(Entry{Term: 2, Req: kv.Request{Client: "c", Seq: uint64(i)}})
		prev := leader.lastIndex() - 1
		es, home := leader.sliceHome(prev+1, prev+1)
		require.NotNil(t, home)
		follower.merge(prev, es, leader.chainView(prev, prev+1), home)
	}
	require.Equal(t, leader.entries.chunks, follower.entries.chunks, "the follower holds the leader's chunks")
	assert.True(t, follower.entries.shared)

	follower.append(Entry{Term: 3})
	leader.append(Entry{Term: 2, Req: kv.Request{Client: "c", Seq: 99}})
	assert.NotSame(t, leader.entries.chunks[1], follower.entries.chunks[1], "the new leader's entry is in a chunk of its own")
	assert.Equal(t, uint64(3), follower.entry(follower.lastIndex()).Term)
	assert.Equal(t, uint64(99), leader.entry(leader.lastIndex()).Req.Seq, "the old leader's chunk is untouched")
	for i := follower.base + 1; i < follower.lastIndex(); i++ {
		assert.Equal(t, leader.entry(i), follower.entry(i), "entry %d", i)
	}
}

// A follower goes on in the leader's chunk only where the entry is, by
// address, at the position it would hold it: one whose positions do not
// line up with the leader's (no log does, but pushFrom must not count on
// it) copies the entries instead.
func TestFollowerOutOfLineCopies(t *testing.T) {
	leader, follower := newLog(Config{}), newLog(Config{})
	leader.restore(10, 1, 5, Config{})
	follower.restore(10, 1, 5, Config{})
	follower.entries.reset(0) // position 0 for index 11, where the leader has 10
	for i := range 3 {
		leader.append(Entry{Term: 2, Req: kv.Request{Client: "c", Seq: uint64(i)}})
	}
	es, home := leader.sliceHome(11, 13)
	require.NotNil(t, home)
	follower.merge(10, es, nil, home)
	for i := 11; i <= 13; i++ {
		assert.Equal(t, leader.entry(i), follower.entry(i), "entry %d", i)
	}
	assert.NotSame(t, leader.entries.chunks[0], follower.entries.chunks[0])
}

// A list that goes on past a shared chunk into a fresh one of its own
// writes its next entries into that one: the fresh chunk is not taken for
// a shared one and copied again.
func TestOwnChunkAfterSharedOneIsKept(t *testing.T) {
	var leader, follower entryList
	for i := range chunkLen {
		leader.push(Entry{Term: uint64(i)})
	}
	for k := range chunkLen {
		follower.pushFrom(leader.at(k), leader.chunks[0])
	}
	require.Same(t, leader.chunks[0], follower.chunks[0], "the follower shares the leader's chunk")
	follower.push(Entry{Term: 1000})
	fresh := follower.chunks[1]
	follower.push(Entry{Term: 1001})
	assert.Same(t, fresh, follower.chunks[1])
	assert.Equal(t, append(countUp(0, chunkLen), 1000, 1001), termsIn(&follower))
}
