package raft

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/kv/kvtest"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Tests named after the sections of the extended Raft paper (Ongaro and
// Ousterhout), in the manner of etcd raft's raft_paper_test.go. The
// testdata scripts show the same behaviour message by message; these
// assert it directly.

// newCluster returns a harness with n servers, a sink client cx and every
// monitor, started.
func newCluster(t *testing.T, n int, opts Options) *prototest.Harness {
	t.Helper()
	require.NoError(t, opts.Validate())
	h := prototest.New(1)
	h.AddServers(New(opts), protocols.Servers(n)...)
	h.AddClients(kvtest.NewClient().Node(), kvtest.ID)
	for _, m := range Monitors() {
		h.AddMonitor(m)
	}
	h.Start()
	return h
}

func raftNode(h *prototest.Harness, id protocols.NodeID) *node { return h.Node(id).(*node) }

func elect(h *prototest.Harness, id protocols.NodeID) {
	h.Fire(id, timerElection)
	h.Stabilize(10000)
}

func kindOfFailure(h *prototest.Harness) string {
	var v *protocols.Violation
	if errors.As(h.Failure(), &v) {
		return v.Kind
	}
	return ""
}

// §5.1: a server that sees a larger term adopts it and becomes a follower;
// a request with a stale term is rejected, and the reply carries the
// larger term.
func TestPaper51TermsAndStepDown(t *testing.T) {
	h := newCluster(t, 3, Options{})
	elect(h, "n1")
	require.Equal(t, leader, raftNode(h, "n1").role)

	h.Inject("n2", "n1", &AppendEntriesReply{Term: 5})
	n1 := raftNode(h, "n1")
	assert.Equal(t, follower, n1.role, "a leader steps down on a later term")
	assert.Equal(t, uint64(5), n1.term)
	assert.Equal(t, []string{timerElection}, h.Timers("n1"), "and waits for a leader, or to run itself")
	h.Output()

	h.Inject("n3", "n1", &AppendEntries{Term: 4, PrevIndex: 1, PrevTerm: 1})
	assert.Contains(t, h.Output(), "send n1->n3 AppendEntriesReply{term=5 reject")
	h.Inject("n3", "n1", RequestVote{Term: 4, LastIndex: 9, LastTerm: 4})
	assert.Contains(t, h.Output(), "send n1->n3 RequestVoteReply{term=5 rejected}")
	assert.NoError(t, h.Failure())
}

// Servers send AppendEntries and AppendEntriesReply as pointers; the value
// forms are taken the same way.
func TestValueFormsOfPointerMessages(t *testing.T) {
	h := newCluster(t, 3, Options{})
	elect(h, "n1")
	h.Inject("n2", "n1", AppendEntriesReply{Term: 5})
	n1 := raftNode(h, "n1")
	assert.Equal(t, follower, n1.role, "a leader steps down on a later term")
	assert.Equal(t, uint64(5), n1.term)
	h.Output()
	h.Inject("n3", "n1", AppendEntries{Term: 4, PrevIndex: 1, PrevTerm: 1})
	assert.Contains(t, h.Output(), "send n1->n3 AppendEntriesReply{term=5 reject")
	assert.NoError(t, h.Failure())
}

// §5.2: a follower that times out starts an election: it increments its
// term, votes for itself (durably) and asks everyone; a majority makes it
// leader, which then asserts itself with AppendEntries.
func TestPaper52Election(t *testing.T) {
	h := newCluster(t, 5, Options{})
	h.Output()
	h.Fire("n3", timerElection)
	out := h.Output()
	n3 := raftNode(h, "n3")
	assert.Equal(t, candidate, n3.role)
	assert.Equal(t, uint64(1), n3.term)
	assert.Equal(t, protocols.NodeID("n3"), n3.vote)
	assert.Contains(t, out, "persist HardState{term=1 vote=n3}")
	assert.Equal(t, 4, len(h.Inflight()), "a RequestVote to each peer")

	h.Deliver(prototest.Filter{To: "n1"}, 0)
	h.Deliver(prototest.Filter{To: "n2"}, 0)
	h.Deliver(prototest.Filter{Kind: "RequestVoteReply"}, 0)
	assert.Equal(t, leader, n3.role, "two votes and its own make three of five")
	h.Stabilize(1000)
	for _, id := range protocols.Servers(5) {
		assert.Equal(t, protocols.NodeID("n3"), raftNode(h, id).leader, "%s knows the leader", id)
	}
	assert.NoError(t, h.Failure())
}

// §5.2: each server votes for at most one candidate per term, first come
// first served.
func TestPaper52OneVotePerTerm(t *testing.T) {
	h := newCluster(t, 3, Options{})
	h.Inject("n1", "n3", RequestVote{Term: 1})
	h.Output()
	h.Inject("n2", "n3", RequestVote{Term: 1})
	assert.Contains(t, h.Output(), "send n3->n2 RequestVoteReply{term=1 rejected}")
	h.Inject("n1", "n3", RequestVote{Term: 1})
	assert.Contains(t, h.Output(), "send n3->n1 RequestVoteReply{term=1 granted}", "a repeated request from the same candidate is granted again")
}

// §5.2: election timeouts are drawn at random from [min, max] from the
// node's own stream, and differ between servers.
func TestPaper52RandomizedTimeouts(t *testing.T) {
	opts := Options{ElectionTimeoutMin: 150 * clock.Millisecond, ElectionTimeoutMax: 300 * clock.Millisecond}
	n := New(opts)(protocols.Config{ID: "n1", Peers: []protocols.NodeID{"n2"}, Rand: rand.New(rand.NewPCG(3, 4))}).(*node)
	seen := map[clock.Duration]bool{}
	var fx protocols.Effects
	for range 500 {
		fx.Reset()
		n.out = &fx
		n.armElection()
		d := fx.Timers[0].After
		assert.GreaterOrEqual(t, d, 150*clock.Millisecond)
		assert.LessOrEqual(t, d, 300*clock.Millisecond)
		seen[d] = true
	}
	assert.Greater(t, len(seen), 100, "the draws spread over the range")
}

// §5.3: a follower rejects AppendEntries whose previous entry it lacks; the
// leader backs up and the logs converge, conflicting entries replaced.
func TestPaper53LogRepair(t *testing.T) {
	h := newCluster(t, 3, Options{})
	elect(h, "n1")
	for i := range 3 {
		h.Inject("cx", "n1", kv.Request{Client: "cx", Seq: uint64(i + 1), Op: kv.PutOp("k", "v")})
	}
	h.Drop(prototest.Filter{To: "n3"}, 0)
	h.Stabilize(1000)
	assert.Equal(t, 1, raftNode(h, "n3").log.lastIndex(), "n3 missed entries 2..4")
	h.Fire("n1", timerHeartbeat)
	h.Stabilize(1000)
	n1, n3 := raftNode(h, "n1"), raftNode(h, "n3")
	assert.Equal(t, n1.log.chain, n3.log.chain, "n3 caught up entry for entry")
	assert.NoError(t, h.Failure())
}

// §5.4.1: a voter refuses a candidate whose log is less up to date.
func TestPaper541ElectionRestriction(t *testing.T) {
	h := newCluster(t, 3, Options{})
	elect(h, "n1")
	h.Inject("cx", "n1", kv.Request{Client: "cx", Seq: 1, Op: kv.PutOp("k", "v")})
	h.Drop(prototest.Filter{To: "n3"}, 0)
	h.Stabilize(1000)
	h.Crash("n1")
	h.Fire("n3", timerElection)
	h.Stabilize(1000)
	assert.Equal(t, candidate, raftNode(h, "n3").role, "n2 refused n3: its log lacks committed entry 2")
	elect(h, "n2")
	assert.Equal(t, leader, raftNode(h, "n2").role, "n2 itself can win")
	assert.NoError(t, h.Failure())
}

// figure8 plays Figure 8 (see testdata/figure8.txt) up to state (c) and
// returns the harness.
func figure8(t *testing.T) *prototest.Harness {
	h := newCluster(t, 5, Options{MaxAppendEntries: 1})
	elect(h, "n2") // term 1: index 1 everywhere
	// (a) n1 wins term 2; X (2/2) reaches n2 only.
	h.Fire("n1", timerElection)
	h.Deliver(prototest.Filter{Kind: "RequestVote"}, 0)
	h.Deliver(prototest.Filter{Kind: "RequestVoteReply"}, 0)
	h.Deliver(prototest.Filter{To: "n2", Kind: "AppendEntries"}, 0)
	h.Drop(prototest.Filter{Kind: "AppendEntries"}, 0)
	h.Stabilize(100)
	// (b) n5 wins term 3 with n3 and n4 and crashes before replicating Y.
	h.Crash("n1")
	h.Fire("n5", timerElection)
	h.Deliver(prototest.Filter{Kind: "RequestVote"}, 0)
	h.Deliver(prototest.Filter{Kind: "RequestVoteReply"}, 0)
	require.Equal(t, leader, raftNode(h, "n5").role)
	h.Drop(prototest.Filter{}, 0)
	h.Crash("n5")
	// (c) n1 restarts and wins term 4 with n2 and n3.
	h.Restart("n1")
	h.Fire("n1", timerElection) // term 3: refused by n3 and n4
	h.Stabilize(100)
	h.Fire("n1", timerElection) // term 4
	h.Deliver(prototest.Filter{Kind: "RequestVote", To: "n2"}, 0)
	h.Deliver(prototest.Filter{Kind: "RequestVote", To: "n3"}, 0)
	h.Drop(prototest.Filter{Kind: "RequestVote"}, 0)
	h.Deliver(prototest.Filter{Kind: "RequestVoteReply"}, 0)
	require.Equal(t, leader, raftNode(h, "n1").role)
	require.Equal(t, uint64(4), raftNode(h, "n1").term)
	h.Deliver(prototest.Filter{Kind: "AppendEntries", To: "n2"}, 0)
	h.Deliver(prototest.Filter{Kind: "AppendEntries", To: "n3"}, 0) // rejected: n3 lacks X
	h.Deliver(prototest.Filter{Kind: "AppendEntriesReply"}, 0)
	h.Deliver(prototest.Filter{Kind: "AppendEntries", To: "n3"}, 0) // X alone
	h.Deliver(prototest.Filter{Kind: "AppendEntriesReply"}, 0)
	h.Drop(prototest.Filter{}, 0)
	return h
}

// figure8d continues figure8 with state (d): n1 crashes, n5 restarts and
// wins term 5 with n3 and n4, and replicates its log.
func figure8d(h *prototest.Harness) {
	h.Crash("n1")
	h.Restart("n5")
	h.Fire("n5", timerElection) // term 4: refused by n2 and n3
	h.Stabilize(100)
	h.Fire("n5", timerElection) // term 5
	h.Stabilize(100)
	h.Fire("n5", timerHeartbeat)
	h.Stabilize(100)
}

// §5.4.2, Figure 8: a leader may not commit an earlier term's entry by
// counting replicas, even when a majority holds it.
func TestPaper542Figure8(t *testing.T) {
	t.Run("correct", func(t *testing.T) {
		h := figure8(t)
		n1 := raftNode(h, "n1")
		held := 0
		for _, id := range protocols.Servers(5) {
			if n := h.Node(id); n != nil {
				if tm, ok := n.(*node).log.term(2); ok && tm == 2 {
					held++
				}
			}
		}
		require.Equal(t, 3, held, "X (2/2) is on a majority")
		assert.Equal(t, 0, n1.commit, "and still not committed at (c)")
		figure8d(h)
		n5 := raftNode(h, "n5")
		require.Equal(t, leader, n5.role)
		assert.Equal(t, uint64(5), n5.term)
		assert.Equal(t, 3, n5.commit)
		tm, _ := raftNode(h, "n3").log.term(2)
		assert.Equal(t, uint64(3), tm, "Y overwrote X, which was never committed")
		assert.NoError(t, h.Failure())
	})
	t.Run("commit-old-term", func(t *testing.T) {
		h := figure8Bug(t)
		n1 := raftNode(h, "n1")
		require.Equal(t, uint64(4), n1.term)
		assert.Equal(t, 2, n1.commit, "the bug commits X (2/2) at (c)")
		assert.Equal(t, KindCommitCurrentTerm, kindOfFailure(h), "the broken rule is reported")
		h.Output()
		figure8d(h)
		out := h.Output()
		assert.Contains(t, out, "VIOLATION leader-completeness: n5 became leader of term 5 without entry 2/2, committed by n1 in term 4")
		assert.Contains(t, out, "VIOLATION state-machine-safety: n3 applied cx#3 put(k,Y) of term 3 at index 2 where n1 applied cx#2 put(k,X) of term 2")
	})
}

// figure8Bug plays Figure 8 up to (c) as the paper draws it, with no
// no-ops: under commit-old-term leaders append none (see testdata
// bug-commit-old-term.txt), so X and Y are client writes.
func figure8Bug(t *testing.T) *prototest.Harness {
	h := newCluster(t, 5, Options{Bug: BugCommitOldTerm})
	elect(h, "n2")
	h.Inject("cx", "n2", kv.Request{Client: "cx", Seq: 1, Op: kv.PutOp("k", "A")})
	h.Stabilize(100)
	// (a)
	h.Fire("n1", timerElection)
	h.Deliver(prototest.Filter{Kind: "RequestVote"}, 0)
	h.Deliver(prototest.Filter{Kind: "RequestVoteReply"}, 0)
	h.Stabilize(100)
	h.Inject("cx", "n1", kv.Request{Client: "cx", Seq: 2, Op: kv.PutOp("k", "X")})
	h.Deliver(prototest.Filter{To: "n2", Kind: "AppendEntries"}, 0)
	h.Drop(prototest.Filter{Kind: "AppendEntries"}, 0)
	h.Stabilize(100)
	// (b)
	h.Crash("n1")
	h.Fire("n5", timerElection)
	h.Deliver(prototest.Filter{Kind: "RequestVote"}, 0)
	h.Deliver(prototest.Filter{Kind: "RequestVoteReply"}, 0)
	h.Stabilize(100)
	h.Inject("cx", "n5", kv.Request{Client: "cx", Seq: 3, Op: kv.PutOp("k", "Y")})
	h.Drop(prototest.Filter{}, 0)
	h.Crash("n5")
	// (c)
	h.Restart("n1")
	h.Fire("n1", timerElection)
	h.Stabilize(100)
	h.Fire("n1", timerElection)
	h.Deliver(prototest.Filter{Kind: "RequestVote", To: "n2"}, 0)
	h.Deliver(prototest.Filter{Kind: "RequestVote", To: "n3"}, 0)
	h.Drop(prototest.Filter{Kind: "RequestVote"}, 0)
	h.Deliver(prototest.Filter{Kind: "RequestVoteReply"}, 0)
	h.Deliver(prototest.Filter{Kind: "AppendEntries", To: "n2"}, 0)
	h.Deliver(prototest.Filter{Kind: "AppendEntries", To: "n3"}, 0)
	h.Deliver(prototest.Filter{Kind: "AppendEntriesReply"}, 0)
	h.Deliver(prototest.Filter{Kind: "AppendEntries", To: "n3"}, 0)
	h.Deliver(prototest.Filter{Kind: "AppendEntriesReply"}, 0)
	h.Drop(prototest.Filter{}, 0)
	return h
}

// §8: a new leader appends a no-op, and clients get at-most-once semantics.
func TestPaper8NoopAndDedup(t *testing.T) {
	h := newCluster(t, 3, Options{})
	elect(h, "n1")
	e := raftNode(h, "n1").log.entry(1)
	assert.True(t, e.IsNoop())
	assert.Equal(t, 1, raftNode(h, "n1").commit, "the no-op commits the leader's term")

	req := kv.Request{Client: "cx", Seq: 1, Op: kv.AppendOp("k", "x")}
	h.Inject("cx", "n1", req)
	h.Inject("cx", "n1", req) // a retry before the first copy commits
	h.Stabilize(1000)
	h.Inject("cx", "n1", req) // a retry after
	h.Stabilize(1000)
	assert.Equal(t, "x", raftNode(h, "n1").sm.Value("k"))
	assert.NoError(t, h.Failure())
}

func TestOptions(t *testing.T) {
	assert.NoError(t, Options{}.Validate())
	d := Options{}.withDefaults()
	assert.Equal(t, 50*clock.Millisecond, d.HeartbeatInterval)
	assert.Equal(t, 150*clock.Millisecond, d.ElectionTimeoutMin)
	assert.Equal(t, 300*clock.Millisecond, d.ElectionTimeoutMax)
	assert.Equal(t, 64, d.MaxAppendEntries)
	assert.Equal(t, 400*clock.Millisecond, Options{ElectionTimeoutMin: 200 * clock.Millisecond}.withDefaults().ElectionTimeoutMax)
	assert.Equal(t, 100*clock.Millisecond, Options{ElectionTimeoutMax: 200 * clock.Millisecond}.withDefaults().ElectionTimeoutMin)
	for _, o := range []Options{
		{HeartbeatInterval: -1},
		{MaxAppendEntries: -1},
		{ElectionTimeoutMin: 300 * clock.Millisecond, ElectionTimeoutMax: 200 * clock.Millisecond},
		{HeartbeatInterval: 200 * clock.Millisecond},
		{HeartbeatInterval: 100 * clock.Millisecond}, // not well under 150ms: one late heartbeat starts an election
		{Bug: "no-such-bug"},
	} {
		assert.ErrorIs(t, o.Validate(), ErrBadOptions, "%+v", o)
	}
	assert.NoError(t, Options{HeartbeatInterval: 75 * clock.Millisecond}.Validate(), "half the election timeout is enough")
	assert.ErrorIs(t, Options{Bug: "nope"}.Validate(), ErrUnknownBug)
	for _, b := range Bugs {
		assert.NoError(t, Options{Bug: b.Name}.Validate(), b.Name)
		assert.NotEmpty(t, b.Description)
	}
	assert.Panics(t, func() { New(Options{Bug: "nope"}) })
}

// A cluster of one is its own majority: it elects itself, and commits and
// answers alone.
func TestSingleServer(t *testing.T) {
	h := newCluster(t, 1, Options{})
	h.Fire("n1", timerElection)
	n1 := raftNode(h, "n1")
	require.Equal(t, leader, n1.role)
	assert.Equal(t, 1, n1.commit, "the no-op commits at once")
	h.Output()
	h.Inject("cx", "n1", kv.Request{Client: "cx", Seq: 1, Op: kv.PutOp("k", "v")})
	assert.Contains(t, h.Output(), `send n1->cx Reply{#1 ok value=""}`)
	assert.NoError(t, h.Failure())
}
