package broadcast

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

func harness(t *testing.T, o Options) (*prototest.Harness, *Checker) {
	h := prototest.New(1)
	h.AddServers(New(o), "n1", "n2", "n3")
	c := NewChecker()
	h.AddMonitor(c)
	return h, c
}

func TestScripts(t *testing.T) {
	prototest.Run(t, "testdata", func(t *testing.T) *prototest.Harness {
		h, _ := harness(t, Options{Values: 2, OriginateEvery: 300 * clock.Millisecond, GossipEvery: 100 * clock.Millisecond})
		return h
	}, nil)
}

func TestConvergesAfterLossAndCrash(t *testing.T) {
	h, c := harness(t, Options{Values: 1})
	h.Start()
	h.Fire("n1", "originate")
	h.Drop(prototest.Filter{To: "n3"}, 0) // n3 misses n1's gossip
	h.Stabilize(100)
	assert.Error(t, c.Converged(h), "n3 has not got n1.1 yet")
	h.Crash("n3")
	h.Restart("n3")
	h.Fire("n1", "gossip") // the retransmission n1 still owes n3
	h.Stabilize(100)
	require.NoError(t, c.Converged(h))
	assert.Equal(t, []string{"n1.1"}, h.Node("n3").(*Node).Values())
}

func TestNoRetryBugLosesValues(t *testing.T) {
	h, c := harness(t, Options{Values: 1, Bug: "no-retry"})
	h.Start()
	h.Fire("n1", "originate")
	h.Drop(prototest.Filter{To: "n3"}, 0) // n1's only send to n3
	h.Stabilize(100)
	h.Fire("n2", "gossip")
	h.Drop(prototest.Filter{To: "n3"}, 0) // and n2's only forward to n3
	h.Fire("n1", "gossip")
	h.Fire("n2", "gossip")
	assert.Empty(t, h.Inflight(), "with no-retry nobody resends")
	assert.ErrorContains(t, c.Converged(h), "n3 is missing 1 of 1 values: n1.1")
}

func TestValidityCatchesForgedValues(t *testing.T) {
	h, _ := harness(t, Options{Values: 1})
	h.Start()
	h.Inject("n1", "n2", Gossip{Values: []string{"made-up"}})
	require.Error(t, h.Failure())
	assert.Contains(t, h.Failure().Error(), `validity: n2 holds "made-up", which no node originated`)
}

func TestOptionsValidate(t *testing.T) {
	assert.NoError(t, Options{}.Validate())
	assert.ErrorContains(t, Options{Values: -1}.Validate(), "values -1")
	assert.ErrorContains(t, Options{Bug: "nope"}.Validate(), `unknown bug "nope"`)
	assert.ErrorContains(t, Options{GossipEvery: -1}.Validate(), "negative")
}

var _ protocols.Cluster = (*prototest.Harness)(nil)
