package multi

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
)

// fakeCluster is a hand-built cluster for monitor tests: the test puts
// server states in it directly.
type fakeCluster struct {
	nodes map[protocols.NodeID]protocols.Node
	seq   uint64
}

func newFakeCluster() *fakeCluster { return &fakeCluster{nodes: map[protocols.NodeID]protocols.Node{}} }

func (c *fakeCluster) Now() clock.Time                 { return 0 }
func (c *fakeCluster) Servers() []protocols.NodeID     { return protocols.Servers(3) }
func (c *fakeCluster) Byzantine(protocols.NodeID) bool { return false }
func (c *fakeCluster) Node(id protocols.NodeID) protocols.Node {
	if n, ok := c.nodes[id]; ok {
		return n
	}
	return nil
}

// step reports an event of node id with the given input and notes to m.
func (c *fakeCluster) step(m protocols.Monitor, id protocols.NodeID, in protocols.InputKind, notes ...protocols.Note) error {
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

func put(client protocols.NodeID, seq uint64, v string) kv.Request {
	return kv.Request{Client: client, Seq: seq, Op: kv.PutOp("k", v)}
}

func TestPromiseNeverGoesDown(t *testing.T) {
	c := newFakeCluster()
	m := &promiseMonotonic{promised: map[protocols.NodeID]Ballot{}}
	n := &node{id: "n1", promised: 202}
	c.nodes["n1"] = n
	require.NoError(t, c.step(m, "n1", protocols.Receive))
	c.nodes["n1"] = &node{id: "n1", promised: 101}
	assert.Equal(t, synod.KindPromiseMonotonic, kindOf(t, c.step(m, "n1", protocols.Start)), "a restart must keep the promise")
}

func TestAcceptanceIsInThePromisedBallot(t *testing.T) {
	c := newFakeCluster()
	m := &promiseMonotonic{promised: map[protocols.NodeID]Ballot{}}
	c.nodes["n1"] = &node{id: "n1", promised: 202}
	require.NoError(t, c.step(m, "n1", protocols.Receive, Voted{Slot: 1, Ballot: 202, Cmd: put("c1", 1, "a")}))
	assert.Equal(t, synod.KindPromiseMonotonic, kindOf(t, c.step(m, "n1", protocols.Receive, Voted{Slot: 2, Ballot: 101})))
}

func TestLogAgreementAndOrder(t *testing.T) {
	c := newFakeCluster()
	m := newLogAgreement()
	require.NoError(t, c.step(m, "n1", protocols.Receive, Applied{Index: 1, Req: put("c1", 1, "a"), Outcome: kv.Executed}))
	require.NoError(t, c.step(m, "n2", protocols.Receive, Applied{Index: 1, Req: put("c1", 1, "a"), Outcome: kv.Executed}))
	assert.Equal(t, KindLogAgreement, kindOf(t, c.step(m, "n3", protocols.Receive, Applied{Index: 1})))
	m = newLogAgreement()
	assert.Equal(t, KindExecutionOrder, kindOf(t, c.step(m, "n1", protocols.Receive, Applied{Index: 2})))
	m = newLogAgreement()
	require.NoError(t, c.step(m, "n1", protocols.Receive, Applied{Index: 1}))
	require.NoError(t, c.step(m, "n1", protocols.Start, Applied{Index: 1}), "a restarted replica executes again from slot 1")
}

func TestAckedWriteLost(t *testing.T) {
	c := newFakeCluster()
	m := newAckedWriteLost()
	w := put("c1", 1, "a")
	require.NoError(t, c.step(m, "n1", protocols.Receive, Applied{Index: 3, Req: w, Outcome: kv.Executed}))
	require.NoError(t, c.step(m, "c1", protocols.Receive, kv.Completed{Client: "c1", Seq: 1, Op: w.Op, Server: "n1"}))
	assert.Equal(t, KindAckedWriteLost, kindOf(t, c.step(m, "n2", protocols.Receive, Applied{Index: 3})))
	m = newAckedWriteLost()
	assert.Equal(t, KindAckedWriteLost, kindOf(t, c.step(m, "c1", protocols.Receive, kv.Completed{Client: "c1", Seq: 1, Op: w.Op, Server: "n1"})),
		"acknowledged but never executed")
}

func TestProposalsNeedPhaseOneAndDecisionsAClient(t *testing.T) {
	c := newFakeCluster()
	m := Monitors(protocols.Servers(3), synod.Quorums{})[0]
	assert.Equal(t, synod.KindProposalSafety, kindOf(t, c.step(m, "n1", protocols.Receive, Proposed{Slot: 1, Ballot: 101})),
		"a proposal without a BecameLeader for its ballot")
	m = Monitors(protocols.Servers(3), synod.Quorums{})[0]
	notes := []protocols.Note{
		Promised{Ballot: 101}, Voted{Slot: 1, Ballot: 101, Cmd: put("c1", 1, "a")},
	}
	require.NoError(t, c.step(m, "n1", protocols.Receive, notes...))
	require.NoError(t, c.step(m, "n2", protocols.Receive, notes...))
	assert.Equal(t, synod.KindValidity, kindOf(t, c.step(m, "n1", protocols.Receive, Decided{Slot: 1, Cmd: put("c1", 1, "a")})),
		"no client invoked c1#1")
}
