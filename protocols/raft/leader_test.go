package raft

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// heartbeatSends fires the leader's heartbeat and returns the
// AppendEntries it sends, by follower.
func heartbeatSends(t *testing.T, n *node) map[protocols.NodeID]AppendEntries {
	t.Helper()
	var out protocols.Effects
	n.Step(protocols.Input{Kind: protocols.Timer, Timer: timerHeartbeat}, &out)
	sent := map[protocols.NodeID]AppendEntries{}
	for _, s := range out.Sends {
		sent[s.To] = *s.Msg.(*AppendEntries)
	}
	return sent
}

// Followers owed the same AppendEntries share one message; one owed other
// entries gets its own, and a change of commit index makes a new one.
func TestSendAppendSharesOnlyIdenticalRequests(t *testing.T) {
	h := newCluster(t, 3, Options{MaxAppendEntries: 1})
	elect(h, "n1")
	n1 := raftNode(h, "n1")
	last := n1.log.lastIndex()

	sent := heartbeatSends(t, n1)
	require.Len(t, sent, 2)
	assert.Equal(t, sent["n2"], sent["n3"], "both followers are caught up")
	assert.Equal(t, last, sent["n2"].PrevIndex)
	assert.Empty(t, sent["n2"].Entries)

	n1.prs[n1.peerIndex("n3")].next = last // n3 lags by one entry
	sent = heartbeatSends(t, n1)
	assert.Equal(t, last, sent["n2"].PrevIndex)
	assert.Empty(t, sent["n2"].Entries)
	assert.Equal(t, last-1, sent["n3"].PrevIndex, "the lagging follower gets its own request")
	require.Len(t, sent["n3"].Entries, 1)
	assert.Equal(t, n1.log.entry(last), sent["n3"].Entries[0])

	// The same entries with a later commit index make a new request.
	n1.prs[n1.peerIndex("n3")].next = last + 1
	n1.commit = last - 1
	assert.Equal(t, last-1, heartbeatSends(t, n1)["n2"].Commit)
	n1.commit = last
	sent = heartbeatSends(t, n1)
	assert.Equal(t, last, sent["n2"].Commit)
	assert.Equal(t, sent["n2"], sent["n3"])
}

// wantAppends is what a heartbeat must send each follower, built afresh
// from the leader's state (as sendAppend did before messages were shared).
func wantAppends(n *node) map[protocols.NodeID]AppendEntries {
	want := map[protocols.NodeID]AppendEntries{}
	for i, id := range n.peers {
		if !n.target[i] || n.prs[i].next <= n.log.base {
			continue
		}
		prev := n.prs[i].next - 1
		hi := min(n.log.lastIndex(), prev+n.opts.MaxAppendEntries)
		pt, _ := n.log.term(prev)
		es, home := n.log.sliceHome(prev+1, hi)
		w := AppendEntries{Term: n.term, PrevIndex: prev, PrevTerm: pt,
			Entries: es, Commit: n.commit, Round: n.lead.round,
			chain: n.log.chainView(prev, hi)}
		if home != nil {
			w.home = home[:0]
		}
		if r := n.lastLog; r != nil && r.From == prev+1 {
			w.rec = r
		}
		w.size = appendSize(&w) // TestAppendSizeIsTheWireSize holds appendSize to the wire size
		want[id] = w
	}
	return want
}

// A shared AppendEntries is never stale: whatever changes between two
// heartbeats (a follower's next index, the commit index, the term, the
// heartbeat round, the log by append, truncation or compaction), each
// follower gets exactly the request built from the leader's state now.
func TestSharedAppendNeverStale(t *testing.T) {
	h := newCluster(t, 5, Options{MaxAppendEntries: 2, Read: ReadIndex})
	elect(h, "n1")
	n1 := raftNode(h, "n1")
	for k := range 4 {
		n1.log.append(Entry{Term: n1.term, Req: kv.Request{Client: "c1", Seq: uint64(k + 1), Op: kv.PutOp("k", "v")}})
	}
	last := n1.log.lastIndex()
	steps := []struct {
		name   string
		change func()
	}{
		{"all caught up", func() {
			for i := range n1.prs {
				n1.prs[i].next = last + 1
			}
		}},
		{"one follower's next moves back", func() { n1.prs[1].next = last - 1 }},
		{"two followers at the same lagging next", func() { n1.prs[1].next, n1.prs[2].next = last-1, last-1 }},
		{"commit advances", func() { n1.commit = last - 2 }},
		{"the term rises, nothing else", func() { n1.term++ }},
		{"a new round", func() { n1.beginRound() }},
		{"an entry appended", func() {
			n1.log.append(Entry{Term: n1.term})
			for i := range n1.prs {
				n1.prs[i].next = n1.log.lastIndex() + 1
			}
		}},
		{"the last entry replaced by one of another term", func() {
			l := n1.log.lastIndex()
			n1.log.truncate(l)
			n1.log.append(Entry{Term: n1.term + 1})
			for i := range n1.prs {
				n1.prs[i].next = l + 1
			}
		}},
		{"compacted", func() {
			n1.log.compact(2)
			for i := range n1.prs {
				n1.prs[i].next = n1.log.lastIndex()
			}
		}},
	}
	for _, s := range steps {
		s.change()
		want := wantAppends(n1)
		got := heartbeatSends(t, n1)
		require.Len(t, got, len(want), s.name)
		for id, w := range want {
			assert.Equal(t, w, got[id], "%s: to %s", s.name, id)
		}
		// Again with nothing changed but the next indexes the sends moved.
		want = wantAppends(n1)
		got = heartbeatSends(t, n1)
		for id, w := range want {
			assert.Equal(t, w, got[id], "%s, again: to %s", s.name, id)
		}
	}
}

// maybeCommit commits exactly what the rule says, whichever voters' matches
// lie past the commit index (its count of them is only a shortcut): the
// highest index a majority of voters hold, if it is of the leader's term.
func TestMaybeCommitFollowsTheRule(tt *testing.T) {
	rapid.Check(tt, func(t *rapid.T) {
		h := newCluster(tt, 5, Options{})
		elect(h, "n1")
		n := raftNode(h, "n1")
		start := n.log.lastIndex()
		for k := range rapid.IntRange(0, 6).Draw(t, "old") {
			n.log.append(Entry{Term: n.term - 1, Req: kv.Request{Client: "c1", Seq: uint64(100 + k), Op: kv.PutOp("k", "v")}})
		}
		for k := range rapid.IntRange(0, 6).Draw(t, "new") {
			n.log.append(Entry{Term: n.term, Req: kv.Request{Client: "c1", Seq: uint64(200 + k), Op: kv.PutOp("k", "v")}})
		}
		last := n.log.lastIndex()
		if n.commit < start {
			return
		}
		n.commit = rapid.IntRange(start, last).Draw(t, "commit")
		n.applied = n.commit
		n.nVoters = 1
		for i := range n.prs {
			n.voter[i] = rapid.Bool().Draw(t, "voter")
			if n.voter[i] {
				n.nVoters++
			}
			n.prs[i].match = rapid.IntRange(0, last).Draw(t, "match")
		}
		matches := []int{last}
		for i := range n.prs {
			if n.voter[i] {
				matches = append(matches, n.prs[i].match)
			}
		}
		slices.Sort(matches)
		want := n.commit
		if N := matches[len(matches)-n.quorum()]; N > n.commit {
			if tm, _ := n.log.term(N); tm == n.term {
				want = N
			}
		}
		n.out = &protocols.Effects{}
		n.maybeCommit()
		if n.commit != want {
			t.Fatalf("commit %d, want %d (matches %v, quorum %d)", n.commit, want, matches, n.quorum())
		}
	})
}
