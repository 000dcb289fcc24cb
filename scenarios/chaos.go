package scenarios

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/byzantine"
	"github.com/dsimlab/dsim/sim"
)

// Swarm testing, as TigerBeetle's VOPR does it: for a scenario with
// "chaos swarm", each seed draws its own fault mix (which kinds of fault are
// on, how often they strike, how long they last) and then a schedule from that
// mix. One sweep thus covers gentle and brutal worlds alike, instead of
// averaging every seed into the same moderate weather.
//
// The schedule is drawn from its own stream ("chaos"), so it depends only on
// the scenario and the seed, and the repro of any seed is simply
// "dsim run SCENARIO --seed N".

// faultClass is one kind of trouble the swarm can switch on.
type faultClass struct {
	name string
	// strike returns the faults that start one episode at t and end it
	// (heal, restart, resume) after a drawn duration.
	strike func(g *chaosGen, t clock.Time) []sim.Fault
	// minGap and maxGap bound the mean time between episodes.
	minGap, maxGap clock.Duration
	// own classes draw from a stream of their own ("chaos/NAME"), so that
	// adding one leaves every other class's draws, and so every existing
	// seed's schedule, as they were. The first ten classes share "chaos".
	own bool
	// applies says whether the class makes sense for a protocol; nil: always.
	applies func(p *protocols.Protocol) bool
	// once: the class strikes once per seed, not in recurring episodes.
	once bool
	// optIn: the class is drawn only by scenarios that list it, so that
	// it changes no seed of a scenario that draws from every class.
	optIn bool
}

var faultClasses = []faultClass{
	{name: "partition", strike: (*chaosGen).partition, minGap: 1 * clock.Second, maxGap: 8 * clock.Second},
	{name: "crash", strike: (*chaosGen).crash, minGap: 1 * clock.Second, maxGap: 8 * clock.Second},
	{name: "pause", strike: (*chaosGen).pause, minGap: 2 * clock.Second, maxGap: 10 * clock.Second},
	{name: "loss", strike: (*chaosGen).loss, minGap: 2 * clock.Second, maxGap: 10 * clock.Second},
	{name: "dup", strike: (*chaosGen).dup, minGap: 3 * clock.Second, maxGap: 10 * clock.Second},
	{name: "latency", strike: (*chaosGen).latency, minGap: 3 * clock.Second, maxGap: 10 * clock.Second},
	{name: "clock", strike: (*chaosGen).clockFault, minGap: 2 * clock.Second, maxGap: 10 * clock.Second},
	{name: "clog", strike: (*chaosGen).clog, minGap: 1 * clock.Second, maxGap: 6 * clock.Second},
	{name: "drop", strike: (*chaosGen).drop, minGap: 1 * clock.Second, maxGap: 5 * clock.Second},
	{name: "outage", strike: (*chaosGen).outage, minGap: 5 * clock.Second, maxGap: 15 * clock.Second},
	{name: "admin", strike: (*chaosGen).admin, minGap: 1 * clock.Second, maxGap: 6 * clock.Second, own: true,
		applies: func(p *protocols.Protocol) bool { return p != nil && p.Admin != nil }},
	{name: "byzantine", strike: (*chaosGen).byzantine, minGap: 1 * clock.Second, maxGap: 10 * clock.Second, own: true, once: true,
		applies: func(p *protocols.Protocol) bool { return p != nil && p.MaxByzantine != nil }},
	{name: "slow", strike: (*chaosGen).slow, minGap: 2 * clock.Second, maxGap: 10 * clock.Second, own: true, optIn: true}, // load.go
}

// FaultClasses lists the kinds of fault the swarm draws from.
func FaultClasses() []string {
	names := make([]string, len(faultClasses))
	for i, c := range faultClasses {
		names[i] = c.name
	}
	return names
}

type chaosGen struct {
	r       *rand.Rand
	s       *Scenario
	p       *protocols.Protocol // nil if the scenario's protocol is unknown
	servers []protocols.NodeID
	clients []protocols.NodeID
	// down and paused track, per server, until when it is out, so that at any
	// instant a majority can still be reached once partitions heal: the swarm
	// is brutal, not hopeless.
	outUntil map[protocols.NodeID]clock.Time
	end      clock.Time
}

// Mix is the fault mix a seed drew: the classes switched on and their mean
// gaps between episodes.
type Mix struct {
	Classes []string
	Gaps    []clock.Duration
}

func (m Mix) String() string {
	s := ""
	for i, c := range m.Classes {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s/%s", c, clock.FormatDuration(m.Gaps[i].Truncate(clock.Millisecond)))
	}
	if s == "" {
		return "calm"
	}
	return s
}

// DrawChaos draws a seed's fault mix and schedule for a scenario of the
// registered protocol it names. The faults fall within the chaos phase,
// sorted by time.
func DrawChaos(s *Scenario, seed uint64) ([]sim.Fault, Mix) {
	p, _ := Lookup(s.Protocol)
	return drawChaos(s, p, seed)
}

func drawChaos(s *Scenario, p *protocols.Protocol, seed uint64) ([]sim.Fault, Mix) {
	clients := s.Clients
	if p != nil && clients < 0 {
		clients = p.DefaultClients
	}
	g := &chaosGen{
		r:        sim.Stream(seed, "chaos"),
		p:        p,
		s:        s,
		servers:  protocols.Servers(s.Nodes),
		clients:  protocols.Clients(max(clients, 0)),
		outUntil: map[protocols.NodeID]clock.Time{},
		end:      clock.Time(s.Duration),
	}
	var mix Mix
	type episode struct {
		class *faultClass
		gen   *chaosGen
		gap   clock.Duration
		next  clock.Time
	}
	var eps []*episode
	for i := range faultClasses {
		c := &faultClasses[i]
		cg := g
		if c.own {
			if (c.applies != nil && !c.applies(p)) || (c.optIn && !slices.Contains(s.ChaosOf, c.name)) {
				continue
			}
			own := *g
			own.r = sim.Stream(seed, "chaos/"+c.name)
			cg = &own
		}
		// Each class is on for about half the seeds; a seed with nothing on
		// is a useful control too. Both draws happen for every class, allowed
		// or not, so that restricting the classes does not reshuffle the rest.
		on := cg.r.IntN(2) == 1
		gap := c.minGap + clock.Duration(cg.r.Int64N(int64(c.maxGap-c.minGap)))
		first := clock.Time(cg.exp(gap))
		if !on || (len(s.ChaosOf) > 0 && !slices.Contains(s.ChaosOf, c.name)) {
			continue
		}
		mix.Classes = append(mix.Classes, c.name)
		mix.Gaps = append(mix.Gaps, gap)
		eps = append(eps, &episode{class: c, gen: cg, gap: gap, next: first})
	}
	var faults []sim.Fault
	// Episodes are drawn in time order across classes, so that the
	// bookkeeping of who is down sees them in the order they happen.
	for {
		var e *episode
		for _, c := range eps {
			if c.next < g.end && (e == nil || c.next < e.next) {
				e = c
			}
		}
		if e == nil {
			break
		}
		faults = append(faults, e.class.strike(e.gen, e.next)...)
		e.next = e.next.Add(e.gen.exp(e.gap))
		if e.class.once {
			e.next = clock.Never
		}
	}
	slices.SortStableFunc(faults, func(a, b sim.Fault) int { return cmp.Compare(a.At, b.At) })
	return faults, mix
}

// exp draws an exponential gap with the given mean, at least 1ms.
func (g *chaosGen) exp(mean clock.Duration) clock.Duration {
	d := clock.Duration(g.r.ExpFloat64()*float64(mean/clock.Millisecond)) * clock.Millisecond
	return max(d, clock.Millisecond)
}

// span draws how long an episode lasts: between lo and hi, cut at the end of
// the chaos phase (the healing phase repairs whatever is left).
func (g *chaosGen) span(t clock.Time, lo, hi clock.Duration) clock.Time {
	d := lo + clock.Duration(g.r.Int64N(int64(hi-lo)/int64(clock.Millisecond)+1))*clock.Millisecond
	return min(t.Add(d), g.end)
}

func (g *chaosGen) node() protocols.NodeID { return g.servers[g.r.IntN(len(g.servers))] }

// available returns servers that are neither down nor paused at t, and how
// many more may go out while a majority stays in.
func (g *chaosGen) available(t clock.Time) ([]protocols.NodeID, int) {
	var in []protocols.NodeID
	for _, id := range g.servers {
		if g.outUntil[id] <= t {
			in = append(in, id)
		}
	}
	return in, len(in) - protocols.Quorum(len(g.servers))
}

func (g *chaosGen) partition(t clock.Time) []sim.Fault {
	if len(g.servers) < 2 {
		return nil
	}
	until := g.span(t, 200*clock.Millisecond, 5*clock.Second)
	var f sim.Fault
	switch g.r.IntN(6) {
	case 0:
		// Half the time the current leader, whoever the seed elected: a
		// deposed leader that clients can still reach is where stale reads
		// and lost writes come from (for protocols without a leader the
		// episode does nothing).
		id := g.node()
		if g.r.IntN(2) == 0 {
			id = sim.Leader
		}
		f = sim.Fault{Kind: sim.Isolate, Nodes: []protocols.NodeID{id}}
	case 1, 2:
		// A majority and a minority, or two halves, drawn here rather than
		// when applied, so that the clients can be placed on the sides too:
		// a client cut off with a deposed leader is how stale reads show.
		perm := g.perm()
		k := (len(perm) - 1) / 2
		if g.r.IntN(2) == 0 {
			k = len(perm) / 2
		}
		sides := [][]protocols.NodeID{slices.Clone(perm[:max(k, 1)]), slices.Clone(perm[max(k, 1):])}
		if len(sides[1]) == 0 {
			sides = [][]protocols.NodeID{sides[0][:1], sides[0][1:]}
		}
		if g.r.IntN(2) == 0 {
			for _, c := range g.clients {
				side := g.r.IntN(2)
				sides[side] = append(sides[side], c)
			}
		}
		f = sim.Fault{Kind: sim.Partition, Groups: [][]protocols.NodeID{sorted(sides[0]), sorted(sides[1])}}
	case 3:
		if len(g.servers) < 4 {
			// A ring of three is the whole cluster: isolate one instead.
			f = sim.Fault{Kind: sim.Isolate, Nodes: []protocols.NodeID{g.node()}}
			break
		}
		f = sim.Fault{Kind: sim.PartitionBy, Shape: sim.ShapeRing}
	case 4:
		perm := g.perm()
		if len(perm) >= 3 {
			k := 1 + g.r.IntN(len(perm)-2)
			f = sim.Fault{Kind: sim.Bridge, Groups: [][]protocols.NodeID{sorted(perm[:k]), sorted(perm[k+1:])}, Nodes: perm[k : k+1]}
		} else {
			f = sim.Fault{Kind: sim.Isolate, Nodes: []protocols.NodeID{g.node()}}
		}
	default:
		perm := g.perm()
		k := 1 + g.r.IntN(len(perm)-1)
		f = sim.Fault{Kind: sim.OneWay, Groups: [][]protocols.NodeID{sorted(perm[:k]), sorted(perm[k:])}}
	}
	f.At = t
	return []sim.Fault{f, {At: until, Kind: sim.Heal}}
}

func (g *chaosGen) perm() []protocols.NodeID {
	p := slices.Clone(g.servers)
	g.r.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

func sorted(ids []protocols.NodeID) []protocols.NodeID {
	return protocols.SortIDs(slices.Clone(ids))
}

func (g *chaosGen) crash(t clock.Time) []sim.Fault { return g.takeOut(t, sim.Crash, sim.Restart) }
func (g *chaosGen) pause(t clock.Time) []sim.Fault { return g.takeOut(t, sim.Pause, sim.Resume) }

// outage crashes a majority of the servers, or all of them, at once, and
// restarts them shortly after: a power cut. Only durable state carries a
// protocol through it, which is what it tests; the cluster is unavailable
// meanwhile, and the restart makes it recoverable.
func (g *chaosGen) outage(t clock.Time) []sim.Fault {
	in, _ := g.available(t)
	if len(in) == 0 {
		return nil
	}
	g.r.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
	n := protocols.Quorum(len(g.servers))
	if g.r.IntN(3) == 0 {
		n = len(in)
	}
	victims := sorted(in[:min(n, len(in))])
	until := g.span(t, 20*clock.Millisecond, clock.Second)
	for _, id := range victims {
		g.outUntil[id] = until
	}
	return []sim.Fault{{At: t, Kind: sim.Crash, Nodes: victims}, {At: until, Kind: sim.Restart, Nodes: victims}}
}

// takeOut crashes or pauses up to a minority of the servers still in, and
// brings them back later.
func (g *chaosGen) takeOut(t clock.Time, out, back sim.FaultKind) []sim.Fault {
	in, spare := g.available(t)
	if spare <= 0 {
		return nil
	}
	g.r.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
	victims := sorted(in[:1+g.r.IntN(spare)])
	until := g.span(t, 100*clock.Millisecond, 4*clock.Second)
	for _, id := range victims {
		g.outUntil[id] = until
	}
	return []sim.Fault{{At: t, Kind: out, Nodes: victims}, {At: until, Kind: back, Nodes: victims}}
}

func (g *chaosGen) loss(t clock.Time) []sim.Fault {
	p := int64(1+g.r.IntN(50)) * 10_000 // 1% to 50%
	return g.netEpisode(t, sim.Fault{Kind: sim.NetSet, Field: sim.FieldLoss, PPM: p}, sim.Fault{Kind: sim.NetSet, Field: sim.FieldLoss, PPM: ppm(g.s.Link.Loss)})
}

func (g *chaosGen) dup(t clock.Time) []sim.Fault {
	p := int64(1+g.r.IntN(20)) * 10_000 // 1% to 20%
	return g.netEpisode(t, sim.Fault{Kind: sim.NetSet, Field: sim.FieldDup, PPM: p}, sim.Fault{Kind: sim.NetSet, Field: sim.FieldDup, PPM: ppm(g.s.Link.Dup)})
}

func (g *chaosGen) latency(t clock.Time) []sim.Fault {
	ms := clock.Millisecond
	spike := net.ExpLatency(ms, clock.Duration(5+g.r.IntN(96))*ms) // long tail, 5-100ms mean
	return g.netEpisode(t, sim.Fault{Kind: sim.NetSet, Field: sim.FieldLatency, Lat: spike}, sim.Fault{Kind: sim.NetSet, Field: sim.FieldLatency, Lat: g.s.Link.Latency})
}

func (g *chaosGen) netEpisode(t clock.Time, on, off sim.Fault) []sim.Fault {
	on.At, off.At = t, g.span(t, 500*clock.Millisecond, 5*clock.Second)
	return []sim.Fault{on, off}
}

func (g *chaosGen) clockFault(t clock.Time) []sim.Fault {
	n := g.node()
	switch g.r.IntN(3) {
	case 0:
		return []sim.Fault{{At: t, Kind: sim.ClockDrift, Nodes: []protocols.NodeID{n}, PPM: int64(g.r.IntN(61)-30) * 10_000}} // -30% to +30%
	case 1:
		return []sim.Fault{{At: t, Kind: sim.ClockOffset, Nodes: []protocols.NodeID{n}, Span: clock.Duration(g.r.IntN(2001)-1000) * clock.Millisecond}}
	}
	return []sim.Fault{{At: t, Kind: sim.ClockJump, Nodes: []protocols.NodeID{n}, Span: clock.Duration(g.r.IntN(2001)-1000) * clock.Millisecond}}
}

func (g *chaosGen) link() net.Link {
	p := g.perm()
	return net.Link{From: p[0], To: p[1]}
}

func (g *chaosGen) clog(t clock.Time) []sim.Fault {
	if len(g.servers) < 2 {
		return nil
	}
	d := clock.Duration(50+g.r.IntN(1951)) * clock.Millisecond
	return []sim.Fault{{At: t, Kind: sim.Clog, Link: g.link(), Span: d}}
}

func (g *chaosGen) drop(t clock.Time) []sim.Fault {
	if len(g.servers) < 2 {
		return nil
	}
	l := g.link()
	return []sim.Fault{{At: t, Kind: sim.DropNext, Rule: net.Rule{Action: net.DropRule, From: l.From, To: l.To, Count: 1 + g.r.IntN(10)}}}
}

// admin sends the current leader an operator command the protocol draws:
// a membership change, a snapshot.
func (g *chaosGen) admin(t clock.Time) []sim.Fault {
	cmd := g.p.Admin(g.r, g.servers)
	if len(cmd) == 0 {
		return nil
	}
	return []sim.Fault{{At: t, Kind: sim.Admin, Nodes: []protocols.NodeID{sim.Leader}, Words: cmd}}
}

// byzantine makes up to the protocol's tolerated number of servers
// byzantine, each with a strategy drawn from the protocol's own and the
// generic ones: half the seeds from the start, the others from a drawn time.
func (g *chaosGen) byzantine(t clock.Time) []sim.Fault {
	most := g.p.MaxByzantine(len(g.servers))
	if most < 1 {
		return nil
	}
	if g.r.IntN(2) == 0 {
		t = 0
	}
	strategies := slices.Concat(g.p.Strategies, byzantine.Generic)
	var out []sim.Fault
	for _, id := range sorted(g.perm()[:1+g.r.IntN(most)]) {
		st := strategies[g.r.IntN(len(strategies))]
		out = append(out, sim.Fault{At: t, Kind: sim.Byzantine, Nodes: []protocols.NodeID{id}, Words: []string{st.Name}})
	}
	return out
}
