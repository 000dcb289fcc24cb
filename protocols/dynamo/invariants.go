package dynamo

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The monitors and end-of-run checks. Dynamo promises eventual
// consistency, so the history's linearizability is reported, not judged;
// these judge what it does promise, from ghost state outside the servers:
//
//   - version-monotonic: a replica's version of a key never goes down,
//     across restarts too (its store is durable).
//   - version-unique: one version is never stored with two values.
//   - stale-read and lost-update (only where the configuration promises
//     read-your-latest-write: strict quorums with R + W > N, or when a
//     scenario asks with option check-fresh on): a read returns a version
//     at least as new as every write decided before it began, and a write
//     gets a version newer than all of them.
//   - at the end, after the healing phase: every home replica of a key
//     holds at least the newest version stored at a home replica or
//     acknowledged to a client lag before the end (convergence,
//     acked-write-lost), and no server still holds a hint it took lag
//     before the end (hinted-handoff).

// The violation kinds.
const (
	KindVersionMonotonic = "version-monotonic"
	KindVersionUnique    = "version-unique"
	KindStaleRead        = "stale-read"
	KindLostUpdate       = "lost-update"
	KindConvergence      = "convergence"
	KindAckedWriteLost   = "acked-write-lost"
	KindHintedHandoff    = "hinted-handoff"
)

// Checks returns the monitors and end-of-run checks of one run. fresh
// turns stale-read and lost-update on; lag is how long before the end a
// version must have been stored to be required everywhere.
func Checks(opts Options, servers []protocols.NodeID, fresh bool, lag clock.Duration) protocols.Checks {
	g := &ghost{opts: opts.withDefaults(len(servers)), servers: protocols.SortIDs(slices.Clone(servers)), lag: lag}
	ms := []protocols.Monitor{g, &versionUnique{values: map[keyVersion]string{}}}
	if fresh {
		ms = append(ms, &freshness{floors: map[string]floor{}, pending: map[reqKey]floor{}})
	}
	return protocols.Checks{Monitors: ms, Final: []func(protocols.Cluster) error{protocols.AllUp, g.final}, History: true}
}

// ghost follows every server's own store (version-monotonic) and records,
// per key, how the newest version required at the end grew.
type ghost struct {
	opts    Options
	servers []protocols.NodeID
	lag     clock.Duration
	regs    map[protocols.NodeID][]ghostEntry
	marks   map[string][]mark // per key: versions required, as they grew
	hints   []ghostHint
}

type ghostEntry struct {
	key     string
	version Version
}

type mark struct {
	at      clock.Time
	version Version
	acked   string // the client operation, when the version was acknowledged
}

type ghostHint struct {
	holder, home protocols.NodeID
	key          string
	version      Version
	at           clock.Time
}

func (g *ghost) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		return nil
	}
	if g.regs == nil {
		g.regs, g.marks = map[protocols.NodeID][]ghostEntry{}, map[string][]mark{}
	}
	for _, note := range ev.Notes {
		switch n := note.(type) {
		case Stored:
			if slices.Contains(Preference(g.servers, n.Key)[:g.opts.N], ev.Node) {
				g.mark(n.Key, ev.Time, n.Version, "")
			}
		case Decided:
			if n.Op.IsWrite() {
				g.mark(n.Op.Key, ev.Time, n.Version, kv.Request{Client: n.Client, Seq: n.Seq}.ID()+" "+n.Op.String())
			}
		case Hinted:
			g.hints = append(g.hints, ghostHint{holder: ev.Node, home: n.Home, key: n.Key, version: n.Version, at: ev.Time})
		case Delivered:
			g.hints = slices.DeleteFunc(g.hints, func(h ghostHint) bool {
				return h.holder == ev.Node && h.home == n.Home && h.key == n.Key && h.version == n.Version
			})
		}
	}
	n, ok := ev.Stepped(c).(*node)
	if !ok {
		return nil
	}
	regs := g.regs[ev.Node]
	for _, e := range regs {
		have := Version{}
		if x := n.lookup(e.key); x != nil {
			have = x.version
		}
		if have.Less(e.version) {
			return protocols.Violationf(KindVersionMonotonic, "%s holds %s at version %s, but it stored version %s before", ev.Node, e.key, have, e.version)
		}
	}
	for _, e := range n.entries {
		i, found := slices.BinarySearchFunc(regs, e.key, func(g ghostEntry, k string) int { return strings.Compare(g.key, k) })
		switch {
		case !found:
			regs = slices.Insert(regs, i, ghostEntry{key: e.key, version: e.version})
		case regs[i].version.Less(e.version):
			regs[i].version = e.version
		}
	}
	g.regs[ev.Node] = regs
	return nil
}

func (g *ghost) mark(key string, at clock.Time, v Version, acked string) {
	ms := g.marks[key]
	switch {
	case len(ms) == 0 || ms[len(ms)-1].version.Less(v):
		g.marks[key] = append(ms, mark{at: at, version: v, acked: acked})
	case ms[len(ms)-1].version == v && acked != "":
		ms[len(ms)-1].acked = acked // the newest version, now acknowledged too
	}
}

// final is the end-of-run check.
func (g *ghost) final(c protocols.Cluster) error {
	by := c.Now().Add(-g.lag)
	keys := make([]string, 0, len(g.marks))
	for k := range g.marks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var want mark
		for _, m := range g.marks[k] {
			if m.at <= by {
				want = m
			}
		}
		if want.version == (Version{}) {
			continue
		}
		for _, id := range Preference(g.servers, k)[:g.opts.N] {
			n, ok := c.Node(id).(*node)
			if !ok {
				continue
			}
			have := Version{}
			if e := n.lookup(k); e != nil {
				have = e.version
			}
			if !have.Less(want.version) {
				continue
			}
			if want.acked != "" {
				return protocols.Violationf(KindAckedWriteLost, "after the healing phase home replica %s holds %s at version %s, older than %s, acknowledged at %s",
					id, k, have, want.acked, want.at)
			}
			return protocols.Violationf(KindConvergence, "after the healing phase home replica %s holds %s at version %s, but version %s was stored at a home replica by %s",
				id, k, have, want.version, want.at)
		}
	}
	for _, h := range g.hints {
		if h.at <= by {
			return protocols.Violationf(KindHintedHandoff, "after the healing phase %s still holds the hint %s %s for %s, taken at %s",
				h.holder, h.key, h.version, h.home, h.at)
		}
	}
	return nil
}

type keyVersion struct {
	key     string
	version Version
}

// versionUnique: a version names one value.
type versionUnique struct{ values map[keyVersion]string }

func (m *versionUnique) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		s, ok := n.(Stored)
		if !ok {
			continue
		}
		k := keyVersion{s.Key, s.Version}
		if v, seen := m.values[k]; !seen {
			m.values[k] = s.Value
		} else if v != s.Value {
			return protocols.Violationf(KindVersionUnique, "%s stored %s = %q under version %s, which was already stored with %q", ev.Node, s.Key, s.Value, s.Version, v)
		}
	}
	return nil
}

type reqKey struct {
	client protocols.NodeID
	seq    uint64
}

type floor struct {
	version Version
	who     string
	set     bool
}

// freshness: reads return, and writes supersede, every write decided
// before they began.
type freshness struct {
	floors  map[string]floor // per key, the newest write decided so far
	pending map[reqKey]floor
}

func (m *freshness) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case kv.Invoked:
			m.pending[reqKey{n.Client, n.Seq}] = m.floors[n.Op.Key]
		case Decided:
			k := reqKey{n.Client, n.Seq}
			f, ok := m.pending[k]
			delete(m.pending, k)
			who := string(n.Client) + "#" + strconv.FormatUint(n.Seq, 10) + " " + n.Op.String()
			if ok && f.set {
				switch {
				case n.Op.Kind == kv.Get && n.Version.Less(f.version):
					return protocols.Violationf(KindStaleRead, "%s answered %s with %q (version %s), but %s was decided with version %s before the read began",
						ev.Node, who, n.Value, n.Version, f.who, f.version)
				case n.Op.IsWrite() && !f.version.Less(n.Version):
					return protocols.Violationf(KindLostUpdate, "%s decided %s with version %s, not newer than %s, decided with %s before it began: the later write loses",
						ev.Node, who, n.Version, f.who, f.version)
				}
			}
			if n.Op.IsWrite() {
				if cur := m.floors[n.Op.Key]; !cur.set || cur.version.Less(n.Version) {
					m.floors[n.Op.Key] = floor{version: n.Version, who: who, set: true}
				}
			}
		}
	}
	return nil
}
