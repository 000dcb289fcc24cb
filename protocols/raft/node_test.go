package raft

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dsimlab/dsim/protocols"
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
