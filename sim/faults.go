package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// faultSpec is everything about one fault kind, in one place: its
// scenario-file syntax (parse and render), its validation against the world
// (check) and what it does (apply). Adding a fault kind is adding a
// constant and an entry in faultSpecs.
type faultSpec struct {
	verb string // the first word of its syntax; kinds may share one
	// accepts, for a kind sharing its verb, says whether args are its form;
	// nil accepts anything (the last kind of a verb reports its usage).
	accepts func(args []string) bool
	parse   func(args []string) (Fault, error)
	check   func(f *Fault, e *faultEnv) error // nil: nothing to check
	apply   func(w *World, f *Fault) error
	render  func(f Fault) string
}

// faultEnv is what a fault is checked against: the world's nodes.
type faultEnv struct {
	known    map[protocols.NodeID]bool
	servers  []protocols.NodeID
	strategy StrategyFunc
}

// StrategyFunc resolves a byzantine strategy by name, checking its
// arguments (Config.Strategy).
type StrategyFunc func(name string, args []string) (protocols.Wrapper, error)

// faultSpecs is indexed by FaultKind. It is filled in by init because its
// entries refer to code that consults it.
var faultSpecs [Service + 1]faultSpec

func init() { faultSpecs = specs() }

func specs() [Service + 1]faultSpec {
	return [...]faultSpec{
		Partition: {
			verb:    "partition",
			accepts: func(args []string) bool { return !(len(args) == 1 && isShape(args[0])) },
			parse: func(args []string) (Fault, error) {
				g, err := splitGroups(args, "|")
				if err == nil && len(g) < 2 {
					err = fmt.Errorf("partition: want groups separated by |, as in \"partition n1 | n2 n3\", or one of halves, majority, ring")
				}
				return Fault{Groups: g}, err
			},
			check:  checkGroups,
			apply:  func(w *World, f *Fault) error { return w.cut(net.Split(f.Groups...)) },
			render: func(f Fault) string { return "partition " + groups(" | ", f.Groups...) },
		},
		PartitionBy: {
			verb:  "partition",
			parse: func(args []string) (Fault, error) { return Fault{Shape: Shape(args[0])}, nil },
			check: func(f *Fault, e *faultEnv) error {
				switch {
				case f.Shape == ShapeRing && len(e.servers) < 4:
					return fmt.Errorf("partition ring needs at least 4 servers: with %d every server already sees a majority", len(e.servers))
				case len(e.servers) < 2:
					return fmt.Errorf("partition %s needs at least 2 servers", f.Shape)
				}
				return nil
			},
			apply:  (*World).partitionBy,
			render: func(f Fault) string { return "partition " + string(f.Shape) },
		},
		Isolate: {
			verb:  "isolate",
			parse: nodesParser("isolate", -1),
			check: func(f *Fault, e *faultEnv) error {
				for _, id := range f.Nodes {
					one := Fault{Kind: f.Kind, Nodes: []protocols.NodeID{id}}
					if id == Follower {
						continue
					}
					if err := checkServerOrLeader(&one, e); err != nil {
						return err
					}
				}
				return checkDistinct(f.Nodes)
			},
			apply: func(w *World, f *Fault) error {
				// Each node is cut off on its own: "isolate n1 n2" leaves
				// n1 and n2 unable to reach each other too.
				for _, id := range f.Nodes {
					if err := w.cut(net.Isolate(id, w.cfg.Servers)); err != nil {
						return err
					}
				}
				return nil
			},
			render: func(f Fault) string { return "isolate " + ids(f.Nodes) },
		},
		OneWay: {
			verb: "oneway",
			parse: func(args []string) (Fault, error) {
				g, err := splitGroups(args, "->")
				if err == nil && len(g) != 2 {
					err = fmt.Errorf("oneway: want \"oneway n1 -> n2 n3\"")
				}
				return Fault{Groups: g}, err
			},
			check: checkGroups,
			apply: func(w *World, f *Fault) error { return w.cut(net.OneWay(f.Groups[0], f.Groups[1])) },
			render: func(f Fault) string {
				if len(f.Groups) != 2 {
					return "oneway ?"
				}
				return "oneway " + groups(" -> ", f.Groups...)
			},
		},
		Bridge: {
			verb: "bridge",
			parse: func(args []string) (Fault, error) {
				g, err := splitGroups(args, "|")
				if err == nil && (len(g) != 3 || len(g[1]) != 1) {
					err = fmt.Errorf("bridge: want \"bridge n1 n2 | n3 | n4 n5\" with one node in the middle")
				}
				if err != nil {
					return Fault{}, err
				}
				return Fault{Groups: [][]protocols.NodeID{g[0], g[2]}, Nodes: g[1]}, nil
			},
			check: checkGroups,
			apply: func(w *World, f *Fault) error { return w.cut(net.Bridge(f.Groups[0], f.Nodes[0], f.Groups[1])) },
			render: func(f Fault) string {
				if len(f.Groups) != 2 {
					return "bridge ?"
				}
				return "bridge " + ids(f.Groups[0]) + " | " + f.node() + " | " + ids(f.Groups[1])
			},
		},
		Heal: {
			verb:  "heal",
			parse: noArgs("heal"),
			apply: func(w *World, _ *Fault) error {
				w.net.Heal()
				w.flushAll()
				return nil
			},
			render: func(Fault) string { return "heal" },
		},
		Crash: {
			verb:   "crash",
			parse:  nodesParser("crash", -1),
			check:  checkLifecycle,
			apply:  (*World).crashNodes,
			render: func(f Fault) string { return "crash " + ids(f.Nodes) },
		},
		Restart: {
			verb:   "restart",
			parse:  nodesParser("restart", -1),
			check:  checkLifecycle,
			apply:  (*World).restartNodes,
			render: func(f Fault) string { return "restart " + ids(f.Nodes) },
		},
		Pause: {
			verb:   "pause",
			parse:  nodesParser("pause", -1),
			check:  checkLifecycle,
			apply:  (*World).pauseNodes,
			render: func(f Fault) string { return "pause " + ids(f.Nodes) },
		},
		Resume: {
			verb:   "resume",
			parse:  nodesParser("resume", -1),
			check:  checkLifecycle,
			apply:  (*World).resumeNodes,
			render: func(f Fault) string { return "resume " + ids(f.Nodes) },
		},
		ClockOffset: {
			verb:    "clock",
			accepts: func(args []string) bool { return len(args) == 3 && args[1] == "offset" },
			parse:   parseClock,
			check:   checkServerOrLeader,
			apply: func(w *World, f *Fault) error {
				w.nodeByID(f.Nodes[0]).clock.SetOffset(w.now, f.Span)
				return nil
			},
			render: func(f Fault) string { return "clock " + f.node() + " offset " + signed(f.Span) },
		},
		ClockDrift: {
			verb:    "clock",
			accepts: func(args []string) bool { return len(args) == 3 && args[1] == "drift" },
			parse:   parseClock,
			check:   checkServerOrLeader,
			apply:   func(w *World, f *Fault) error { return w.nodeByID(f.Nodes[0]).clock.SetDrift(w.now, f.PPM) },
			render: func(f Fault) string {
				p := FormatPercent(f.PPM)
				if f.PPM >= 0 {
					p = "+" + p
				}
				return "clock " + f.node() + " drift " + p
			},
		},
		ClockJump: {
			verb:  "clock",
			parse: parseClock,
			check: checkServerOrLeader,
			apply: func(w *World, f *Fault) error {
				w.nodeByID(f.Nodes[0]).clock.Jump(w.now, f.Span)
				return nil
			},
			render: func(f Fault) string { return "clock " + f.node() + " jump " + signed(f.Span) },
		},
		NetSet: {
			verb:  "net",
			parse: parseNet,
			check: func(f *Fault, e *faultEnv) error {
				if err := e.exists(f.Link.From, f.Link.To); err != nil {
					return err
				}
				if f.Field == FieldLatency {
					return f.Lat.Validate()
				}
				return nil
			},
			apply: (*World).setNet,
			render: func(f Fault) string {
				s := "net "
				if f.Link != (net.Link{}) {
					s += f.Link.String() + " "
				}
				if f.Field == FieldLatency {
					return s + "latency " + f.Lat.String()
				}
				return s + string(f.Field) + " " + FormatPercent(f.PPM)
			},
		},
		DropNext: {
			verb:    "drop",
			accepts: func(args []string) bool { return len(args) == 0 || args[0] != "inflight" },
			parse:   func(args []string) (Fault, error) { return parseRule("drop", args) },
			check:   checkRule,
			apply:   func(w *World, f *Fault) error { return w.net.AddRule(f.Rule) },
			render:  renderRule,
		},
		DelayNext: {
			verb:   "delay",
			parse:  func(args []string) (Fault, error) { return parseRule("delay", args) },
			check:  checkRule,
			apply:  func(w *World, f *Fault) error { return w.net.AddRule(f.Rule) },
			render: renderRule,
		},
		Clog: {
			verb: "clog",
			parse: func(args []string) (Fault, error) {
				if len(args) != 2 {
					return Fault{}, fmt.Errorf("clog: want \"clog n1->n2 500ms\"")
				}
				l, err := parseLink(args[0], false)
				if err != nil {
					return Fault{}, err
				}
				d, err := clock.ParseDuration(args[1])
				if err == nil && d <= 0 {
					err = fmt.Errorf("clog: duration must be positive")
				}
				return Fault{Link: l, Span: d}, err
			},
			check:  checkLink,
			apply:  func(w *World, f *Fault) error { return w.net.Clog(f.Link, w.now.Add(f.Span)) },
			render: func(f Fault) string { return "clog " + f.Link.String() + " " + clock.FormatDuration(f.Span) },
		},
		Hold: {
			verb:   "hold",
			parse:  linkParser("hold"),
			check:  checkLink,
			apply:  func(w *World, f *Fault) error { return w.net.Clog(f.Link, clock.Never) },
			render: func(f Fault) string { return "hold " + f.Link.String() },
		},
		Release: {
			verb:  "release",
			parse: linkParser("release"),
			check: checkLink,
			apply: func(w *World, f *Fault) error {
				if err := w.net.Release(f.Link); err != nil {
					return err
				}
				w.flushLink(w.lookup(f.Link.From)*len(w.nodes) + w.lookup(f.Link.To))
				return nil
			},
			render: func(f Fault) string { return "release " + f.Link.String() },
		},
		Recover: {
			verb:  "recover",
			parse: noArgs("recover"),
			apply: func(w *World, _ *Fault) error {
				w.recoverAll()
				return nil
			},
			render: func(Fault) string { return "recover" },
		},
		DropInFlight: {
			verb:  "drop",
			parse: func(args []string) (Fault, error) { return parseInFlight(args[1:]) },
			check: func(f *Fault, e *faultEnv) error {
				if err := e.exists(f.Rule.From, f.Rule.To); err != nil {
					return err
				}
				if f.Sent > f.At {
					return fmt.Errorf("the message is sent at %s, after the fault", f.Sent)
				}
				return nil
			},
			apply: func(w *World, f *Fault) error {
				if !w.dropInFlight(f) {
					return errors.New("no such message in flight")
				}
				return nil
			},
			render: func(f Fault) string {
				return fmt.Sprintf("drop inflight %s %s->%s sent %s", f.Rule.Kind, f.Rule.From, f.Rule.To, f.Sent)
			},
		},
		Admin: {
			verb: "admin",
			parse: func(args []string) (Fault, error) {
				if len(args) < 2 {
					return Fault{}, fmt.Errorf("admin: want \"admin NODE|leader COMMAND...\", as in \"admin leader add-server n6\"")
				}
				if err := checkID(args[0]); err != nil {
					return Fault{}, fmt.Errorf("admin: %w", err)
				}
				return Fault{Nodes: []protocols.NodeID{protocols.NodeID(args[0])}, Words: slices.Clone(args[1:])}, nil
			},
			check: func(f *Fault, e *faultEnv) error {
				if f.Nodes[0] == All {
					return fmt.Errorf("admin goes to one node: name it, or use leader")
				}
				return checkServerOrLeader(f, e)
			},
			apply:  (*World).admin,
			render: func(f Fault) string { return "admin " + f.node() + " " + strings.Join(f.Words, " ") },
		},
		Byzantine: {
			verb: "byzantine",
			parse: func(args []string) (Fault, error) {
				if len(args) < 2 {
					return Fault{}, fmt.Errorf("byzantine: want \"byzantine NODE STRATEGY [ARGS...]\", as in \"byzantine n4 silent\"")
				}
				if err := checkID(args[0]); err != nil {
					return Fault{}, fmt.Errorf("byzantine: %w", err)
				}
				return Fault{Nodes: []protocols.NodeID{protocols.NodeID(args[0])}, Words: slices.Clone(args[1:])}, nil
			},
			check: func(f *Fault, e *faultEnv) error {
				if f.Nodes[0] == Leader || f.Nodes[0] == All {
					return fmt.Errorf("byzantine takes a node by name")
				}
				if err := checkServerOrLeader(f, e); err != nil {
					return err
				}
				if e.strategy == nil {
					return fmt.Errorf("byzantine: this world knows no strategies")
				}
				_, err := e.strategy(f.Words[0], f.Words[1:])
				return err
			},
			apply:  (*World).makeByzantine,
			render: func(f Fault) string { return "byzantine " + f.node() + " " + strings.Join(f.Words, " ") },
		},
		Service: serviceSpec, // service.go
	}
}

func isShape(s string) bool {
	return Shape(s) == ShapeHalves || Shape(s) == ShapeMajority || Shape(s) == ShapeRing
}

func nodesParser(verb string, want int) func([]string) (Fault, error) {
	return func(args []string) (Fault, error) {
		nodes, err := nodeArgs(verb, args, want)
		return Fault{Nodes: nodes}, err
	}
}

func linkParser(verb string) func([]string) (Fault, error) {
	return func(args []string) (Fault, error) {
		if len(args) != 1 {
			return Fault{}, fmt.Errorf("%s: want \"%s n1->n2\"", verb, verb)
		}
		l, err := parseLink(args[0], false)
		return Fault{Link: l}, err
	}
}

func noArgs(verb string) func([]string) (Fault, error) {
	return func(args []string) (Fault, error) {
		if len(args) > 0 {
			return Fault{}, fmt.Errorf("%s takes no arguments", verb)
		}
		return Fault{}, nil
	}
}

func renderRule(f Fault) string {
	r := f.Rule
	verb := "drop"
	if f.Kind == DelayNext {
		verb = "delay"
	}
	if r.Standing() {
		s := fmt.Sprintf("%s every %d of %d %s %s->%s", verb, r.Every, r.Of, star(r.Kind), star(string(r.From)), star(string(r.To)))
		if f.Kind == DelayNext {
			s += " by " + clock.FormatDuration(r.Delay)
			if r.DelayMax > r.Delay {
				s += ".." + clock.FormatDuration(r.DelayMax)
			}
		}
		return s
	}
	s := fmt.Sprintf("%s next %d %s %s->%s", verb, r.Count, star(r.Kind), star(string(r.From)), star(string(r.To)))
	if f.Kind == DelayNext {
		s += " " + clock.FormatDuration(r.Delay)
	}
	return s
}

// exists reports the first of ids that names no node; "" (any) passes.
func (e *faultEnv) exists(ids ...protocols.NodeID) error {
	for _, id := range ids {
		if id != "" && !e.known[id] {
			return fmt.Errorf("unknown node %s", id)
		}
	}
	return nil
}

func checkGroups(f *Fault, e *faultEnv) error {
	selectors := false
	var all []protocols.NodeID
	for _, g := range f.Groups {
		for _, id := range g {
			all = append(all, id)
			switch {
			case id == Leader || id == Follower || id == Rest:
				// Resolved when the fault applies (partition and bridge).
				if f.Kind == OneWay {
					return fmt.Errorf("%s is a partition's role selector; oneway takes nodes by name", id)
				}
				selectors = true
				continue
			case isSelector(id):
				return fmt.Errorf("%s can be used with crash, restart, pause, resume, isolate, clock, service and admin, not in partitions (partitions take leader, follower and rest)", id)
			}
			if err := e.exists(id); err != nil {
				return err
			}
		}
	}
	if selectors {
		return checkDistinct(append(all, f.Nodes...))
	}
	if err := e.exists(f.Nodes...); err != nil {
		return err
	}
	gs := f.Groups
	if f.Kind == Bridge {
		gs = [][]protocols.NodeID{f.Groups[0], f.Nodes, f.Groups[1]}
	}
	_, err := net.Split(gs...)
	return err
}

func checkServerOrLeader(f *Fault, e *faultEnv) error {
	id := f.Nodes[0]
	if id == Leader {
		return nil
	}
	if !slices.Contains(e.servers, id) {
		if e.known[id] {
			return fmt.Errorf("%s is a client; %s faults apply to servers", id, faultSpecs[f.Kind].verb)
		}
		return fmt.Errorf("unknown node %s", id)
	}
	return nil
}

func checkLifecycle(f *Fault, e *faultEnv) error {
	for _, id := range f.Nodes {
		switch {
		case id == RandomCrashed && f.Kind == Restart:
			if len(f.Nodes) > 1 {
				return fmt.Errorf("%s stands alone: it cannot be listed with other nodes", id)
			}
		case id == RandomCrashed || id == Follower || id == Rest:
			return fmt.Errorf("%s cannot be used with %s (restart takes random-crashed; partitions and isolate take follower; partitions take rest)", id, faultSpecs[f.Kind].verb)
		case (id == Leader && f.Kind != Restart && f.Kind != Resume) || id == All:
			if len(f.Nodes) > 1 {
				return fmt.Errorf("%s stands alone: it cannot be listed with other nodes", id)
			}
		case id == Leader && f.Kind == Restart:
			return fmt.Errorf("the leader is up: restart it after crashing it by name, or use restart all")
		case id == Leader:
			return fmt.Errorf("once paused the leader no longer leads: resume it by name, or use resume all")
		default:
			if err := e.exists(id); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkRule(f *Fault, e *faultEnv) error {
	if err := e.exists(f.Rule.From, f.Rule.To); err != nil {
		return err
	}
	return f.Rule.Validate()
}

func checkLink(f *Fault, e *faultEnv) error { return e.exists(f.Link.From, f.Link.To) }

// check reports a fault that names unknown nodes or makes no sense.
func (f *Fault) check(e *faultEnv) error {
	if f.At < 0 {
		return fmt.Errorf("negative time")
	}
	if int(f.Kind) >= len(faultSpecs) || faultSpecs[f.Kind].apply == nil {
		return fmt.Errorf("unknown fault kind %d", f.Kind)
	}
	if c := faultSpecs[f.Kind].check; c != nil {
		return c(f, e)
	}
	return nil
}

// checkDistinct reports a node or selector named twice in one fault.
func checkDistinct(ids []protocols.NodeID) error {
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return fmt.Errorf("%s is named twice", id)
		}
	}
	return nil
}
