package chain

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
)

// masterRig drives a master alone: pings from the servers it names, ticks.
type masterRig struct {
	t   *testing.T
	m   *master
	out protocols.Effects
	seq uint64
}

func newMasterRig(t *testing.T, length int) *masterRig {
	opts := Options{Length: length}.withDefaults()
	require.NoError(t, opts.Validate())
	m := newMaster(protocols.Config{ID: "n1", Peers: []protocols.NodeID{"n2", "n3", "n4", "n5"}}, opts)
	r := &masterRig{t: t, m: m}
	r.step(protocols.Input{Kind: protocols.Start})
	return r
}

func (r *masterRig) step(in protocols.Input) {
	r.out.Reset()
	r.m.Step(in, &r.out)
}

// ping has each server ping, reporting itself ready in the master's epoch.
func (r *masterRig) ping(ready bool, ids ...protocols.NodeID) {
	for _, id := range ids {
		r.seq++
		p := Ping{Epoch: r.m.cfg.Epoch, Seq: r.seq, Ready: ready}
		if j := r.m.cfg.index(id); j >= 0 {
			p.Since = r.m.cfg.Chain[j].Since
		}
		r.step(protocols.Input{Kind: protocols.Receive, From: id, Msg: p})
	}
}

func (r *masterRig) tick() { r.step(protocols.Input{Kind: protocols.Timer, Timer: timerTick}) }

func (r *masterRig) chain() string { return r.m.cfg.String() }

// A promoted tail that has synced holds every committed update: when every
// other member fails in the same tick, the master keeps it alone instead of
// waiting (stuck) for a member to return. Before it synced, the master
// waits.
func TestMasterKeepsASyncedPromotedTail(t *testing.T) {
	for _, synced := range []bool{true, false} {
		r := newMasterRig(t, 3)
		r.ping(true, "n2", "n3")
		r.tick()
		require.Equal(t, uint64(1), r.m.cfg.Epoch)
		r.ping(true, "n2", "n3")
		r.tick() // extension: n4 is not alive yet, nothing
		r.ping(false, "n4")
		r.tick()
		require.True(t, r.m.cfg.Joining, "n4 joins: %s", r.chain())
		r.ping(true, "n2", "n3", "n4")
		r.tick()
		require.False(t, r.m.cfg.Joining, "n4 promoted: %s", r.chain())
		require.Equal(t, protocols.NodeID("n4"), r.m.pending)
		// n2 and n3 fall silent; n4 reports it synced (or not) just
		// before the tick at which both count as dead, so its report and
		// their removal meet in one tick.
		for range r.m.opts.deadTicks() - 1 {
			r.ping(false, "n4")
			r.tick()
		}
		require.Len(t, r.m.cfg.Chain, 3, "nobody removed yet: %s", r.chain())
		r.ping(synced, "n4")
		r.tick()
		if synced {
			assert.Equal(t, []Member{{ID: "n4", Since: 2}}, r.m.cfg.Chain, "the synced tail is kept alone: %s", r.chain())
			assert.Equal(t, protocols.NodeID(""), r.m.pending, "and needs no care")
		} else {
			assert.Len(t, r.m.cfg.Chain, 3, "an unsynced tail is never left alone: %s", r.chain())
			assert.Equal(t, r.m.cfg.Epoch, r.m.stuck, "the master says it is stuck")
		}
	}
}
