package raft

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// fakeCluster is a hand-built cluster for monitor tests: the test puts node
// states in it directly.
type fakeCluster struct {
	nodes map[protocols.NodeID]protocols.Node
	seq   uint64
}

func newFakeCluster() *fakeCluster { return &fakeCluster{nodes: map[protocols.NodeID]protocols.Node{}} }

func (c *fakeCluster) Now() clock.Time                 { return 0 }
func (c *fakeCluster) Servers() []protocols.NodeID     { return protocols.Servers(5) }
func (c *fakeCluster) Byzantine(protocols.NodeID) bool { return false }
func (c *fakeCluster) Node(id protocols.NodeID) protocols.Node {
	if n, ok := c.nodes[id]; ok {
		return n
	}
	return nil
}

// set puts a server with the given state in the cluster and returns it.
func (c *fakeCluster) set(id protocols.NodeID, r role, term uint64, commit int, terms ...uint64) *node {
	n := &node{id: id, role: r, term: term, commit: commit, log: logOf(terms...)}
	c.nodes[id] = n
	return n
}

// step reports an event of node id with the given notes to m.
func (c *fakeCluster) step(m protocols.Monitor, id protocols.NodeID, notes ...protocols.Note) error {
	return c.stepInput(m, id, protocols.Receive, notes...)
}

func (c *fakeCluster) stepInput(m protocols.Monitor, id protocols.NodeID, in protocols.InputKind, notes ...protocols.Note) error {
	c.seq++
	return m.Check(c, protocols.Event{Seq: c.seq, Node: id, Input: in, Notes: notes})
}

// kindOf returns the violation kind of err, or "" for nil.
func kindOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var v *protocols.Violation
	require.True(t, errors.As(err, &v), "want a *protocols.Violation, got %T %v", err, err)
	return v.Kind
}

func monitor(kind string) protocols.Monitor {
	for _, m := range Monitors() {
		switch m.(type) {
		case *electionSafety:
			if kind == KindElectionSafety {
				return m
			}
		case *leaderUnelected:
			if kind == KindLeaderUnelected {
				return m
			}
		case *voteOnce:
			if kind == KindVoteOnce {
				return m
			}
		case *termMonotonic:
			if kind == KindTermMonotonic {
				return m
			}
		case *leaderAppendOnly:
			if kind == KindLeaderAppendOnly {
				return m
			}
		case *logMatching:
			if kind == KindLogMatching || kind == KindNeedlessTruncation {
				return m
			}
		case *leaderCompleteness:
			if kind == KindLeaderCompleteness {
				return m
			}
		case *commitCurrentTerm:
			if kind == KindCommitCurrentTerm {
				return m
			}
		case *stateMachineSafety:
			if kind == KindStateMachineSafety {
				return m
			}
		case *ackedWriteLost:
			if kind == KindAckedWriteLost {
				return m
			}
		case *configSafety:
			if kind == KindDisjointMajorities || kind == KindConfigChangeRule {
				return m
			}
		}
	}
	panic("no monitor for " + kind)
}

func TestElectionSafety(t *testing.T) {
	t.Run("two winners of one term", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindElectionSafety)
		c.set("n1", leader, 2, 0)
		assert.NoError(t, c.step(m, "n1", BecameLeader{Term: 2}))
		assert.NoError(t, c.step(m, "n1"), "the same leader again")
		c.set("n2", leader, 2, 0)
		err := c.step(m, "n2", BecameLeader{Term: 2})
		assert.Equal(t, KindElectionSafety, kindOf(t, err))
		assert.ErrorContains(t, err, "n1 and n2 both leader in term 2")
	})
	t.Run("a leader that never won is caught from its state", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindElectionSafety)
		c.set("n1", leader, 3, 0)
		assert.NoError(t, c.step(m, "n1", BecameLeader{Term: 3}))
		c.set("n2", leader, 3, 0) // no note: it took the term without an election
		assert.Equal(t, KindElectionSafety, kindOf(t, c.step(m, "n2")))
	})
	t.Run("the ghost outlives the leader", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindElectionSafety)
		c.set("n1", leader, 3, 0)
		assert.NoError(t, c.step(m, "n1", BecameLeader{Term: 3}))
		delete(c.nodes, "n1") // crashed
		c.set("n2", leader, 4, 0)
		assert.NoError(t, c.step(m, "n2", BecameLeader{Term: 4}))
		c.set("n3", leader, 3, 0)
		assert.Equal(t, KindElectionSafety, kindOf(t, c.step(m, "n3", BecameLeader{Term: 3})))
	})
}

func TestLeaderUnelected(t *testing.T) {
	t.Run("a leader of the term it won", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderUnelected)
		c.set("n1", leader, 2, 0)
		assert.NoError(t, c.step(m, "n1", BecameLeader{Term: 2}))
		assert.NoError(t, c.step(m, "n1"), "leading on in that term")
		c.set("n1", follower, 3, 0)
		assert.NoError(t, c.step(m, "n1"), "a follower of a later term")
	})
	t.Run("a leader that takes a later term and goes on leading", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderUnelected)
		n1 := c.set("n1", leader, 2, 0)
		assert.NoError(t, c.step(m, "n1", BecameLeader{Term: 2}))
		n1.term = 3
		err := c.step(m, "n1")
		assert.Equal(t, KindLeaderUnelected, kindOf(t, err))
		assert.ErrorContains(t, err, "n1 leads term 3, but the last election it won was for term 2")
	})
	t.Run("a leader in a new incarnation without an election", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderUnelected)
		c.set("n1", leader, 2, 0)
		assert.NoError(t, c.step(m, "n1", BecameLeader{Term: 2}))
		c.set("n1", leader, 2, 0) // restarted, and somehow leading at once
		err := c.stepInput(m, "n1", protocols.Start)
		assert.Equal(t, KindLeaderUnelected, kindOf(t, err))
		assert.ErrorContains(t, err, "without having won an election since it started")
	})
}

func TestVoteOnce(t *testing.T) {
	c, m := newFakeCluster(), monitor(KindVoteOnce)
	assert.NoError(t, c.step(m, "n3", Voted{Term: 2, For: "n1"}))
	assert.NoError(t, c.step(m, "n3", Voted{Term: 2, For: "n1"}), "the same vote again is fine")
	assert.NoError(t, c.step(m, "n3", Voted{Term: 3, For: "n2"}), "a new term, a new vote")
	assert.NoError(t, c.step(m, "n4", Voted{Term: 2, For: "n2"}), "another voter")
	err := c.stepInput(m, "n3", protocols.Start) // a restart does not reset the ghost
	assert.NoError(t, err)
	err = c.step(m, "n3", Voted{Term: 2, For: "n2"})
	assert.Equal(t, KindVoteOnce, kindOf(t, err))
	assert.ErrorContains(t, err, "n3 voted for n1 and then n2 in term 2")
}

func TestTermMonotonic(t *testing.T) {
	c, m := newFakeCluster(), monitor(KindTermMonotonic)
	c.set("n1", follower, 3, 0)
	assert.NoError(t, c.step(m, "n1"))
	c.set("n1", candidate, 4, 0)
	assert.NoError(t, c.step(m, "n1"))
	assert.NoError(t, c.step(m, "c1"), "clients are not servers")
	assert.NoError(t, c.step(m, ""), "fault events have no node")
	c.set("n1", follower, 4, 0) // restarted with its term: fine
	assert.NoError(t, c.stepInput(m, "n1", protocols.Start))
	c.set("n1", follower, 0, 0) // restarted without it
	err := c.stepInput(m, "n1", protocols.Start)
	assert.Equal(t, KindTermMonotonic, kindOf(t, err))
	assert.ErrorContains(t, err, "n1 restarted from term 4 to term 0")
}

func TestLeaderAppendOnly(t *testing.T) {
	t.Run("appending is fine", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderAppendOnly)
		n := c.set("n1", leader, 2, 0, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		n.log.append(figureEntry(4, 2))
		assert.NoError(t, c.step(m, "n1"))
	})
	t.Run("shrinking", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderAppendOnly)
		n := c.set("n1", leader, 2, 0, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		n.log.truncate(3)
		err := c.step(m, "n1")
		assert.Equal(t, KindLeaderAppendOnly, kindOf(t, err))
		assert.ErrorContains(t, err, "shrank its log from 3 to 2 entries")
	})
	t.Run("rewriting an entry in place", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderAppendOnly)
		n := c.set("n1", leader, 2, 0, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		n.log.truncate(2)
		n.log.append(Entry{Term: 1}, figureEntry(3, 2), figureEntry(4, 2)) // index 2 is now a no-op
		assert.Equal(t, KindLeaderAppendOnly, kindOf(t, c.step(m, "n1")))
	})
	t.Run("a new term or a new incarnation starts afresh", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderAppendOnly)
		n := c.set("n1", leader, 2, 0, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		n.role = follower
		n.log.truncate(2)
		assert.NoError(t, c.step(m, "n1"), "followers may truncate")
		c.set("n1", leader, 3, 0, 1) // a new incarnation, leading a later term
		assert.NoError(t, c.step(m, "n1"))
	})
}

func TestLogMatching(t *testing.T) {
	t.Run("consistent logs", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLogMatching)
		c.set("n1", leader, 3, 0, 1, 1, 2, 3)
		c.set("n2", follower, 3, 0, 1, 1, 2)
		c.set("n3", follower, 3, 0, 1, 1, 4, 4) // conflicts at 3 with another term: allowed
		for _, id := range []protocols.NodeID{"n1", "n2", "n3"} {
			assert.NoError(t, c.step(m, id))
		}
	})
	t.Run("same index and term, different prefix", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLogMatching)
		c.set("n1", leader, 3, 0, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		c.set("n2", follower, 3, 0, 1, 2, 2) // 3/2 after 2/2, where n1 has it after 2/1
		err := c.step(m, "n2")
		assert.Equal(t, KindLogMatching, kindOf(t, err))
		assert.ErrorContains(t, err, "n2 holds entry 3/2")
	})
	t.Run("same index and term, different command", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLogMatching)
		c.set("n1", leader, 3, 0, 1, 1)
		assert.NoError(t, c.step(m, "n1"))
		n2 := c.set("n2", follower, 3, 0, 1)
		n2.log.append(Entry{Term: 1}) // a no-op where n1 has a put
		assert.Equal(t, KindLogMatching, kindOf(t, c.step(m, "n2")))
	})
	t.Run("the ghost remembers entries that are gone", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLogMatching)
		n1 := c.set("n1", follower, 3, 0, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		n1.log.truncate(2)
		n1.log.append(figureEntry(2, 3)) // a conflicting entry replaced 2/1 and 3/2
		assert.NoError(t, c.step(m, "n1"))
		c.set("n2", follower, 3, 0, 1, 5, 2)
		assert.Equal(t, KindLogMatching, kindOf(t, c.step(m, "n2")))
	})
	t.Run("every term seen at an index is remembered", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLogMatching)
		c.set("n1", leader, 4, 0, 1, 1, 2)
		c.set("n3", follower, 4, 0, 1, 1, 4) // a second term at index 3
		c.set("n4", follower, 5, 0, 1, 5, 4) // 3/4 again, after another prefix
		assert.NoError(t, c.step(m, "n1"))
		assert.NoError(t, c.step(m, "n3"))
		err := c.step(m, "n4")
		assert.Equal(t, KindLogMatching, kindOf(t, err))
		assert.ErrorContains(t, err, "n4 holds entry 3/4 with a log before it that differs from the one n3 had")
	})
	t.Run("pruning keeps the other terms seen above the horizon", func(t *testing.T) {
		c := newFakeCluster()
		m := monitor(KindLogMatching).(*logMatching)
		ones := func(n int) []uint64 { return slices.Repeat([]uint64{1}, n) }
		n1 := c.set("n1", leader, 3, 0, ones(1600)...)
		c.set("n2", follower, 3, 0, append(ones(1500), 2)...) // 1501/2, where n1 has 1501/1
		assert.NoError(t, c.step(m, "n1"))
		assert.NoError(t, c.step(m, "n2"))
		m.h.floor = 1200 // every server has a snapshot at 1200 or later
		n1.log.append(figureEntry(1601, 1))
		assert.NoError(t, c.step(m, "n1"))
		require.Equal(t, 1200, m.gbase, "the ghost was pruned")
		c.set("n3", follower, 3, 0, append(ones(1499), 3, 2)...) // 1501/2 after 1500/3
		err := c.step(m, "n3")
		assert.Equal(t, KindLogMatching, kindOf(t, err))
		assert.ErrorContains(t, err, "n3 holds entry 1501/2 with a log before it that differs from the one n2 had")
	})
	t.Run("only changed entries are visited", func(t *testing.T) {
		c := newFakeCluster()
		m := monitor(KindLogMatching).(*logMatching)
		n1 := c.set("n1", leader, 3, 0, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		n1.log.append(figureEntry(4, 3))
		assert.NoError(t, c.step(m, "n1"))
		assert.Len(t, m.seen.at(m.number("n1")).chain, 5)
		// Corrupt the ghost at index 2: the monitor must not revisit it.
		m.ghost[2].chain++
		n1.log.append(figureEntry(5, 3))
		assert.NoError(t, c.step(m, "n1"))
	})
}

func TestNeedlessTruncation(t *testing.T) {
	t.Run("replacing a conflicting suffix is fine", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindNeedlessTruncation)
		n := c.set("n2", follower, 3, 0, 1, 1, 2, 2)
		assert.NoError(t, c.step(m, "n2"))
		n.log.truncate(3)
		n.log.append(figureEntry(3, 3))
		assert.NoError(t, c.step(m, "n2"))
	})
	t.Run("dropping entries with nothing in their place", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindNeedlessTruncation)
		n := c.set("n2", follower, 3, 0, 1, 1, 2, 2)
		assert.NoError(t, c.step(m, "n2"))
		n.log.truncate(3)
		err := c.step(m, "n2")
		assert.Equal(t, KindNeedlessTruncation, kindOf(t, err))
		assert.ErrorContains(t, err, "n2 deleted entries 3..4 of its log with no conflicting entry to replace them")
	})
	t.Run("a restarted server is a new incarnation", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindNeedlessTruncation)
		c.set("n2", follower, 3, 0, 1, 1, 2, 2)
		assert.NoError(t, c.step(m, "n2"))
		c.set("n2", follower, 3, 0, 1, 1) // what an unsynced crash could leave
		assert.NoError(t, c.stepInput(m, "n2", protocols.Start))
	})
}

func TestCommitCurrentTerm(t *testing.T) {
	t.Run("committing through an entry of the current term", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindCommitCurrentTerm)
		n := c.set("n1", leader, 3, 1, 1, 2, 2, 3)
		assert.NoError(t, c.step(m, "n1"), "the commit index a leader starts with is not checked")
		n.commit = 4
		assert.NoError(t, c.step(m, "n1"))
	})
	t.Run("committing an earlier term's entry by counting", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindCommitCurrentTerm)
		n := c.set("n1", leader, 3, 1, 1, 2, 2, 3)
		assert.NoError(t, c.step(m, "n1"))
		n.commit = 3
		err := c.step(m, "n1")
		assert.Equal(t, KindCommitCurrentTerm, kindOf(t, err))
		assert.ErrorContains(t, err, "leader n1 of term 3 advanced its commit index to 3, an entry of term 2")
	})
	t.Run("followers learn earlier-term commits freely", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindCommitCurrentTerm)
		n := c.set("n2", follower, 3, 1, 1, 2, 2)
		assert.NoError(t, c.step(m, "n2"))
		n.commit = 3
		assert.NoError(t, c.step(m, "n2"))
	})
}

func TestLeaderCompleteness(t *testing.T) {
	t.Run("a new leader without a committed entry", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderCompleteness)
		c.set("n1", leader, 2, 3, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		c.set("n2", leader, 3, 0, 1, 1, 3)
		err := c.step(m, "n2", BecameLeader{Term: 3})
		assert.Equal(t, KindLeaderCompleteness, kindOf(t, err))
		assert.ErrorContains(t, err, "n2 became leader of term 3 without entry 3/2, committed by n1 in term 2")
	})
	t.Run("a new leader with a short log", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderCompleteness)
		c.set("n1", leader, 2, 3, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		c.set("n2", leader, 3, 0, 1, 1)
		assert.Equal(t, KindLeaderCompleteness, kindOf(t, c.step(m, "n2", BecameLeader{Term: 3})))
	})
	t.Run("a complete leader", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderCompleteness)
		c.set("n1", leader, 2, 3, 1, 1, 2, 2)
		assert.NoError(t, c.step(m, "n1"))
		c.set("n2", leader, 3, 0, 1, 1, 2, 3, 3)
		assert.NoError(t, c.step(m, "n2", BecameLeader{Term: 3}))
		assert.NoError(t, c.step(m, "c1", kv.Completed{}), "events of clients are ignored")
	})
	t.Run("committing over a committed entry", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderCompleteness)
		c.set("n1", leader, 2, 2, 1, 1)
		assert.NoError(t, c.step(m, "n1"))
		c.set("n2", leader, 3, 3, 1, 3, 3) // commits 3, whose prefix lacks 2/1
		assert.Equal(t, KindLeaderCompleteness, kindOf(t, c.step(m, "n2")))
	})
	t.Run("a late leader of an earlier term", func(t *testing.T) {
		// n3 won term 3 long ago, was paused with its votes queued, and
		// takes office after term 4 committed more: that is fine, Leader
		// Completeness speaks of leaders of later terms only.
		c, m := newFakeCluster(), monitor(KindLeaderCompleteness)
		c.set("n1", leader, 2, 2, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		c.set("n2", leader, 4, 4, 1, 2, 4, 4)
		assert.NoError(t, c.step(m, "n2"))
		c.set("n3", leader, 3, 0, 1, 2)
		assert.NoError(t, c.step(m, "n3", BecameLeader{Term: 3}))
		c.set("n3", leader, 3, 0, 1)
		err := c.step(m, "n3", BecameLeader{Term: 3})
		assert.Equal(t, KindLeaderCompleteness, kindOf(t, err), "but it must hold what was committed before term 3")
		assert.ErrorContains(t, err, "without entry 2/2, committed by n1 in term 2")
	})
	t.Run("followers' commit indexes are not counted", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindLeaderCompleteness)
		c.set("n1", follower, 2, 3, 1, 1, 2)
		assert.NoError(t, c.step(m, "n1"))
		c.set("n2", leader, 3, 0, 1, 1, 3)
		assert.NoError(t, c.step(m, "n2", BecameLeader{Term: 3}))
	})
}

func applied(index int, term uint64, client protocols.NodeID, seq uint64, op kv.Op, o kv.Outcome) Applied {
	return Applied{Index: index, Term: term, Req: kv.Request{Client: client, Seq: seq, Op: op}, Outcome: o}
}

func TestStateMachineSafety(t *testing.T) {
	put := kv.PutOp("k", "v")
	t.Run("same entries everywhere", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindStateMachineSafety)
		assert.NoError(t, c.step(m, "n1", Applied{Index: 1, Term: 1}, applied(2, 1, "c1", 1, put, kv.Executed)))
		assert.NoError(t, c.step(m, "n2", Applied{Index: 1, Term: 1}))
		assert.NoError(t, c.step(m, "n2", applied(2, 1, "c1", 1, put, kv.Executed)))
		assert.NoError(t, c.stepInput(m, "n1", protocols.Start), "a restart re-applies from 1")
		assert.NoError(t, c.step(m, "n1", Applied{Index: 1, Term: 1}))
	})
	t.Run("different entries at one index", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindStateMachineSafety)
		assert.NoError(t, c.step(m, "n1", Applied{Index: 1, Term: 1}, applied(2, 1, "c1", 1, put, kv.Executed)))
		assert.NoError(t, c.step(m, "n2", Applied{Index: 1, Term: 1}))
		err := c.step(m, "n2", Applied{Index: 2, Term: 2})
		assert.Equal(t, KindStateMachineSafety, kindOf(t, err))
		assert.ErrorContains(t, err, "n2 applied noop of term 2 at index 2 where n1 applied c1#1 put(k,v) of term 1")
	})
	t.Run("same term, different command", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindStateMachineSafety)
		assert.NoError(t, c.step(m, "n1", applied(1, 1, "c1", 1, put, kv.Executed)))
		assert.Equal(t, KindStateMachineSafety, kindOf(t, c.step(m, "n2", applied(1, 1, "c2", 1, put, kv.Executed))))
	})
	t.Run("a gap in the applied sequence", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindStateMachineSafety)
		assert.NoError(t, c.step(m, "n1", Applied{Index: 1, Term: 1}))
		err := c.step(m, "n1", Applied{Index: 3, Term: 1})
		assert.Equal(t, KindStateMachineSafety, kindOf(t, err))
		assert.ErrorContains(t, err, "n1 applied index 3 when 2 was next")
	})
	t.Run("applying again without a restart", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindStateMachineSafety)
		assert.NoError(t, c.step(m, "n1", Applied{Index: 1, Term: 1}))
		assert.Equal(t, KindStateMachineSafety, kindOf(t, c.step(m, "n1", Applied{Index: 1, Term: 1})))
	})
}

func TestAckedWriteLost(t *testing.T) {
	w := kv.PutOp("k", "c1.1")
	done := kv.Completed{Client: "c1", Seq: 1, Op: w, Server: "n1"}
	t.Run("the acked write is where every server applies it", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindAckedWriteLost)
		assert.NoError(t, c.step(m, "n1", applied(2, 1, "c1", 1, w, kv.Executed)))
		assert.NoError(t, c.step(m, "c1", done))
		assert.NoError(t, c.step(m, "n2", applied(2, 1, "c1", 1, w, kv.Executed)))
		assert.NoError(t, c.step(m, "n2", applied(5, 2, "c1", 1, w, kv.Duplicate)), "a retried copy later in the log")
	})
	t.Run("another entry where the acked write was", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindAckedWriteLost)
		assert.NoError(t, c.step(m, "n1", applied(2, 1, "c1", 1, w, kv.Executed)))
		assert.NoError(t, c.step(m, "c1", done))
		err := c.step(m, "n2", applied(2, 2, "c2", 4, kv.GetOp("k"), kv.Executed))
		assert.Equal(t, KindAckedWriteLost, kindOf(t, err))
		assert.ErrorContains(t, err, "n2 applied c2#4 get(k) of term 2 at index 2, where acknowledged write c1#1 was executed")
		assert.Equal(t, KindAckedWriteLost, kindOf(t, c.step(m, "n3", Applied{Index: 2, Term: 2})), "a no-op there too")
	})
	t.Run("acknowledged but never executed", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindAckedWriteLost)
		err := c.step(m, "c1", done)
		assert.Equal(t, KindAckedWriteLost, kindOf(t, err))
		assert.ErrorContains(t, err, "no server has executed it")
	})
	t.Run("reads are not writes", func(t *testing.T) {
		c, m := newFakeCluster(), monitor(KindAckedWriteLost)
		assert.NoError(t, c.step(m, "c1", kv.Completed{Client: "c1", Seq: 1, Op: kv.GetOp("k")}))
	})
}

func TestMonitorsAreFreshAndCoverEveryKind(t *testing.T) {
	a, b := Monitors(), Monitors()
	require.Len(t, a, 14)
	for i := range a {
		assert.NotSame(t, a[i], b[i])
	}
	for _, k := range []string{KindElectionSafety, KindLeaderUnelected, KindVoteOnce, KindTermMonotonic, KindLeaderAppendOnly,
		KindLogMatching, KindNeedlessTruncation, KindLeaderCompleteness, KindCommitCurrentTerm,
		KindStateMachineSafety, KindAckedWriteLost, KindDisjointMajorities, KindConfigChangeRule} {
		assert.NotPanics(t, func() { monitor(k) }, k)
	}
}

// The golden scripts double as monitor tests on real runs: those of correct
// Raft must show no violation, and each bug's must show one.
func TestScriptsViolateExactlyUnderBugs(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	caught := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		bug, isBug := strings.CutPrefix(name, "bug-")
		has := strings.Contains(string(b), "\nVIOLATION ")
		if isBug {
			assert.True(t, has, "%s: the %s bug should be caught", f, bug)
			caught[bug] = has
		} else {
			assert.False(t, has, "%s: correct Raft must not violate anything", f)
		}
	}
	for _, bug := range Bugs {
		assert.True(t, caught[bug.Name], "no script shows bug %s caught", bug.Name)
	}
}

// The monitors that follow leaders (leader-append-only, commit-current-term)
// keep one view per server, by its number, and forget it when the server
// stops leading: a view left behind would judge the server's next
// leadership against its last one. Each runs alone and within the suite.
func TestLeaderViewsArePerServerAndForgotten(t *testing.T) {
	for _, kind := range []string{KindLeaderAppendOnly, KindCommitCurrentTerm} {
		for _, within := range []string{"alone", "suite"} {
			fresh := func() protocols.Monitor {
				if within == "suite" {
					return MonitorSuite()
				}
				return monitor(kind)
			}
			// breach makes a leader's next event break kind's rule, as
			// judged against its view: it rewrites the entry at index 4
			// (with another term, which log matching accepts), or commits
			// index 3, an entry of term 2.
			breach := func(n *node) {
				if kind == KindLeaderAppendOnly {
					n.log.truncate(4)
					n.log.append(Entry{Term: 2})
				} else {
					n.commit = 3
				}
			}
			t.Run(kind+" "+within+" forgets", func(t *testing.T) {
				c, m := newFakeCluster(), fresh()
				n := c.set("n1", leader, 3, 2, 1, 2, 2, 3)
				require.NoError(t, c.step(m, "n1", BecameLeader{Term: 3}))
				n.role = follower
				require.NoError(t, c.step(m, "n1"))
				n.role = leader // the same term and incarnation: only a forgotten view lets it pass
				breach(n)
				require.NoError(t, c.step(m, "n1"))
			})
			t.Run(kind+" "+within+" per server", func(t *testing.T) {
				c, m := newFakeCluster(), fresh()
				n1 := c.set("n1", leader, 3, 2, 1, 2, 2, 3)
				require.NoError(t, c.step(m, "n1", BecameLeader{Term: 3}))
				n2 := c.set("n2", leader, 4, 2, 1, 2, 2, 3)
				require.NoError(t, c.step(m, "n2", BecameLeader{Term: 4}))
				n2.log.append(Entry{Term: 4})
				require.NoError(t, c.step(m, "n2"))
				breach(n1)
				err := c.step(m, "n1")
				require.Equal(t, kind, kindOf(t, err))
				require.ErrorContains(t, err, "leader n1 of term 3")
			})
		}
	}
}

// ackedAt answers as a lookup in acked does, at every index, whatever
// writes were executed and acknowledged where, and after pruning: the
// index above which it answers without a lookup bounds every index acked
// holds.
func TestAckedAtIsALookup(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := &horizon{snaps: map[protocols.NodeID]int{}}
		m := newAckedWriteLost(h, &kv.ClientNumbers{})
		clients := []protocols.NodeID{"c1", "c2"}
		for step := range rapid.IntRange(1, 80).Draw(t, "steps") {
			client := clients[rapid.IntRange(0, 1).Draw(t, "client")]
			seq := rapid.Uint64Range(1, 20).Draw(t, "seq")
			switch rapid.IntRange(0, 2).Draw(t, "what") {
			case 0:
				a := &Applied{Index: rapid.IntRange(1, 60).Draw(t, "index"), Term: 1,
					Req: kv.Request{Client: client, Seq: seq, Op: kv.PutOp("k", "v")}, Outcome: kv.Executed}
				_ = m.apply("n1", a, kv.KeyOf(m.clients, a))
			case 1:
				_ = m.completed(kv.Completed{Client: client, Seq: seq, Op: kv.PutOp("k", "v"), Server: "n1"})
			case 2:
				h.floor = rapid.IntRange(0, 60).Draw(t, "floor")
				m.prune()
			}
			for x := -1; x <= 62; x++ {
				w, ok := m.ackedAt(x)
				ww, wok := m.acked.Get(uint64(x))
				if w != ww || ok != wok {
					t.Fatalf("step %d: ackedAt(%d) = %v %v, acked holds %v %v", step, x, w, ok, ww, wok)
				}
			}
		}
	})
}

// Leader completeness compares a new leader's log with the committed
// digests where its ghost keeps them, field by field, instead of copying
// them out for commonPrefixAt: the same probes, so the same index, for
// chains that agree on any prefix and then differ anywhere (a collision's
// agreement after a difference included).
func TestCommittedPrefixIsCommonPrefixAt(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		digest := rapid.Uint64Range(0, 3) // few values: agreements and zeros are common
		m := &leaderCompleteness{cbase: rapid.IntRange(0, 5).Draw(t, "cbase")}
		var chains []uint64
		for i := range rapid.IntRange(1, 20).Draw(t, "committed") {
			d := digest.Draw(t, "chain "+strconv.Itoa(i))
			m.committed = append(m.committed, committedEntry{chain: d})
			chains = append(chains, d)
		}
		b := rapid.SliceOfN(digest, 0, 25).Draw(t, "b")
		bbase := rapid.IntRange(0, 10).Draw(t, "bbase")
		c := rapid.IntRange(m.cbase, m.top()).Draw(t, "c")
		want := commonPrefixAt(chains[:c-m.cbase+1], m.cbase, b, bbase)
		if got := m.commonPrefixAt(c, b, bbase); got != want {
			t.Fatalf("commonPrefixAt in place = %d, copied = %d", got, want)
		}
	})
}

// Log matching's view of a server's log is the log's own chain as it was
// when seen, not a copy: it must go on reading what the log held then,
// however the log changes after (appends in place, truncations and the
// appends after them, compactions, restores), and it must hold what the
// log held at the check.
func TestLogMatchingViewsStayAsSeen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := newFakeCluster()
		m := monitor(KindLogMatching).(*logMatching)
		n := c.set("n1", follower, 1, 0)
		var views, copies [][]uint64 // each view kept after a check, and its digests then
		for step := range rapid.IntRange(1, 60).Draw(t, "steps") {
			last := n.log.lastIndex()
			switch op := rapid.IntRange(0, 5).Draw(t, "op"); {
			case op <= 2:
				for range rapid.IntRange(1, 3).Draw(t, "appended") {
					last++
					n.log.append(figureEntry(last, rapid.Uint64Range(1, 3).Draw(t, "term")))
				}
			case op == 3 && last > n.log.base:
				n.log.truncate(rapid.IntRange(n.log.base+1, last).Draw(t, "truncate from"))
			case op == 4 && last > n.log.base:
				n.log.compact(rapid.IntRange(n.log.base+1, last).Draw(t, "compact to"))
			case op == 5:
				at := last + rapid.IntRange(0, 3).Draw(t, "restore past")
				n.log.restore(at, 1, rapid.Uint64().Draw(t, "restored digest"), n.log.config())
			}
			if err := c.step(m, "n1"); err != nil {
				continue // a violation (a needless truncation, say) leaves the view as it was
			}
			v := m.seen.at(m.number("n1"))
			require.Equal(t, n.log.base, v.base, "step %d", step)
			require.Equal(t, n.log.chain, v.chain, "step %d: the view is not the log", step)
			views, copies = append(views, v.chain), append(copies, slices.Clone(v.chain))
			for i := range views {
				require.Equal(t, copies[i], views[i], "step %d: view %d changed after it was taken", step, i)
			}
		}
	})
}
