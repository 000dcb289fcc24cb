package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/raft"
	"github.com/dsimlab/dsim/sim"
)

// fakeCluster is a cluster whose servers are all up.
type fakeCluster struct {
	now     clock.Time
	servers []protocols.NodeID
}

type upNode struct{}

func (upNode) Step(protocols.Input, *protocols.Effects) {}
func (upNode) Status() protocols.Status                 { return protocols.Status{} }

func (c fakeCluster) Now() clock.Time                      { return c.now }
func (c fakeCluster) Servers() []protocols.NodeID          { return c.servers }
func (c fakeCluster) Node(protocols.NodeID) protocols.Node { return upNode{} }

func TestRaftConvergenceCatchesALaggingServer(t *testing.T) {
	sec := clock.Time(clock.Second)
	applied := func(c *raftConvergence, at clock.Time, node protocols.NodeID, index int) {
		c.observe(nil, &sim.Info{Time: at, Node: node, Notes: []protocols.Note{raft.Applied{Index: index}}})
	}
	c := newRaftConvergence()
	applied(c, sec, "n1", 10)
	applied(c, sec, "n2", 10)
	applied(c, 2*sec, "n1", 20)
	cl := fakeCluster{now: 5 * sec, servers: []protocols.NodeID{"n1", "n2"}}
	assert.ErrorContains(t, c.check(cl, clock.Second), "convergence: n2 has applied up to index 10 after the healing phase, but index 20 was applied by 4.000s")

	applied(c, 4500*clock.Time(clock.Millisecond), "n2", 20)
	assert.NoError(t, c.check(cl, clock.Second))

	// What was applied within the last lag may still be on its way.
	applied(c, 4900*clock.Time(clock.Millisecond), "n1", 30)
	assert.NoError(t, c.check(cl, clock.Second))

	// A restarted server starts over.
	c.observe(nil, &sim.Info{Time: 4950 * clock.Time(clock.Millisecond), Node: "n2", Input: protocols.Start})
	assert.Error(t, c.check(cl, clock.Second))
}

func TestBankProgressDemandsOutcomesAndACommit(t *testing.T) {
	heal := clock.Time(clock.Second)
	note := func(p *bankProgress, at clock.Time, n protocols.Note) {
		p.observe(nil, &sim.Info{Time: at, Notes: []protocols.Note{n}})
	}
	p := newBankProgress(heal)
	note(p, heal/2, bank.Submitted{Client: "c1", Tx: "c1.1"}) // before healing: not judged
	assert.NoError(t, p.check(nil))

	note(p, heal+1, bank.Submitted{Client: "c1", Tx: "c1.2"})
	note(p, heal+2, bank.Reported{Client: "c1", Tx: "c1.2", Outcome: bank.OutcomeUnknown})
	assert.ErrorContains(t, p.check(nil), "[c1] submitted transfers after the healing phase began but never heard a definite outcome")

	note(p, heal+3, bank.Submitted{Client: "c1", Tx: "c1.3"})
	note(p, heal+4, bank.Reported{Client: "c1", Tx: "c1.3", Outcome: bank.OutcomeAborted})
	assert.ErrorContains(t, p.check(nil), "no transfer committed during the healing phase")

	note(p, heal+5, bank.Submitted{Client: "c1", Tx: "c1.4"})
	note(p, heal+6, bank.Reported{Client: "c1", Tx: "c1.4", Outcome: bank.OutcomeCommitted})
	assert.NoError(t, p.check(nil))
}
