package raft

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// peerIndex finds a peer by its name whether it is given the very string
// the peers hold or a copy of it elsewhere, and answers -1 for a name that
// is no peer's; a name that starts where a longer peer's lies is not that
// peer.
func TestPeerIndexFindsNamesAndCopies(t *testing.T) {
	n := &node{peers: []protocols.NodeID{"n1", "n2", "n10", "n3"}}
	for i, p := range n.peers {
		assert.Equal(t, i, n.peerIndex(p), "%s itself", p)
		cp := protocols.NodeID(strings.Clone(string(p)))
		assert.Equal(t, i, n.peerIndex(cp), "a copy of %s", p)
	}
	assert.Equal(t, -1, n.peerIndex("n4"))
	assert.Equal(t, -1, n.peerIndex(""))
	assert.Equal(t, 0, n.peerIndex(n.peers[2][:2]), "n1 where n10 lies is n1, not n10")
	assert.Equal(t, -1, n.peerIndex(n.peers[2][:1]), "n where n10 lies")
}

// A follower that takes a leader's entries persists what its log holds from
// the first index that changed to its end (the record shows the request's
// entries rather than a view of the log, which must read the same): entries
// past its end, some matching then new, a conflict that truncates, a
// request that starts inside its snapshot, and the stale-append bug's
// truncation of everything after PrevIndex.
func TestFollowerPersistsWhatItsLogHolds(t *testing.T) {
	for _, bug := range []bool{false, true} {
		h := newCluster(t, 3, Options{})
		elect(h, "n1")
		n2 := raftNode(h, "n2")
		n2.bugs.staleAppendTruncates = bug
		term := n2.term
		req := func(seq uint64) Entry {
			return Entry{Term: term, Req: kv.Request{Client: "c9", Seq: seq, Op: kv.PutOp("k", "v")}}
		}
		base := n2.log.lastIndex()
		steps := []struct {
			name string
			m    AppendEntries
		}{
			{"past its end", AppendEntries{PrevIndex: base, Entries: []Entry{req(1), req(2), req(3)}}},
			{"matching, then new", AppendEntries{PrevIndex: base + 1, Entries: []Entry{req(2), req(3), req(4)}}},
			{"a conflict", AppendEntries{PrevIndex: base + 2, Entries: []Entry{{Term: term + 1}, {Term: term + 1}}}},
			{"inside its snapshot", AppendEntries{PrevIndex: base, Entries: []Entry{req(1), req(2), {Term: term + 1}, {Term: term + 1}, {Term: term + 1}}}},
		}
		for _, s := range steps {
			if s.name == "inside its snapshot" {
				n2.log.compact(base + 2)
			}
			m := s.m
			m.Term = max(term, n2.term)
			if s.name == "a conflict" || s.name == "inside its snapshot" {
				m.Term = term + 1
			}
			m.PrevTerm, _ = n2.log.term(m.PrevIndex)
			if m.PrevIndex < n2.log.base {
				m.PrevTerm = term
			}
			rec := persistedLogRecord(n2, &m)
			if rec == nil {
				require.Fail(t, "no log record", "bug %v, %s", bug, s.name)
			}
			assert.Equal(t, n2.log.slice(rec.From, n2.log.lastIndex()), rec.Entries, "bug %v, %s: from %d", bug, s.name, rec.From)
		}
	}
}

// A follower persists the leader's own LogRecord (AppendEntries.rec) only
// when it is the record it would make itself: the very entries it took, by
// address, from the index it changed. Otherwise (no record, a record from
// another index, one of equal entries elsewhere, one of other entries, a
// request that starts inside its log) it persists a record of its own, and
// either way the record reads as its log does.
func TestFollowerPersistsLeadersRecordOnlyWhenTheSame(tt *testing.T) {
	rapid.Check(tt, func(t *rapid.T) {
		h := newCluster(tt, 3, Options{})
		elect(h, "n1")
		n2 := raftNode(h, "n2")
		term, seq := n2.term, uint64(0)
		for step := range rapid.IntRange(1, 12).Draw(t, "steps") {
			last := n2.log.lastIndex()
			var es []Entry
			for range rapid.IntRange(1, 3).Draw(t, "entries") {
				seq++
				es = append(es, Entry{Term: term, Req: kv.Request{Client: "c9", Seq: seq, Op: kv.PutOp("k", "v")}})
			}
			prev := last - rapid.IntRange(0, 1).Draw(t, "overlap") // 1: the first entry conflicts with the last held
			if prev < last {
				term++
				for k := range es {
					es[k].Term = term
				}
			}
			m := AppendEntries{Term: term, PrevIndex: prev, Entries: es}
			m.PrevTerm, _ = n2.log.term(prev)
			var same bool
			switch rapid.IntRange(0, 4).Draw(t, "record") {
			case 1: // the leader's record of these very entries
				m.rec, same = &LogRecord{From: prev + 1, Entries: es}, true
			case 2: // of these entries, from another index
				m.rec = &LogRecord{From: prev + 2, Entries: es}
			case 3: // of equal entries elsewhere
				m.rec = &LogRecord{From: prev + 1, Entries: slices.Clone(es)}
			case 4: // of fewer of them
				m.rec = &LogRecord{From: prev + 1, Entries: es[:len(es)-1]}
			}
			rec := persistedLogRecord(n2, &m)
			if rec == nil {
				t.Fatalf("step %d: no log record", step)
			}
			if rec.From != prev+1 || !slices.Equal(rec.Entries, n2.log.slice(prev+1, n2.log.lastIndex())) {
				t.Fatalf("step %d: the record %v does not read as the log from %d", step, rec, prev+1)
			}
			if (rec == m.rec) != same {
				t.Fatalf("step %d: the leader's record persisted = %v, want %v", step, rec == m.rec, same)
			}
		}
	})
}

// persistedLogRecord steps n with m from n1 and returns the last LogRecord
// the step persisted, or nil.
func persistedLogRecord(n *node, m *AppendEntries) *LogRecord {
	var out protocols.Effects
	n.Step(protocols.Input{Kind: protocols.Receive, From: "n1", Msg: m}, &out)
	var rec *LogRecord
	for _, r := range out.Records {
		if lr, ok := r.(*LogRecord); ok {
			rec = lr
		}
	}
	return rec
}
