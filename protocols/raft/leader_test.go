package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
)

// heartbeatSends fires the leader's heartbeat and returns the
// AppendEntries it sends, by follower.
func heartbeatSends(t *testing.T, n *node) map[protocols.NodeID]AppendEntries {
	t.Helper()
	var out protocols.Effects
	n.Step(protocols.Input{Kind: protocols.Timer, Timer: timerHeartbeat}, &out)
	sent := map[protocols.NodeID]AppendEntries{}
	for _, s := range out.Sends {
		sent[s.To] = s.Msg.(AppendEntries)
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
