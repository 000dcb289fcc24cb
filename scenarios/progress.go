package scenarios

import (
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/raft"
	"github.com/dsimlab/dsim/sim"
)

// Liveness, judged at the end of the healing phase, needs more than "nothing
// is stuck": a protocol that silently stopped working would pass that. The
// trackers below watch the notes of a run and demand progress after every
// fault is off.

// raftConvergence checks that every live server has applied what the
// cluster had applied a little before the end: followers that never apply,
// or never receive entries, fail it (PROTOCOLS.md L2: a reconnected
// follower catches up).
type raftConvergence struct {
	applied map[protocols.NodeID]int // each server's current applied index
	marks   []appliedMark            // the cluster's highest applied index, as it grew
}

type appliedMark struct {
	at    clock.Time
	index int
}

func newRaftConvergence() *raftConvergence {
	return &raftConvergence{applied: map[protocols.NodeID]int{}}
}

func (c *raftConvergence) observe(_ *sim.World, ev *sim.Info) {
	if ev.Node == "" {
		return
	}
	if ev.Input == protocols.Start {
		c.applied[ev.Node] = 0 // a restarted server rebuilds its state machine from its log
	}
	for _, n := range ev.Notes {
		a, ok := n.(raft.Applied)
		if !ok {
			continue
		}
		c.applied[ev.Node] = max(c.applied[ev.Node], a.Index)
		if len(c.marks) == 0 || a.Index > c.marks[len(c.marks)-1].index {
			c.marks = append(c.marks, appliedMark{ev.Time, a.Index})
		}
	}
}

// check demands that each live server has applied at least what some
// server had applied lag before now.
func (c *raftConvergence) check(cl protocols.Cluster, lag clock.Duration) error {
	by := cl.Now().Add(-lag)
	want := 0
	for _, m := range c.marks {
		if m.at <= by {
			want = m.index
		}
	}
	for _, id := range cl.Servers() {
		if cl.Node(id) != nil && c.applied[id] < want {
			return protocols.Violationf("convergence", "%s has applied up to index %d after the healing phase, but index %d was applied by %s", id, c.applied[id], want, by)
		}
	}
	return nil
}

// bankProgress checks that after the healing phase begins every client
// hears a definite outcome (committed or aborted) for a transfer it
// submitted, and that some transfer commits: a coordinator that ignores new
// work, or locks never released, fail it.
type bankProgress struct {
	healAt    clock.Time
	submitted map[bank.TxID]clock.Time
	clients   map[protocols.NodeID]bool // clients that submitted during healing
	answered  map[protocols.NodeID]bool // clients told an outcome for such a transfer
	commits   int
}

func newBankProgress(healAt clock.Time) *bankProgress {
	return &bankProgress{healAt: healAt, submitted: map[bank.TxID]clock.Time{}, clients: map[protocols.NodeID]bool{}, answered: map[protocols.NodeID]bool{}}
}

func (p *bankProgress) observe(_ *sim.World, ev *sim.Info) {
	if ev.Time < p.healAt {
		return
	}
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case bank.Submitted:
			p.submitted[n.Tx] = ev.Time
			p.clients[n.Client] = true
		case bank.Reported:
			if _, ok := p.submitted[n.Tx]; !ok || n.Outcome == bank.OutcomeUnknown {
				continue
			}
			p.answered[n.Client] = true
			if n.Outcome == bank.OutcomeCommitted {
				p.commits++
			}
		}
	}
}

func (p *bankProgress) check(protocols.Cluster) error {
	var silent []protocols.NodeID
	for c := range p.clients {
		if !p.answered[c] {
			silent = append(silent, c)
		}
	}
	if len(silent) > 0 {
		protocols.SortIDs(silent)
		return protocols.Violationf("liveness", "%s submitted transfers after the healing phase began but never heard a definite outcome", bank.FormatIDs(slices.Clip(silent)))
	}
	if len(p.clients) > 0 && p.commits == 0 {
		return protocols.Violationf("liveness", "no transfer committed during the healing phase (%d submitted)", len(p.submitted))
	}
	return nil
}
