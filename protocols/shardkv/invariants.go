package shardkv

import (
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/raft"
)

// The checks. Every Raft group (the controller and each replica group) is
// judged by all of Raft's monitors, each seeing only its own group's
// servers and events (a view), as if it ran alone. Across groups, one
// monitor keeps a ghost of the whole sharded store, outside the nodes, fed
// by the notes servers emit as they apply their logs:
//
//   - config-order: every group server applies configurations 1, 2, 3, ...
//     one at a time, in order (from 1 again after a restart, replaying).
//   - shard-ownership: a request executed by group G against shard s while
//     G had applied configuration N needs N to give s to G (so no two
//     groups serve a key in one configuration), and, if s came to G from
//     another group in N, G to have installed s first.
//   - handoff-state: the state a group installs for shard s in N is exactly
//     the shard's state when its old owner applied N (the ghost's copy: every
//     request executed on s up to then, in order): no write lost, no
//     duplicate-detection entry lost.
//   - exactly-once: no request is executed twice, across groups too.
//
// At the end, after healing: every group has a leader, has applied every
// configuration the controller made, and holds no shard in transit; each
// group's servers converge (protocols.Convergence).

// The violation kinds shardkv's own monitors report.
const (
	KindConfigOrder    = "config-order"
	KindShardOwnership = "shard-ownership"
	KindHandoffState   = "handoff-state"
	KindExactlyOnce    = "exactly-once"
)

// Violations lists every kind shardkv's checks report, Raft's included.
var Violations = append([]string{KindConfigOrder, KindShardOwnership, KindHandoffState, KindExactlyOnce}, raft.Violations...)

// view is one Raft group's part of the cluster.
type view struct {
	protocols.Cluster
	members []protocols.NodeID
}

func (v view) Servers() []protocols.NodeID { return v.members }

// inGroup runs a monitor on one group's events only, over its view.
type inGroup struct {
	v     view
	inner protocols.Monitor
}

// Parts implements protocols.Composite, so that a run that keeps going
// judges each of the group's monitors on its own.
func (m inGroup) Parts() []protocols.Monitor {
	c, ok := m.inner.(protocols.Composite)
	if !ok {
		return []protocols.Monitor{m}
	}
	var parts []protocols.Monitor
	for _, p := range c.Parts() {
		parts = append(parts, inGroup{m.v, p})
	}
	return parts
}

func (m inGroup) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" || !slices.Contains(m.v.members, ev.Node) {
		return nil
	}
	return m.inner.Check(view{c, m.v.members}, ev)
}

// perGroup returns checks that judge each Raft group on its own.
func perGroup(l Layout, lag clock.Duration) protocols.Checks {
	var checks protocols.Checks
	for g := 0; g <= len(l.Groups); g++ {
		members := l.Members(g)
		v := view{members: members}
		checks.Monitors = append(checks.Monitors, inGroup{v, raft.MonitorSuite()})
		conv := protocols.Convergence(lag)
		for _, m := range conv.Monitors {
			checks.Monitors = append(checks.Monitors, inGroup{v, m})
		}
		for _, f := range conv.Final {
			checks.Final = append(checks.Final, func(c protocols.Cluster) error { return f(view{c, members}) })
		}
		checks.Final = append(checks.Final, func(c protocols.Cluster) error {
			if err := protocols.HasLeader(view{c, members}); err != nil {
				return protocols.Violationf("liveness", "%s: %s", groupLabel(g), err.(*protocols.Violation).Detail)
			}
			return nil
		})
	}
	return checks
}

func groupLabel(g int) string {
	if g == 0 {
		return "the controller"
	}
	return "group " + gname(g)
}

// ghost is the cross-group monitor.
type ghost struct {
	layout  Layout
	shards  int
	configs []Config                 // configurations the controller made, by Num
	last    map[int]int              // by group: the highest index first applied
	applied map[protocols.NodeID]int // by group server: the configuration it has applied in this incarnation
	state   []*kv.Machine            // by shard: every request executed on it, in order
	frozen  map[[2]int]kv.Snapshot   // (config, shard): the shard's state when its old owner applied config
	ready   map[int][]bool           // by group: the shards it may serve in its current configuration
	execAt  map[[2]any]string        // (client, seq) of executed requests: where
}

func newGhost(l Layout, o Options) *ghost {
	o = o.withDefaults()
	gh := &ghost{
		layout: l, shards: o.Shards,
		configs: []Config{{Shards: make([]int, o.Shards)}, genesis(o, len(l.Groups))},
		last:    map[int]int{}, applied: map[protocols.NodeID]int{},
		frozen: map[[2]int]kv.Snapshot{}, ready: map[int][]bool{}, execAt: map[[2]any]string{},
	}
	for range o.Shards {
		gh.state = append(gh.state, kv.NewMachine())
	}
	for g := 1; g <= len(l.Groups); g++ {
		gh.ready[g] = make([]bool, o.Shards)
	}
	return gh
}

func (m *ghost) config(n int) (Config, bool) {
	if n < len(m.configs) {
		return m.configs[n], true
	}
	return Config{}, false
}

// first reports whether a group's entry at index is applied for the first
// time by any of its servers (replicas apply in log order, so the first
// application of each index comes in index order).
func (m *ghost) first(g, index int) bool {
	if index > m.last[g] {
		m.last[g] = index
		return true
	}
	return false
}

func (m *ghost) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		return nil
	}
	if ev.Input == protocols.Start {
		m.applied[ev.Node] = 0
	}
	// Every note is taken in, even after a violation, so that a run that
	// keeps going (--keep-going) keeps an accurate ghost; the first
	// violation is reported.
	var first error
	for _, note := range ev.Notes {
		var err error
		switch n := note.(type) {
		case ConfigMade:
			if n.Config.Num == len(m.configs) {
				m.configs = append(m.configs, n.Config)
			}
		case ConfigApplied:
			err = m.configApplied(ev.Node, n)
		case Served:
			err = m.served(ev.Node, n)
		case Installed:
			err = m.installed(ev.Node, n)
		}
		if first == nil {
			first = err
		}
	}
	return first
}

func (m *ghost) configApplied(id protocols.NodeID, n ConfigApplied) error {
	if prev := m.applied[id]; n.Num != prev+1 {
		m.applied[id] = n.Num
		return protocols.Violationf(KindConfigOrder, "%s (%s) applied configuration %d after %d: configurations must be applied one at a time, in order",
			id, gname(n.Gid), n.Num, prev)
	}
	m.applied[id] = n.Num
	if !m.first(n.Gid, n.Index) {
		return nil
	}
	cfg, ok := m.config(n.Num)
	prev, _ := m.config(n.Num - 1)
	if !ok {
		return protocols.Violationf(KindConfigOrder, "%s applied configuration %d, which the controller never made", id, n.Num)
	}
	ready := m.ready[n.Gid]
	for s := range m.shards {
		was, will := prev.Owner(s) == n.Gid, cfg.Owner(s) == n.Gid
		switch {
		case was && !will:
			// The old owner freezes the shard here: this is what the new
			// owner must install.
			m.frozen[[2]int{n.Num, s}] = m.state[s].Snapshot()
			ready[s] = false
		case !was && will:
			ready[s] = prev.Owner(s) == 0 // nobody held it: it starts empty
		}
	}
	return nil
}

func (m *ghost) served(id protocols.NodeID, n Served) error {
	cfg, _ := m.config(n.Num)
	if owner := cfg.Owner(n.Shard); owner != n.Gid {
		return protocols.Violationf(KindShardOwnership, "%s (%s) served %s %s (shard %d) in configuration %d, which gives the shard to %s",
			id, gname(n.Gid), n.Req.ID(), n.Req.Op, n.Shard, n.Num, gname(owner))
	}
	if !m.first(n.Gid, n.Index) {
		return nil
	}
	if !m.ready[n.Gid][n.Shard] {
		return protocols.Violationf(KindShardOwnership, "%s (%s) served %s %s on shard %d in configuration %d before the shard's data arrived from %s",
			id, gname(n.Gid), n.Req.ID(), n.Req.Op, n.Shard, n.Num, gname(m.configs[n.Num-1].Owner(n.Shard)))
	}
	_, outcome := m.state[n.Shard].Apply(n.Req)
	k := [2]any{n.Req.Client, n.Req.Seq}
	where := fmt.Sprintf("%s at index %d in configuration %d", gname(n.Gid), n.Index, n.Num)
	if n.Outcome == kv.Executed {
		if prev, ok := m.execAt[k]; ok {
			return protocols.Violationf(KindExactlyOnce, "%s executed %s %s at %s, but it was already executed by %s",
				id, n.Req.ID(), n.Req.Op, where, prev)
		}
		m.execAt[k] = where
	}
	if outcome != n.Outcome {
		return protocols.Violationf(KindExactlyOnce, "%s's shard %d says %s %s is %s at %s, but the shard's history makes it %s",
			id, n.Shard, n.Req.ID(), n.Req.Op, n.Outcome, where, outcome)
	}
	return nil
}

func (m *ghost) installed(id protocols.NodeID, n Installed) error {
	want, ok := m.frozen[[2]int{n.Num, n.Shard}]
	if !ok {
		return protocols.Violationf(KindHandoffState, "%s (%s) installed shard %d of configuration %d, which its old owner has not handed off",
			id, gname(n.Gid), n.Shard, n.Num)
	}
	if m.first(n.Gid, n.Index) {
		m.ready[n.Gid][n.Shard] = true // the data arrived, right or wrong: judged next
	}
	if d := diffState(want, n.State); d != "" {
		return protocols.Violationf(KindHandoffState, "%s (%s) installed shard %d of configuration %d, but %s",
			id, gname(n.Gid), n.Shard, n.Num, d)
	}
	return nil
}

// diffState says how an installed shard differs from the frozen one, or "".
func diffState(want, got kv.Snapshot) string {
	for _, p := range want.Data {
		i := slices.IndexFunc(got.Data, func(q kv.Pair) bool { return q.Key == p.Key })
		if i < 0 || got.Data[i].Value != p.Value {
			v := ""
			if i >= 0 {
				v = got.Data[i].Value
			}
			return fmt.Sprintf("%s = %q where the old owner had %q: a write lost in the hand-off", p.Key, v, p.Value)
		}
	}
	if len(got.Data) != len(want.Data) {
		return "it holds keys the old owner did not"
	}
	for _, s := range want.Sessions {
		if !slices.Contains(got.Sessions, s) {
			return fmt.Sprintf("the duplicate-detection table lacks %s's request #%d: a retry of it would execute again", s.Client, s.Seq)
		}
	}
	if len(got.Sessions) != len(want.Sessions) {
		return "its duplicate-detection table has entries the old owner's had not"
	}
	return ""
}

// migrated is the end-of-run check that reconfiguration finished: every
// live group server has applied the controller's latest configuration and
// holds no shard in transit.
func migrated(l Layout) func(protocols.Cluster) error {
	return func(c protocols.Cluster) error {
		latest := 0
		for _, id := range l.Controllers {
			if n := c.Node(id); n != nil {
				if ctl, ok := raft.ServiceOf(n).(*controller); ok {
					latest = max(latest, ctl.latest().Num)
				}
			}
		}
		for g := 1; g <= len(l.Groups); g++ {
			for _, id := range l.Members(g) {
				n := c.Node(id)
				if n == nil {
					continue
				}
				grp, ok := raft.ServiceOf(n).(*group)
				if !ok {
					continue
				}
				if grp.cur.Num < latest {
					return protocols.Violationf("convergence", "%s (%s) is at configuration %d after the healing phase; the controller's latest is %d",
						id, gname(g), grp.cur.Num, latest)
				}
				if !grp.stable() {
					return protocols.Violationf("convergence", "%s (%s) still has shards in transit after the healing phase: %s",
						id, gname(g), grp.Fields()[2].Value)
				}
			}
		}
		return nil
	}
}
