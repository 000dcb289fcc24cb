package multiprimary

import (
	"slices"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The monitors and end-of-run checks. Multi-primary replication promises
// eventual consistency, so the history's linearizability is reported, not
// judged. These judge what it promises:
//
//   - merge: after every event, a server's versions of a key are exactly
//     the join of every version it has merged (Merged notes): the highest
//     stamp for an LWW key, the versions no other dominates for a VV key.
//     A reference join over a ghost record, written apart from the
//     server's, so a server that drops a sibling or keeps the wrong side
//     of a tie is caught at once.
//   - version-unique: one stamp or version vector names one value.
//   - convergence, at the end: every server holds, for every key, a
//     version at least as new as each version written lag before the end
//     (for a VV key, one whose vector dominates it): nothing written was
//     lost and every server caught up.
//   - lost-update (only with option check-lost-updates on): an LWW write
//     that began after another write of the key completed must get a
//     higher stamp, or it is silently lost. Clock skew breaks this, which
//     is what the clock-skew scenario shows.

// The violation kinds.
const (
	KindMerge         = "merge"
	KindVersionUnique = "version-unique"
	KindConvergence   = "convergence"
	KindLostUpdate    = "lost-update"
)

// Checks returns the monitors and end-of-run checks of one run.
func Checks(opts Options, lostUpdates bool, lag clock.Duration) protocols.Checks {
	opts = opts.withDefaults()
	g := &ghost{opts: opts, lag: lag, joins: map[nodeKey][]Version{}, written: map[string][]stamped{}}
	ms := []protocols.Monitor{g, &versionUnique{values: map[string]string{}}}
	if lostUpdates {
		ms = append(ms, &lostUpdate{opts: opts, stamps: map[reqKey]Stamp{}, floors: map[string]floor{}, pending: map[reqKey]floor{}})
	}
	return protocols.Checks{Monitors: ms, Final: []func(protocols.Cluster) error{protocols.AllUp, g.final}, History: true}
}

type nodeKey struct {
	node protocols.NodeID
	key  string
}

type stamped struct {
	at time
	v  Version
}

type time = clock.Time

// ghost keeps, per server and key, the reference join of what it merged,
// and every version written, with when.
type ghost struct {
	opts    Options
	lag     clock.Duration
	joins   map[nodeKey][]Version
	written map[string][]stamped
}

// refJoin is the reference join: for LWW the highest stamp; for VV every
// version no other strictly dominates, one copy of equal ones.
func refJoin(vv bool, held []Version, v Version) []Version {
	if !vv {
		if len(held) == 0 || held[0].Stamp.Compare(v.Stamp) < 0 {
			return []Version{v}
		}
		return held
	}
	all := append(slices.Clone(held), v)
	var out []Version
	for i, a := range all {
		keep := true
		for j, b := range all {
			if i != j && a.VV.LessEq(b.VV) && (!b.VV.LessEq(a.VV) || j < i) {
				keep = false // strictly dominated, or an equal one came first
				break
			}
		}
		if keep {
			out = append(out, a)
		}
	}
	return out
}

func (g *ghost) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		return nil
	}
	var touched []string
	for _, note := range ev.Notes {
		switch n := note.(type) {
		case Merged:
			k := nodeKey{ev.Node, n.Key}
			g.joins[k] = refJoin(g.opts.usesVV(n.Key), g.joins[k], n.Version)
			if !slices.Contains(touched, n.Key) {
				touched = append(touched, n.Key)
			}
		case Wrote:
			g.written[n.Key] = append(g.written[n.Key], stamped{at: ev.Time, v: n.Version})
		}
	}
	s, ok := ev.Stepped(c).(*node)
	if !ok {
		return nil
	}
	if ev.Input == protocols.Start {
		// A restarted server rebuilt its state from its records: it must
		// be everything it had merged before.
		touched = touched[:0]
		for _, k := range s.keys {
			touched = append(touched, k.key)
		}
	}
	for _, key := range touched {
		want := g.joins[nodeKey{ev.Node, key}]
		have := s.lookup(key)
		if !sameSet(want, have) {
			return protocols.Violationf(KindMerge, "%s holds %s = %s, but the join of the versions it merged is %s", ev.Node, key, render(have), render(want))
		}
	}
	return nil
}

// sameSet reports whether a and b hold the same versions, in any order.
func sameSet(a, b []Version) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y Version) bool { return same(x, y) && x.Value == y.Value }) {
			return false
		}
	}
	return true
}

func render(vs []Version) string {
	if len(vs) == 0 {
		return "nothing"
	}
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += " | "
		}
		s += v.String()
	}
	return s
}

// covers reports whether held has a version at least as new as v.
func covers(vv bool, held []Version, v Version) bool {
	for _, h := range held {
		if vv && v.VV.LessEq(h.VV) || !vv && v.Stamp.Compare(h.Stamp) <= 0 {
			return true
		}
	}
	return false
}

func (g *ghost) final(c protocols.Cluster) error {
	by := c.Now().Add(-g.lag)
	keys := make([]string, 0, len(g.written))
	for k := range g.written {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vv := g.opts.usesVV(k)
		for _, w := range g.written[k] {
			if w.at > by {
				break
			}
			for _, id := range c.Servers() {
				s, ok := c.Node(id).(*node)
				if !ok || covers(vv, s.lookup(k), w.v) {
					continue
				}
				return protocols.Violationf(KindConvergence, "after the healing phase %s holds %s = %s, which lacks %s, written at %s",
					id, k, render(s.lookup(k)), w.v, w.at)
			}
		}
	}
	return nil
}

// versionUnique: a stamp or vector names one value.
type versionUnique struct{ values map[string]string }

func (m *versionUnique) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		w, ok := n.(Wrote)
		if !ok {
			continue
		}
		id := w.Key + " " + w.Version.Stamp.String() + "[" + w.Version.VV.String() + "]"
		if v, seen := m.values[id]; !seen {
			m.values[id] = w.Version.Value
		} else if v != w.Version.Value {
			return protocols.Violationf(KindVersionUnique, "%s wrote %s = %q with the version of %q", ev.Node, w.Key, w.Version.Value, v)
		}
	}
	return nil
}

type reqKey struct {
	client protocols.NodeID
	seq    uint64
}

type floor struct {
	stamp Stamp
	who   string
	set   bool
}

// lostUpdate: an LWW write that began after another write of the key
// completed gets a higher stamp.
type lostUpdate struct {
	opts    Options
	stamps  map[reqKey]Stamp // writes made, not yet completed
	floors  map[string]floor // per key, the highest stamp of a completed write
	pending map[reqKey]floor // per invoked write, its key's floor then
}

func (m *lostUpdate) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case kv.Invoked:
			if n.Op.IsWrite() && !m.opts.usesVV(n.Op.Key) {
				m.pending[reqKey{n.Client, n.Seq}] = m.floors[n.Op.Key]
			}
		case Wrote:
			k := reqKey{n.Client, n.Seq}
			f, ok := m.pending[k]
			if !ok {
				continue
			}
			m.stamps[k] = n.Version.Stamp
			if f.set && n.Version.Stamp.Compare(f.stamp) <= 0 {
				return protocols.Violationf(KindLostUpdate, "%s stamped %s#%d put(%s,%s) %s, below %s stamped %s, which completed before it began: the later write is lost",
					ev.Node, n.Client, n.Seq, n.Key, n.Version.Value, n.Version.Stamp, f.who, f.stamp)
			}
		case kv.Completed:
			k := reqKey{n.Client, n.Seq}
			st, ok := m.stamps[k]
			delete(m.stamps, k)
			delete(m.pending, k)
			if ok {
				if f := m.floors[n.Op.Key]; !f.set || f.stamp.Compare(st) < 0 {
					m.floors[n.Op.Key] = floor{stamp: st, who: string(n.Client) + "#" + strconv.FormatUint(n.Seq, 10) + " " + n.Op.String(), set: true}
				}
			}
		}
	}
	return nil
}
