package dsimtest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// FaultOptions shape the schedules Schedule draws. The zero value is usable.
type FaultOptions struct {
	// MaxEpisodes bounds the episodes of a schedule. An episode is one
	// fault and, unless it lasts into the healing phase, the fault that ends
	// it (restart, resume, heal). Zero means 8: enough for several faults
	// to interleave, few enough that a run is mostly about them.
	MaxEpisodes int
	// Classes lists the fault classes to draw from, by name. Empty means all
	// of them: clog, dup, drop, loss, pause, clock, partition, crash (the
	// names `chaos swarm` uses in scenario files, but for latency: a
	// latency change outlives recover, so it would spill into healing),
	// plus admin and byzantine when the options below allow them.
	Classes []string
	// Byzantine lists the strategies the byzantine class may give a server,
	// and MaxByzantine bounds how many servers one schedule makes
	// byzantine. No strategies: no byzantine class. A World with a
	// Protocol (or from a scenario) fills both from the description.
	Byzantine    []string
	MaxByzantine int
	// Admin draws an operator command for the admin class (sent to the
	// current leader); nil: no admin class. Filled from the description
	// like Byzantine.
	Admin func(r *rand.Rand, servers []protocols.NodeID) []string
}

const defaultMaxEpisodes = 8

// A class draws one episode: its own parameters, then the faults that start
// and (if it ends before the healing phase) end it.
type class struct {
	name  string
	links bool // needs two servers: it acts on links between them
	draw  func(e *episode) []sim.Fault
	// allowed says whether the options allow the class; nil: always.
	allowed func(o FaultOptions) bool
}

// classes, simplest first. rapid shrinks every draw towards zero, so a fault
// whose class does not matter to a failure may move towards the front of
// this list: from faults that only delay messages (clog), through faults that
// repeat or lose them (dup, drop, loss), stall a node (pause), skew its
// clock, cut the network (partition), to the one that loses state (crash).
var classes = []class{
	{"clog", true, (*episode).clog, nil},
	{"dup", false, (*episode).dup, nil},
	{"drop", true, (*episode).drop, nil},
	{"loss", false, (*episode).loss, nil},
	{"pause", false, (*episode).pause, nil},
	{"clock", false, (*episode).clock, nil},
	{"partition", true, (*episode).partition, nil},
	{"crash", false, (*episode).crash, nil},
	{"admin", false, (*episode).admin, func(o FaultOptions) bool { return o.Admin != nil }},
	{"byzantine", false, (*episode).byzantine, func(o FaultOptions) bool { return len(o.Byzantine) > 0 && o.MaxByzantine > 0 }},
}

// Schedule returns a rapid generator of fault schedules over the given
// servers, with every fault in [0, horizon): the chaos phase. It does not
// include the recover that begins the healing phase; Run adds that.
//
// It is built to shrink well. Each episode draws an absolute time, and the
// schedule is sorted only after drawing, so deleting an episode leaves every
// other fault where it was. An episode that lasts "0" lasts until the
// healing phase, so shrinking also drops the faults that end episodes.
// Node choices are valid by construction (a link's two ends differ, both
// sides of a partition are non-empty), so no case is filtered away.
// Schedule panics on options it cannot honour, as rapid's own generators do.
func Schedule(servers []protocols.NodeID, horizon clock.Duration, o FaultOptions) *rapid.Generator[[]sim.Fault] {
	if len(servers) == 0 {
		panic("dsimtest.Schedule: no servers")
	}
	if horizon < clock.Millisecond {
		panic(fmt.Sprintf("dsimtest.Schedule: horizon %s is under 1ms", clock.FormatDuration(horizon)))
	}
	most := o.MaxEpisodes
	if most == 0 {
		most = defaultMaxEpisodes
	}
	if most < 0 {
		panic(fmt.Sprintf("dsimtest.Schedule: MaxEpisodes %d is negative", most))
	}
	use := pick(o.Classes, len(servers), o)
	servers = protocols.SortIDs(slices.Clone(servers))
	ms := int(horizon / clock.Millisecond)
	one := rapid.Custom(func(t *rapid.T) []sim.Fault {
		e := &episode{t: t, servers: servers, horizon: clock.Time(horizon), ms: ms, opts: &o}
		c := use[rapid.IntRange(0, len(use)-1).Draw(t, "class")]
		e.at = clock.Time(rapid.IntRange(0, ms-1).Draw(t, "at_ms")) * clock.Time(clock.Millisecond)
		return c.draw(e)
	})
	return rapid.Custom(func(t *rapid.T) []sim.Fault {
		var faults []sim.Fault
		for _, ep := range rapid.SliceOfN(one, 0, most).Draw(t, "episodes") {
			faults = append(faults, ep...)
		}
		// Sorted after drawing, stably: an episode's end never precedes its
		// start, and faults at one instant keep their drawn order.
		slices.SortStableFunc(faults, func(a, b sim.Fault) int { return cmp.Compare(a.At, b.At) })
		return capByzantine(faults, o.MaxByzantine)
	})
}

// capByzantine keeps the byzantine faults of the first most servers made
// byzantine, and drops a second one for the same server.
func capByzantine(faults []sim.Fault, most int) []sim.Fault {
	var byz []protocols.NodeID
	out := faults[:0]
	for _, f := range faults {
		if f.Kind == sim.Byzantine {
			if slices.Contains(byz, f.Nodes[0]) || len(byz) >= most {
				continue
			}
			byz = append(byz, f.Nodes[0])
		}
		out = append(out, f)
	}
	return out
}

// pick resolves the class names of FaultOptions, keeping the canonical
// order. With one server, classes that act on links are left out, and so
// are classes the options do not allow.
func pick(names []string, servers int, o FaultOptions) []class {
	for _, n := range names {
		if !slices.ContainsFunc(classes, func(c class) bool { return c.name == n }) {
			panic(fmt.Sprintf("dsimtest.Schedule: unknown fault class %q (want %s)", n, strings.Join(classNames(), ", ")))
		}
	}
	var use []class
	for _, c := range classes {
		if (len(names) == 0 || slices.Contains(names, c.name)) && (servers > 1 || !c.links) && (c.allowed == nil || c.allowed(o)) {
			use = append(use, c)
		}
	}
	if len(use) == 0 {
		panic(fmt.Sprintf("dsimtest.Schedule: no fault class in %v can act on %d server(s)", names, servers))
	}
	return use
}

func classNames() []string {
	names := make([]string, len(classes))
	for i, c := range classes {
		names[i] = c.name
	}
	return names
}

// episode is one episode being drawn.
type episode struct {
	opts    *FaultOptions
	t       *rapid.T
	servers []protocols.NodeID
	horizon clock.Time
	ms      int
	at      clock.Time
}

func (e *episode) intn(label string, lo, hi int) int { return rapid.IntRange(lo, hi).Draw(e.t, label) }

func (e *episode) node() protocols.NodeID { return e.servers[e.intn("node", 0, len(e.servers)-1)] }

// link draws two distinct servers: the second as an offset from the first,
// so every draw is valid and shrinking moves towards n1->n2.
func (e *episode) link() (protocols.NodeID, protocols.NodeID) {
	n := len(e.servers)
	a := e.intn("node", 0, n-1)
	b := (a + e.intn("peer", 1, n-1)) % n
	return e.servers[a], e.servers[b]
}

// lasts draws how long the episode lasts, in whole milliseconds; 0 means
// until the healing phase. It returns 0 too when the end would fall at or
// after the horizon, where the healing phase's recover ends it anyway.
func (e *episode) lasts() clock.Duration {
	d := clock.Duration(e.intn("lasts_ms", 0, e.ms)) * clock.Millisecond
	if e.at.Add(d) >= e.horizon {
		return 0
	}
	return d
}

// span returns start, and end at start's time plus d unless d is zero.
func (e *episode) span(start, end sim.Fault, d clock.Duration) []sim.Fault {
	start.At = e.at
	if d == 0 {
		return []sim.Fault{start}
	}
	end.At = e.at.Add(d)
	return []sim.Fault{start, end}
}

// clog holds a link's messages for a while (then delivers them in order), or
// until the healing phase.
func (e *episode) clog() []sim.Fault {
	from, to := e.link()
	l := net.Link{From: from, To: to}
	if d := e.lasts(); d > 0 {
		return []sim.Fault{{At: e.at, Kind: sim.Clog, Link: l, Span: d}}
	}
	return []sim.Fault{{At: e.at, Kind: sim.Hold, Link: l}}
}

// percent draws a probability of 1% to hi%, in parts per million.
func (e *episode) percent(hi int) int64 { return int64(e.intn("percent", 1, hi)) * 10_000 }

// dup duplicates a share of all messages for a while. It ends by setting the
// rate back to 0%, as recover does.
func (e *episode) dup() []sim.Fault {
	on := sim.Fault{Kind: sim.NetSet, Field: sim.FieldDup, PPM: e.percent(50)}
	return e.span(on, sim.Fault{Kind: sim.NetSet, Field: sim.FieldDup}, e.lasts())
}

// drop loses the next few messages of any kind on one link.
func (e *episode) drop() []sim.Fault {
	from, to := e.link()
	count := e.intn("count", 1, 10)
	return []sim.Fault{{At: e.at, Kind: sim.DropNext, Rule: net.Rule{Action: net.DropRule, From: from, To: to, Count: count}}}
}

// loss loses a share of all messages for a while; like dup, it ends at 0%.
func (e *episode) loss() []sim.Fault {
	on := sim.Fault{Kind: sim.NetSet, Field: sim.FieldLoss, PPM: e.percent(50)}
	return e.span(on, sim.Fault{Kind: sim.NetSet, Field: sim.FieldLoss}, e.lasts())
}

func (e *episode) pause() []sim.Fault {
	n := []protocols.NodeID{e.node()}
	return e.span(sim.Fault{Kind: sim.Pause, Nodes: n}, sim.Fault{Kind: sim.Resume, Nodes: n}, e.lasts())
}

// clock jumps a node's clock (the simpler shape, one line), or makes it
// drift for a while.
func (e *episode) clock() []sim.Fault {
	n := []protocols.NodeID{e.node()}
	sign := int64(1)
	if e.intn("negative", 0, 1) == 1 {
		sign = -1
	}
	if e.intn("shape", 0, 1) == 0 {
		d := clock.Duration(sign*int64(e.intn("jump_ms", 1, 1000))) * clock.Millisecond
		return []sim.Fault{{At: e.at, Kind: sim.ClockJump, Nodes: n, Span: d}}
	}
	on := sim.Fault{Kind: sim.ClockDrift, Nodes: n, PPM: sign * e.percent(40)}
	return e.span(on, sim.Fault{Kind: sim.ClockDrift, Nodes: n}, e.lasts())
}

// partition isolates one server (the simplest shape), splits the servers in
// two, or cuts one way only; each lasts until a heal. Heal repairs every cut,
// not only this episode's: that is the fault language.
func (e *episode) partition() []sim.Fault {
	shape := e.intn("shape", 0, 2)
	heal := sim.Fault{Kind: sim.Heal}
	if shape == 0 {
		return e.span(sim.Fault{Kind: sim.Isolate, Nodes: []protocols.NodeID{e.node()}}, heal, e.lasts())
	}
	// Side A holds a, side B holds b, and every other server picks a side:
	// both sides are non-empty by construction. Shrinking puts everyone but
	// b on side A.
	a, b := e.link()
	sideA, sideB := []protocols.NodeID{a}, []protocols.NodeID{b}
	for _, id := range e.servers {
		if id == a || id == b {
			continue
		}
		if e.intn("side", 0, 1) == 1 {
			sideB = append(sideB, id)
		} else {
			sideA = append(sideA, id)
		}
	}
	groups := [][]protocols.NodeID{protocols.SortIDs(sideA), protocols.SortIDs(sideB)}
	kind := sim.Partition
	if shape == 2 {
		kind = sim.OneWay
	}
	return e.span(sim.Fault{Kind: kind, Groups: groups}, heal, e.lasts())
}

func (e *episode) crash() []sim.Fault {
	n := []protocols.NodeID{e.node()}
	return e.span(sim.Fault{Kind: sim.Crash, Nodes: n}, sim.Fault{Kind: sim.Restart, Nodes: n}, e.lasts())
}

// admin sends the current leader an operator command drawn by the
// options' Admin from a seed rapid draws (so it shrinks towards seed 0).
func (e *episode) admin() []sim.Fault {
	r := rand.New(rand.NewPCG(uint64(e.intn("admin_seed", 0, 1<<20)), 0))
	cmd := e.opts.Admin(r, e.servers)
	if len(cmd) == 0 {
		return nil
	}
	return []sim.Fault{{At: e.at, Kind: sim.Admin, Nodes: []protocols.NodeID{sim.Leader}, Words: cmd}}
}

// byzantine makes a server byzantine with one of the allowed strategies;
// shrinking moves it to the start and to the first strategy.
func (e *episode) byzantine() []sim.Fault {
	st := e.opts.Byzantine[e.intn("strategy", 0, len(e.opts.Byzantine)-1)]
	return []sim.Fault{{At: e.at, Kind: sim.Byzantine, Nodes: []protocols.NodeID{e.node()}, Words: []string{st}}}
}

// ParseSchedule reads a schedule written as scenario-file lines, "at TIME
// FAULT", one a line; blank lines and # comments are skipped. It is how a
// schedule printed by a failing run is pasted back into a test. Errors name
// the line. Whether the nodes exist is checked when the schedule runs.
func ParseSchedule(text string) ([]sim.Fault, error) {
	var faults []sim.Fault
	for i, line := range strings.Split(text, "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		w := strings.Fields(line)
		if len(w) == 0 {
			continue
		}
		if w[0] != "at" || len(w) < 3 {
			return nil, fmt.Errorf("schedule line %d: want \"at TIME FAULT\", as in \"at 2s crash n1\"", i+1)
		}
		d, err := clock.ParseDuration(w[1])
		if err != nil {
			return nil, fmt.Errorf("schedule line %d: at %w", i+1, err)
		}
		f, err := sim.ParseFault(strings.Join(w[2:], " "))
		if err != nil {
			return nil, fmt.Errorf("schedule line %d: %w", i+1, err)
		}
		f.At = clock.Time(d)
		faults = append(faults, f)
	}
	return faults, nil
}

// formatSchedule writes faults as scenario-file lines, each indented by
// indent, the way ParseSchedule reads them back.
func formatSchedule(faults []sim.Fault, indent string) string {
	var b strings.Builder
	for _, f := range faults {
		fmt.Fprintf(&b, "%sat %s %s\n", indent, clock.FormatDuration(clock.Duration(f.At)), f)
	}
	return b.String()
}
