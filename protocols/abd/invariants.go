package abd

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The monitors judge a run from outside the servers, after every event
// (PROTOCOLS.md §6.1). They keep ghost state that survives crashes: what
// each server has durably stored (from Stored notes, whose records are
// synced in the same step), the value each tag was written with, and the
// highest tag decided per key so far. Linearizability (A-LIN) is the
// runner's porcupine check of the client history; these catch the same
// bugs earlier, by name, with the tags that show why.

// The violation kinds the monitors report.
const (
	KindTagMonotonic  = "tag-monotonic"   // A-TAGMONO: a server's tag for a key went down, across restarts too
	KindTagUnique     = "tag-unique"      // A-TAGUNIQ: one tag was stored with two different values
	KindQuorum        = "quorum"          // A-QUORUM: an operation returned before a majority held its tag
	KindRealTimeOrder = "real-time-order" // A-RT, A-MONOREAD: an operation's tag is below one decided before it began
)

// Monitors returns fresh instances of every ABD monitor, for one run of a
// cluster of the given servers.
func Monitors(servers int) []protocols.Monitor {
	g := &ghost{quorum: protocols.Quorum(servers)}
	return []protocols.Monitor{
		&tagMonotonic{ghost: g},
		&tagUnique{values: map[keyTag]string{}},
		&quorumCheck{ghost: g},
		&realTime{floors: map[string]decision{}, pending: map[reqKey]decision{}},
	}
}

// ghost is what each server has durably stored: per server, per key, the
// highest tag. The monitors of one run share it; tagMonotonic keeps it.
type ghost struct {
	quorum  int
	servers []protocols.NodeID
	regs    [][]ghostReg // per server (same index as servers), sorted by key
}

type ghostReg struct {
	key string
	tag Tag
}

func (g *ghost) of(id protocols.NodeID) *[]ghostReg {
	i := slices.Index(g.servers, id)
	if i < 0 {
		g.servers = append(g.servers, id)
		g.regs = append(g.regs, nil)
		i = len(g.servers) - 1
	}
	return &g.regs[i]
}

// tagMonotonic: a server's stored tag for a key never decreases, including
// across a restart (its store is durable). It compares the server's
// registers with the ghost after every event of that server.
type tagMonotonic struct{ *ghost }

func (m *tagMonotonic) Check(c protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" {
		return nil
	}
	n, ok := ev.Stepped(c).(*node)
	if !ok {
		return nil
	}
	regs := m.of(ev.Node)
	for _, g := range *regs {
		have := Tag{}
		if r := n.lookup(g.key); r != nil {
			have = r.tag
		}
		if have.Less(g.tag) {
			return protocols.Violationf(KindTagMonotonic, "%s holds %s at tag %s, but it stored tag %s before", ev.Node, g.key, have, g.tag)
		}
	}
	for _, r := range n.regs {
		i, found := slices.BinarySearchFunc(*regs, r.key, func(g ghostReg, k string) int { return strings.Compare(g.key, k) })
		switch {
		case !found:
			*regs = slices.Insert(*regs, i, ghostReg{key: r.key, tag: r.tag})
		case (*regs)[i].tag.Less(r.tag):
			(*regs)[i].tag = r.tag
		}
	}
	return nil
}

// lookup returns key's register, or nil.
func (n *node) lookup(key string) *register {
	i, found := slices.BinarySearchFunc(n.regs, key, func(r register, k string) int { return strings.Compare(r.key, k) })
	if !found {
		return nil
	}
	return &n.regs[i]
}

type keyTag struct {
	key string
	tag Tag
}

// tagUnique: distinct writes carry distinct tags, so a tag names one value
// (A-TAGUNIQ): every Stored note of a tag carries the same value.
type tagUnique struct{ values map[keyTag]string }

func (m *tagUnique) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		s, ok := n.(Stored)
		if !ok {
			continue
		}
		k := keyTag{s.Key, s.Tag}
		if v, seen := m.values[k]; !seen {
			m.values[k] = s.Value
		} else if v != s.Value {
			return protocols.Violationf(KindTagUnique, "%s stored %s = %q under tag %s, which was already stored with %q", ev.Node, s.Key, s.Value, s.Tag, v)
		}
	}
	return nil
}

// quorumCheck: an operation returns only after a majority of servers
// durably hold its tag or a higher one (A-QUORUM): a write's new tag, a
// read's returned tag. Counting acknowledgements of the wrong phase shows
// up here, at the decision, whatever the history later shows.
type quorumCheck struct{ *ghost }

func (m *quorumCheck) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		d, ok := n.(Decided)
		if !ok {
			continue
		}
		var holders []string
		for i, id := range m.servers {
			for _, r := range m.regs[i] {
				if r.key == d.Op.Key && !r.tag.Less(d.Tag) {
					holders = append(holders, string(id))
				}
			}
		}
		if len(holders) < m.quorum {
			slices.Sort(holders)
			return protocols.Violationf(KindQuorum, "%s decided %s %s with tag %s, but only %d server(s) hold it or higher (%s), fewer than a majority of %d",
				ev.Node, d.Op, kv.Request{Client: d.Client, Seq: d.Seq}.ID(), d.Tag, len(holders), strings.Join(holders, " "), m.quorum)
		}
	}
	return nil
}

type reqKey struct {
	client protocols.NodeID
	seq    uint64
}

// decision is an operation decided with a tag, as realTime remembers it.
type decision struct {
	tag Tag
	who string // "c1#7 put(k1,c1.7)"
	set bool
}

// realTime: tags respect real time (A-RT). If an operation was decided
// before another was invoked, the later one's tag is at least as high, and
// higher if it is a write; a read whose tag is below an earlier read's is
// the new-old inversion (A-MONOREAD). An operation's decision is its
// coordinator's Decided note, which comes before the client hears of it,
// so the check is at least as strict as the history's real-time order.
type realTime struct {
	floors  map[string]decision // per key, the highest tag decided so far
	pending map[reqKey]decision // per invoked operation, its key's floor then
}

func (m *realTime) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case kv.Invoked:
			m.pending[reqKey{n.Client, n.Seq}] = m.floors[n.Op.Key]
		case kv.Abandoned:
			// The coordinator may still decide it; the floor stays.
		case Decided:
			k := reqKey{n.Client, n.Seq}
			floor, ok := m.pending[k]
			delete(m.pending, k)
			who := k.String() + " " + n.Op.String()
			if ok && floor.set {
				c := n.Tag.Compare(floor.tag)
				if c < 0 || c == 0 && n.Op.IsWrite() {
					what := "a lower"
					if c == 0 {
						what = "the same"
					}
					extra := ""
					if n.Op.Kind == kv.Get && strings.Contains(floor.who, " get(") {
						extra = " (a read went backwards: the new-old inversion)"
					}
					return protocols.Violationf(KindRealTimeOrder, "%s decided %s with tag %s, %s tag than %s decided with %s before it began%s",
						ev.Node, who, n.Tag, what, floor.who, floor.tag, extra)
				}
			}
			if f := m.floors[n.Op.Key]; !f.set || f.tag.Less(n.Tag) {
				m.floors[n.Op.Key] = decision{tag: n.Tag, who: who, set: true}
			}
		}
	}
	return nil
}

func (k reqKey) String() string { return string(k.client) + "#" + strconv.FormatUint(k.seq, 10) }
