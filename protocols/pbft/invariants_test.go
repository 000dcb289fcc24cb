package pbft

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// fakeCluster is a hand-built cluster for monitor tests.
type fakeCluster struct {
	byz   map[protocols.NodeID]bool
	nodes map[protocols.NodeID]protocols.Node
	seq   uint64
}

func newFakeCluster() *fakeCluster {
	return &fakeCluster{byz: map[protocols.NodeID]bool{}, nodes: map[protocols.NodeID]protocols.Node{}}
}

func (c *fakeCluster) Now() clock.Time                         { return 0 }
func (c *fakeCluster) Servers() []protocols.NodeID             { return protocols.Servers(4) }
func (c *fakeCluster) Byzantine(id protocols.NodeID) bool      { return c.byz[id] }
func (c *fakeCluster) Node(id protocols.NodeID) protocols.Node { return c.nodes[id] }

func (c *fakeCluster) step(m protocols.Monitor, id protocols.NodeID, notes ...protocols.Note) error {
	return c.stepInput(m, id, protocols.Receive, notes...)
}

func (c *fakeCluster) stepInput(m protocols.Monitor, id protocols.NodeID, in protocols.InputKind, notes ...protocols.Note) error {
	c.seq++
	return m.Check(c, protocols.Event{Seq: c.seq, Node: id, Input: in, Notes: notes})
}

func kindOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var v *protocols.Violation
	require.True(t, errors.As(err, &v), "%v is not a violation", err)
	return v.Kind
}

var (
	reqA = kv.Request{Client: "c1", Seq: 1, Op: kv.PutOp("k1", "a")}
	reqB = kv.Request{Client: "c2", Seq: 1, Op: kv.PutOp("k1", "b")}
	dA   = requestDigest(reqA)
	dB   = requestDigest(reqB)
)

func TestAgreement(t *testing.T) {
	c := newFakeCluster()
	m := &agreement{}
	require.NoError(t, c.step(m, "n1", Committed{View: 0, Seq: 1, Digest: dA, Req: reqA}))
	require.NoError(t, c.step(m, "n2", Committed{View: 1, Seq: 1, Digest: dA, Req: reqA}), "the same request in a later view")
	c.byz["n4"] = true
	require.NoError(t, c.step(m, "n4", Committed{View: 0, Seq: 1, Digest: dB, Req: reqB}), "a byzantine replica's notes do not count")
	assert.Equal(t, KindAgreement, kindOf(t, c.step(m, "n3", Committed{View: 0, Seq: 1, Digest: dB, Req: reqB})))
}

func TestTotalOrder(t *testing.T) {
	c := newFakeCluster()
	m := &totalOrder{next: map[protocols.NodeID]int{}}
	require.NoError(t, c.stepInput(m, "n1", protocols.Start, Restored{Seq: 0}))
	require.NoError(t, c.step(m, "n1", Applied{Index: 1, Req: reqA, Outcome: kv.Executed}))
	require.NoError(t, c.step(m, "n1", Applied{Index: 2, Outcome: kv.Executed}))
	assert.Equal(t, KindTotalOrder, kindOf(t, c.step(m, "n1", Applied{Index: 4, Req: reqB, Outcome: kv.Executed})), "a gap")

	m = &totalOrder{next: map[protocols.NodeID]int{}}
	require.NoError(t, c.step(m, "n1", Applied{Index: 1, Req: reqA, Outcome: kv.Executed}))
	require.NoError(t, c.stepInput(m, "n2", protocols.Start, Restored{Seq: 0}))
	require.NoError(t, c.step(m, "n2", Installed{Seq: 16}), "a state transfer moves the execution point")
	require.NoError(t, c.step(m, "n2", Applied{Index: 17, Req: reqB, Outcome: kv.Executed}))
	require.NoError(t, c.stepInput(m, "n1", protocols.Start, Restored{Seq: 0}))
	require.NoError(t, c.step(m, "n1", Applied{Index: 1, Req: reqA, Outcome: kv.Executed}), "replayed after a restart")
	assert.Equal(t, KindTotalOrder, kindOf(t, c.step(m, "n3", Applied{Index: 1, Req: reqB, Outcome: kv.Executed})), "another request at 1")
}

func TestValidity(t *testing.T) {
	c := newFakeCluster()
	m := &validity{invoked: map[reqKey]kv.Op{}}
	require.NoError(t, c.step(m, "c1", kv.Invoked{Client: "c1", Seq: 1, Op: reqA.Op}))
	require.NoError(t, c.step(m, "n1", Applied{Index: 1, Req: reqA, Outcome: kv.Executed}))
	require.NoError(t, c.step(m, "n1", Applied{Index: 2, Outcome: kv.Executed}), "the null request")
	forged := reqA
	forged.Op = kv.PutOp("k1", "evil")
	assert.Equal(t, KindValidity, kindOf(t, c.step(m, "n2", Applied{Index: 3, Req: forged, Outcome: kv.Executed})))
	assert.Equal(t, KindValidity, kindOf(t, c.step(m, "n2", Applied{Index: 3, Req: reqB, Outcome: kv.Executed})), "c2 issued nothing")
}

func TestViewChangeSafety(t *testing.T) {
	c := newFakeCluster()
	m := &viewChangeSafety{}
	require.NoError(t, c.step(m, "n1", Committed{View: 1, Seq: 5, Digest: dA, Req: reqA}))
	require.NoError(t, c.step(m, "n2", PrePrepared{View: 1, Seq: 5, Digest: dB}), "the same view: an equivocating primary's other proposal")
	require.NoError(t, c.step(m, "n2", PrePrepared{View: 2, Seq: 5, Digest: dA}))
	assert.Equal(t, KindViewChangeSafety, kindOf(t, c.step(m, "n3", PrePrepared{View: 3, Seq: 5, Digest: nullDigest})))
}

func TestCheckpointAgreement(t *testing.T) {
	c := newFakeCluster()
	m := &checkpointAgreement{states: map[uint64]checkpointSeen{}}
	require.NoError(t, c.step(m, "n1", Checkpointed{Seq: 16, State: 7}))
	require.NoError(t, c.step(m, "n2", Stabilized{Seq: 16, State: 7}))
	require.NoError(t, c.step(m, "n3", Installed{Seq: 16, State: 7}))
	assert.Equal(t, KindCheckpointAgreement, kindOf(t, c.step(m, "n2", Checkpointed{Seq: 16, State: 8})))
	assert.Equal(t, KindCheckpointAgreement, kindOf(t, c.step(m, "n3", Installed{Seq: 32, State: 9})), "a checkpoint nobody computed")
	assert.Equal(t, KindCheckpointAgreement, kindOf(t, c.step(m, "n4", Stabilized{Seq: 16, State: 9})))
}

// statusNode is a node whose status the test sets.
type statusNode protocols.Status

func (s statusNode) Step(protocols.Input, *protocols.Effects) {}
func (s statusNode) Status() protocols.Status                 { return protocols.Status(s) }

func TestPrimaryAfterHealing(t *testing.T) {
	c := newFakeCluster()
	set := func(id protocols.NodeID, role string, view uint64) {
		c.nodes[id] = statusNode{Role: role, Term: view, Leader: role == "primary"}
	}
	set("n1", "backup", 1)
	set("n2", "primary", 1)
	set("n3", "view-change", 2)
	set("n4", "backup", 1)
	require.NoError(t, primaryAfterHealing(c), "a replica left behind in a view change is allowed")
	delete(c.nodes, "n2")
	assert.Equal(t, KindPrimaryAfterHealing, kindOf(t, primaryAfterHealing(c)), "the primary is down")
	set("n2", "primary", 1)
	c.byz["n1"], c.byz["n4"] = true, true
	assert.Equal(t, KindPrimaryAfterHealing, kindOf(t, primaryAfterHealing(c)), "only one correct replica in the view")
}
