package raft

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Message sizes for the bytes metric: a compact binary encoding (8-byte
// terms and indexes, a byte for flags), entries with their requests.
func init() { Protocol.MessageSize = messageSize }

func messageSize(m protocols.Message) int {
	switch m := m.(type) {
	case RequestVote:
		return 8 + 8 + 8
	case RequestVoteReply:
		return 8 + 1
	case *AppendEntries:
		if m.size != 0 {
			return m.size // the leader sized it when it built it
		}
		return appendSize(m)
	case *AppendEntriesReply:
		return 8 + 1 + 8 + 8 + 8 + 8
	case PreVote:
		return 8 + 8 + 8
	case PreVoteReply:
		return 8 + 1
	case InstallSnapshot:
		n := 8 + 8 + 8 + 8 + 1 + 8 + len(m.Data)
		for _, mb := range m.Config.Members {
			n += len(mb.ID) + 1
		}
		return n
	case InstallSnapshotReply:
		return 8 + 8 + 8 + 1
	}
	n, _ := kv.Size(m)
	return n
}

// appendSize is an AppendEntries' size: at least 32, so a size of 0 in a
// message means none was worked out.
func appendSize(m *AppendEntries) int {
	n := 8 + 8 + 8 + 8
	for i := range m.Entries {
		e := &m.Entries[i] // not a copy: an entry is 128 bytes
		n += 8 + kv.RequestSize(e.Req)
		if e.Conf != nil {
			n += 1 + len(e.Conf.Node)
		}
		if e.Cmd != nil {
			n += len(e.Cmd.String())
		}
	}
	if m.Round != 0 {
		n += 8
	}
	return n
}
