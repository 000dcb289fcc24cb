package bank

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// fakeCluster is a hand-built world: a coordinator stub n1 and participants
// whose ledgers the test prepares directly.
type fakeCluster struct {
	now   clock.Time
	nodes map[protocols.NodeID]protocols.Node
}

func (c *fakeCluster) Now() clock.Time                         { return c.now }
func (c *fakeCluster) Servers() []protocols.NodeID             { return []protocols.NodeID{"n1", "n2", "n3"} }
func (c *fakeCluster) Byzantine(protocols.NodeID) bool         { return false }
func (c *fakeCluster) Node(id protocols.NodeID) protocols.Node { return c.nodes[id] }

type fakeNode struct{}

func (fakeNode) Step(protocols.Input, *protocols.Effects) {}
func (fakeNode) Status() protocols.Status                 { return protocols.Status{} }

type fakeParticipant struct {
	fakeNode
	l *Ledger
}

func (p fakeParticipant) Ledger() *Ledger { return p.l }

var parts = []protocols.NodeID{"n2", "n3"}

func newFake() *fakeCluster {
	return &fakeCluster{nodes: map[protocols.NodeID]protocols.Node{
		"n1": fakeNode{},
		"n2": fakeParticipant{l: NewLedger([]Account{"a1"}, 100)},
		"n3": fakeParticipant{l: NewLedger([]Account{"a2"}, 100)},
	}}
}

func (c *fakeCluster) ledger(id protocols.NodeID) *Ledger { return c.nodes[id].(fakeParticipant).l }

// feed checks one event per note and returns the first violation.
func feed(m *Monitor, c *fakeCluster, notes ...protocols.Note) error {
	for _, n := range notes {
		if err := m.Check(c, protocols.Event{Time: c.now, Node: "n1", Input: protocols.Receive, Notes: []protocols.Note{n}}); err != nil {
			return err
		}
	}
	return nil
}

func kind(t *testing.T, err error) string {
	t.Helper()
	require.Error(t, err)
	var v *protocols.Violation
	require.ErrorAs(t, err, &v)
	return v.Kind
}

func yes(node protocols.NodeID) Voted {
	return Voted{Node: node, Tx: "t1", Yes: true, Participants: parts}
}

// prepareBoth puts t1 (a1 -> a2, 30) in doubt at both participants.
func prepareBoth(c *fakeCluster) {
	c.ledger("n2").Prepare("t1", []Write{{"a1", -30}})
	c.ledger("n3").Prepare("t1", []Write{{"a2", 30}})
}

func TestMonitorAcceptsACleanCommit(t *testing.T) {
	c, m := newFake(), NewMonitor(DefaultGrace)
	prepareBoth(c)
	require.NoError(t, feed(m, c, yes("n2"), yes("n3"), Decided{Node: "n1", Tx: "t1", Commit: true, Participants: parts}))
	c.ledger("n2").Commit("t1")
	require.NoError(t, feed(m, c, Finished{Node: "n2", Tx: "t1", Commit: true}))
	c.ledger("n3").Commit("t1")
	require.NoError(t, feed(m, c, Finished{Node: "n3", Tx: "t1", Commit: true}, Reported{Client: "c1", Tx: "t1", Outcome: OutcomeCommitted}))
	c.now = time10s
	assert.NoError(t, m.Final(c))
}

const time10s = clock.Time(10 * clock.Second)

func TestMonitorAtomicity(t *testing.T) {
	c, m := newFake(), NewMonitor(DefaultGrace)
	err := feed(m, c, yes("n2"), yes("n3"), Finished{Node: "n2", Tx: "t1", Commit: true}, Finished{Node: "n3", Tx: "t1"})
	assert.Equal(t, KindAtomicity, kind(t, err))
	assert.EqualError(t, err, "atomicity: t1 committed at n2 but aborted at n3")
}

func TestMonitorClientToldTheOpposite(t *testing.T) {
	c, m := newFake(), NewMonitor(DefaultGrace)
	err := feed(m, c, Finished{Node: "n2", Tx: "t1"}, Reported{Client: "c1", Tx: "t1", Outcome: OutcomeCommitted})
	assert.EqualError(t, err, "atomicity: t1 reported committed to c1 but aborted at n2")

	m = NewMonitor(DefaultGrace)
	err = feed(m, c, Reported{Client: "c1", Tx: "t1", Outcome: OutcomeAborted}, yes("n2"), yes("n3"), Finished{Node: "n3", Tx: "t1", Commit: true})
	assert.EqualError(t, err, "atomicity: t1 reported aborted to c1 but committed at n3")

	m = NewMonitor(DefaultGrace)
	assert.NoError(t, feed(m, c, Finished{Node: "n2", Tx: "t1"}, Reported{Client: "c1", Tx: "t1", Outcome: OutcomeUnknown}),
		"an unknown outcome promises nothing")
}

func TestMonitorCommitValidity(t *testing.T) {
	c, m := newFake(), NewMonitor(DefaultGrace)
	err := feed(m, c, yes("n2"), Decided{Node: "n1", Tx: "t1", Commit: true, Participants: parts})
	assert.EqualError(t, err, "commit-validity: n1 decided t1 but n3 never voted yes")

	m = NewMonitor(DefaultGrace)
	err = feed(m, c, yes("n2"), Voted{Node: "n3", Tx: "t1", Participants: parts}, yes("n3"), Finished{Node: "n2", Tx: "t1", Commit: true})
	assert.EqualError(t, err, "commit-validity: n2 committed t1 but n3 voted no")

	m = NewMonitor(DefaultGrace)
	err = feed(m, c, Finished{Node: "n2", Tx: "t1", Commit: true})
	assert.EqualError(t, err, "commit-validity: n2 committed t1 but n2 never voted yes")

	m = NewMonitor(DefaultGrace)
	assert.NoError(t, feed(m, c, Voted{Node: "n3", Tx: "t1", Participants: parts}, Decided{Node: "n1", Tx: "t1", Participants: parts}),
		"aborting needs no votes")
}

func TestMonitorDecisionFinality(t *testing.T) {
	c, m := newFake(), NewMonitor(DefaultGrace)
	err := feed(m, c, yes("n2"), yes("n3"), Decided{Node: "n1", Tx: "t1", Commit: true, Participants: parts}, Decided{Node: "n1", Tx: "t1", Participants: parts})
	assert.EqualError(t, err, "decision-finality: n1 decided t1 commit, then abort")

	m = NewMonitor(DefaultGrace)
	err = feed(m, c, Finished{Node: "n2", Tx: "t1"}, Finished{Node: "n2", Tx: "t1"})
	require.NoError(t, err, "repeating a decision is fine")
	err = feed(m, c, yes("n2"), yes("n3"), Finished{Node: "n2", Tx: "t1", Commit: true})
	assert.Equal(t, KindFinality, kind(t, err))
}

func restart(m *Monitor, c *fakeCluster, id protocols.NodeID) error {
	return m.Check(c, protocols.Event{Node: id, Input: protocols.Start})
}

func TestMonitorRestartKeepsDecisionsAndVotes(t *testing.T) {
	// n2 committed t1, then restarts with t1 merely prepared: its decision
	// was not durable.
	c, m := newFake(), NewMonitor(DefaultGrace)
	require.NoError(t, feed(m, c, yes("n2"), yes("n3"), Finished{Node: "n2", Tx: "t1", Commit: true}))
	prepareBoth(c)
	assert.EqualError(t, restart(m, c, "n2"), "decision-finality: n2 finished t1 with commit but restarted with it prepared")

	// n3 voted yes, then restarts knowing nothing of t1.
	c, m = newFake(), NewMonitor(DefaultGrace)
	require.NoError(t, feed(m, c, yes("n2"), yes("n3")))
	c.ledger("n2").Prepare("t1", []Write{{"a1", -30}})
	require.NoError(t, restart(m, c, "n2"))
	assert.EqualError(t, restart(m, c, "n3"), "durable-prepare: n3 voted yes on t1 but restarted with it none")

	// A participant that voted no and aborted may restart with it aborted.
	c, m = newFake(), NewMonitor(DefaultGrace)
	require.NoError(t, feed(m, c, Voted{Node: "n2", Tx: "t1", Participants: parts}, Finished{Node: "n2", Tx: "t1"}))
	c.ledger("n2").Abort("t1")
	assert.NoError(t, restart(m, c, "n2"))
}

func TestMonitorConservation(t *testing.T) {
	c, m := newFake(), NewMonitor(DefaultGrace)
	prepareBoth(c)
	c.ledger("n2").Commit("t1")
	assert.NoError(t, feed(m, c, Reported{}), "n3 still holds t1 in doubt: money in flight")

	c.ledger("n3").Abort("t1")
	assert.EqualError(t, feed(m, c, Reported{}), "conservation: balances add up to 170, not 200, with no transaction in doubt")

	delete(c.nodes, "n3")
	assert.NoError(t, feed(m, c, Reported{}), "a participant that is down cannot be read")
}

func TestFinalDurabilityAndLiveness(t *testing.T) {
	// Reported committed, but n3 aborted: durability (and atomicity, had the
	// monitor seen n3's note).
	c, m := newFake(), NewMonitor(DefaultGrace)
	prepareBoth(c)
	require.NoError(t, feed(m, c, yes("n2"), yes("n3"), Decided{Node: "n1", Tx: "t1", Commit: true, Participants: parts},
		Reported{Client: "c1", Tx: "t1", Outcome: OutcomeCommitted}))
	c.ledger("n2").Commit("t1")
	c.ledger("n3").Abort("t1")
	c.now = time10s
	assert.EqualError(t, m.Final(c), "durability: t1 reported committed to c1 at 0.000s, but n3 has it aborted")

	// Reported committed a moment ago and still prepared at n3: settling.
	c, m = newFake(), NewMonitor(DefaultGrace)
	prepareBoth(c)
	require.NoError(t, feed(m, c, yes("n2"), yes("n3"), Reported{Client: "c1", Tx: "t1", Outcome: OutcomeCommitted}))
	c.ledger("n2").Commit("t1")
	c.now = clock.Time(DefaultGrace / 2)
	assert.NoError(t, m.Final(c))
	// ... but not for ever: that is a blocked transaction.
	c.now = time10s
	assert.Equal(t, KindDurability, kind(t, m.Final(c)))

	// Blocked without any client report: liveness.
	c, m = newFake(), NewMonitor(DefaultGrace)
	c.ledger("n3").Prepare("t1", []Write{{"a2", 30}})
	require.NoError(t, feed(m, c, yes("n3")))
	c.now = time10s
	assert.EqualError(t, m.Final(c), "liveness: n3 still holds t1 prepared (voted yes at 0.000s; locks a2:t1) at 10.000s")
	assert.Equal(t, []Doubt{{"n3", "t1"}}, InDoubt(c))

	// A server down at the end: the run is not healed.
	delete(c.nodes, "n2")
	assert.EqualError(t, FinalChecks(c, []protocols.Monitor{m}), "liveness: n2 is down at the end of the run; the final checks need every server up")
}
