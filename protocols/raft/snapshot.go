package raft

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// This file holds snapshots and log compaction (Figure 13, thesis chapter
// 5): a server snapshots its state machine once its log has grown by its
// threshold of applied entries and drops those entries, replacing its
// durable store with the snapshot and the log after it; a leader sends a
// follower that needs compacted entries its snapshot instead, in chunks;
// a restarted server recovers from its snapshot plus the log tail.

// Snapshot is a server's snapshot: the state machine after applying the log
// up to Index (whose entry has term Term), and the configuration there. It
// is also the durable record that holds it. Chain is the digest of the log
// prefix up to Index, which only the monitors read. Data is never changed
// once taken: messages share it. The log may go on holding entries before
// Index (since the previous snapshot); LogBase records where it starts.
type Snapshot struct {
	Index  int
	Term   uint64
	Config Config
	Data   []byte
	Chain  uint64
}

// String renders the record as Snapshot{index=120 term=3 config=n1 n2 n3 bytes=245}.
func (s Snapshot) String() string {
	return fmt.Sprintf("Snapshot{index=%d term=%d config=%s bytes=%d}", s.Index, s.Term, s.Config, len(s.Data))
}

// LogBase is the durable record of where a compacted log starts when that
// is before the snapshot's index: the log holds the entries after Index,
// whose entry had term Term, prefix digest Chain, and configuration Config.
type LogBase struct {
	Index  int
	Term   uint64
	Chain  uint64
	Config Config
}

// String renders the record as LogBase{index=100 term=2}.
func (b LogBase) String() string {
	return fmt.Sprintf("LogBase{index=%d term=%d}", b.Index, b.Term)
}

// snapshotRecv is a snapshot arriving in chunks: the bytes so far.
type snapshotRecv struct {
	index int
	term  uint64
	buf   []byte
}

// takeSnapshot snapshots the state machine at the applied index, compacts
// the log up to the previous snapshot, and replaces the store with what
// recovery needs. Keeping the entries since the previous snapshot lets a
// follower a little behind (a reordered AppendEntries, a short outage) go
// on with entries rather than a whole snapshot; the log stays within two
// thresholds.
func (n *node) takeSnapshot() {
	idx := n.applied
	if idx <= n.snap.Index || idx <= n.log.base {
		return
	}
	term, _ := n.log.term(idx)
	chain, _ := n.log.chainAt(idx)
	state := n.sm.Snapshot()
	if n.bugs.snapshotWithoutSessions {
		state.Sessions = nil // BUG snapshot-without-sessions
	}
	data := state.Encode()
	conf := n.log.configAt(idx)
	if n.bugs.snapshotWithoutConfig {
		conf = n.initial // BUG snapshot-without-config: the bootstrap configuration stands in
	}
	prev := n.snap.Index
	n.snap = Snapshot{Index: idx, Term: term, Config: conf, Data: data, Chain: chain}
	if prev > n.log.base {
		n.log.compact(prev)
	}
	n.persistAll()
	n.out.Note(SnapshotTaken{Index: idx, Term: term})
	n.out.Probe(ProbeSnapshotTaken)
}

// sendSnapshot sends peer i the chunk of a snapshot it needs next. One
// chunk is in flight at a time: the reply asks for the next one, and
// heartbeats send the same chunk again when one is lost. A transfer goes on
// with the snapshot it began with, though the leader takes newer ones
// meanwhile: restarting it with each would never finish under load.
func (n *node) sendSnapshot(i int) {
	pr := &n.prs[i]
	if pr.snap.Index <= pr.match {
		pr.snap, pr.snapOffset = n.snap, 0
		n.out.Probe(ProbeSnapshotSent)
	}
	s := &pr.snap
	off := min(pr.snapOffset, len(s.Data))
	end := min(len(s.Data), off+n.opts.SnapshotChunk)
	n.out.Send(n.peers[i], InstallSnapshot{
		Term: n.term, Index: s.Index, SnapTerm: s.Term,
		Offset: off, Data: s.Data[off:end:end], Done: end == len(s.Data),
		Config: s.Config, Chain: s.Chain, Round: n.lead.round,
	})
}

// handleSnapshotReply moves a follower's snapshot transfer on: the next
// chunk, or, once it holds the snapshot, entries after it.
func (n *node) handleSnapshotReply(from protocols.NodeID, m InstallSnapshotReply) {
	if n.role != leader || m.Term != n.term {
		return
	}
	i := n.peerIndex(from)
	if i < 0 {
		return
	}
	pr := &n.prs[i]
	pr.active = true
	if m.Round > pr.round {
		n.ackRound(i, m.Round)
	}
	if m.Done {
		if m.Index > pr.match {
			pr.match = m.Index
			n.maybeCommit()
			if n.role != leader {
				return
			}
		}
		pr.next = max(pr.next, m.Index+1)
		if n.target[i] && pr.next <= n.log.lastIndex() {
			n.sendAppend(i)
		}
		return
	}
	if m.Index == pr.snap.Index && m.Index > pr.match && m.Offset != pr.snapOffset {
		pr.snapOffset = m.Offset
		n.sendSnapshot(i)
	}
}

// handleInstallSnapshot is Figure 13's InstallSnapshot receiver: it gathers
// the chunks, and on the last one installs the snapshot. A snapshot that
// ends at or before the commit index brings nothing new (it is a stale or
// duplicated message); installing it would roll the state machine back.
func (n *node) handleInstallSnapshot(from protocols.NodeID, m InstallSnapshot) {
	if m.Term < n.term {
		n.out.Send(from, InstallSnapshotReply{Term: n.term, Index: m.Index, Round: m.Round})
		return
	}
	if n.role == leader {
		n.out.Send(from, InstallSnapshotReply{Term: n.term, Index: m.Index, Round: m.Round})
		return
	}
	if n.role != follower || n.leader != from {
		n.becomeFollower(n.term, from)
	}
	n.heardFromLeader()
	reply := InstallSnapshotReply{Term: n.term, Index: m.Index, Round: m.Round}
	if m.Index <= n.commit {
		n.out.Probe(ProbeSnapshotStale)
		reply.Done = true
		n.out.Send(from, reply)
		return
	}
	r := &n.recv
	switch {
	case m.Offset == 0:
		r.index, r.term, r.buf = m.Index, m.SnapTerm, append(r.buf[:0:0], m.Data...)
	case r.index == m.Index && r.term == m.SnapTerm && m.Offset == len(r.buf):
		r.buf = append(r.buf, m.Data...)
	default:
		// Out of order (a lost or duplicated chunk): say what we hold.
		if r.index == m.Index && r.term == m.SnapTerm {
			reply.Offset = len(r.buf)
		}
		n.out.Send(from, reply)
		return
	}
	reply.Offset = len(r.buf)
	if !m.Done {
		n.out.Send(from, reply)
		return
	}
	n.installSnapshot(Snapshot{Index: m.Index, Term: m.SnapTerm, Config: m.Config, Data: r.buf, Chain: m.Chain})
	*r = snapshotRecv{}
	reply.Done = true
	n.out.Send(from, reply)
}

// installSnapshot makes s this server's snapshot and state: if its log
// holds s's last entry it keeps the entries after it (Figure 13, step 6),
// otherwise it discards the whole log (step 7); the state machine and the
// configuration become the snapshot's (step 8).
func (n *node) installSnapshot(s Snapshot) {
	state, err := kv.DecodeSnapshot(s.Data)
	if err != nil {
		panic(fmt.Sprintf("raft: %s: snapshot %d/%d: %v", n.id, s.Index, s.Term, err))
	}
	sm := state.Restore()
	if t, ok := n.log.term(s.Index); ok && t == s.Term && s.Index > n.log.base {
		n.log.compact(s.Index)
	} else {
		n.log.restore(s.Index, s.Term, s.Chain, s.Config)
	}
	n.snap = s
	n.sm = sm
	n.applied = s.Index
	n.commit = max(n.commit, s.Index)
	n.persistAll()
	n.refreshConfig()
	n.out.Note(Restored{Index: s.Index, Term: s.Term})
	n.out.Probe(ProbeSnapshotInstalled)
	n.applyCommitted()
}
