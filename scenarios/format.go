package scenarios

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/sim"
)

// Scenario is a parsed scenario file: a protocol, a world, a workload and a
// fault schedule. The file format is line-oriented; see docs/scenarios.md.
//
//	# comments start with #, on their own line or after a setting
//	title    The leader crashes and a new one is elected
//	protocol raft
//	nodes    5
//	clients  3
//	duration 10s
//	healing  5s
//	seed     1
//	net latency uniform 1ms 10ms
//	net loss 1%
//	option   heartbeat 50ms
//	workload keys 3
//	bug      commit-old-term
//	expect   violation state-machine-safety
//	chaos    swarm
//	text     What to watch: ...
//	at 2s    crash n1
type Scenario struct {
	Name     string // "raft/leader-crash" for built-ins, the file path otherwise
	Title    string // one line for `dsim list`
	Text     []string
	Protocol string
	Nodes    int
	Clients  int // -1: the protocol's default
	Duration clock.Duration
	Healing  clock.Duration // length of the healing phase after Duration; -1: the default
	Seed     uint64
	Link     net.LinkConfig // initial link settings
	Options  []Setting      // protocol options
	Workload []Setting      // client workload settings
	Bug      string
	Expect   Expectation
	Chaos    string      // "swarm": each seed draws its own random fault schedule on top of Faults
	ChaosOf  []string    // the fault classes the swarm may draw from; empty: all of them
	Faults   []sim.Fault // with At set, in file order

	faultLines []int // line of each fault, for errors found after parsing
}

// Setting is one "option" or "workload" line.
type Setting struct {
	Key, Value string
	Line       int
}

// Expectation is what a scenario that exists to show a failure must show.
type Expectation struct {
	Kind string // "violation" or "probe"; "" when the run must simply pass
	Name string // the violation kind or probe name
}

func (e Expectation) String() string {
	if e.Kind == "" {
		return ""
	}
	return e.Kind + " " + e.Name
}

// Limits on numbers in a scenario, so that a typo fails at once with a
// message rather than running for an hour.
const (
	MaxDuration = clock.Hour
	MaxClients  = 32
)

// DefaultHealing is the healing phase when a scenario does not say.
const DefaultHealing = 5 * clock.Second

// Parse reads a scenario. name is used in error messages ("file.scn:12:
// ...") and becomes Scenario.Name.
func Parse(name string, r io.Reader) (*Scenario, error) {
	s := &Scenario{Name: name, Clients: -1, Healing: -1, Seed: 1, Link: net.DefaultLink}
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		line++
		raw := sc.Text()
		if !isText(raw) {
			raw = stripComment(raw)
		}
		fields := strings.Fields(raw)
		if len(fields) == 0 {
			continue
		}
		key, args := fields[0], fields[1:]
		once := func() error {
			if prev, dup := seen[key]; dup {
				return fail("%s is set twice (first on line %d)", key, prev)
			}
			seen[key] = line
			return nil
		}
		var err error
		switch key {
		case "title":
			if err = once(); err == nil {
				s.Title = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(raw), "title"))
			}
		case "text":
			s.Text = append(s.Text, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(raw), "text")))
		case "protocol":
			if err = once(); err == nil {
				if len(args) != 1 {
					return nil, fail("protocol: want one name, as in \"protocol raft\"")
				}
				s.Protocol = args[0]
			}
		case "nodes", "clients":
			if err = once(); err == nil {
				var n int
				n, err = oneInt(key, args)
				switch {
				case err != nil:
				case key == "nodes" && (n < 1 || n > sim.MaxNodes-MaxClients):
					err = fmt.Errorf("nodes %d: want 1 to %d", n, sim.MaxNodes-MaxClients)
				case key == "clients" && (n < 0 || n > MaxClients):
					err = fmt.Errorf("clients %d: want 0 to %d", n, MaxClients)
				case key == "nodes":
					s.Nodes = n
				default:
					s.Clients = n
				}
			}
		case "duration", "healing":
			if err = once(); err == nil {
				var d clock.Duration
				if len(args) != 1 {
					err = fmt.Errorf("%s: want one duration, as in \"%s 10s\"", key, key)
				} else if d, err = clock.ParseDuration(args[0]); err == nil {
					switch {
					case key == "duration" && d <= 0:
						err = fmt.Errorf("duration must be positive")
					case d > MaxDuration:
						err = fmt.Errorf("%s %s: at most %s", key, args[0], clock.FormatDuration(MaxDuration))
					case key == "duration":
						s.Duration = d
					default:
						s.Healing = d
					}
				}
			}
		case "seed":
			if err = once(); err == nil {
				if len(args) != 1 {
					err = fmt.Errorf("seed: want one number")
				} else if s.Seed, err = strconv.ParseUint(args[0], 10, 64); err != nil {
					err = fmt.Errorf("seed %q: want a non-negative whole number", args[0])
				}
			}
		case "net":
			err = s.parseNet(args)
		case "option", "workload":
			if len(args) < 2 {
				err = fmt.Errorf("%s: want a name and a value, as in \"%s keys 3\"", key, key)
				break
			}
			st := Setting{Key: args[0], Value: strings.Join(args[1:], " "), Line: line}
			list := &s.Options
			if key == "workload" {
				list = &s.Workload
			}
			for _, prev := range *list {
				if prev.Key == st.Key {
					return nil, fail("%s %s is set twice (first on line %d)", key, st.Key, prev.Line)
				}
			}
			*list = append(*list, st)
		case "bug":
			if err = once(); err == nil {
				if len(args) != 1 {
					err = fmt.Errorf("bug: want one name, as in \"bug commit-old-term\"")
				} else {
					s.Bug = args[0]
				}
			}
		case "expect":
			if err = once(); err == nil {
				if len(args) != 2 || (args[0] != "violation" && args[0] != "probe") {
					err = fmt.Errorf("expect: want \"expect violation KIND\" or \"expect probe NAME\"")
				} else {
					s.Expect = Expectation{Kind: args[0], Name: args[1]}
				}
			}
		case "chaos":
			if err = once(); err == nil {
				switch {
				case len(args) == 0 || (args[0] != "swarm" && args[0] != "off") || (args[0] == "off" && len(args) > 1):
					err = fmt.Errorf("chaos: want \"chaos swarm [CLASS ...]\" (each seed draws its own fault mix, from the classes listed or all of %s) or \"chaos off\"", strings.Join(FaultClasses(), ", "))
				case args[0] == "swarm":
					s.Chaos = "swarm"
					for _, c := range args[1:] {
						if !slices.Contains(FaultClasses(), c) {
							err = fmt.Errorf("chaos: unknown fault class %q (want %s)", c, strings.Join(FaultClasses(), ", "))
						} else if slices.Contains(s.ChaosOf, c) {
							err = fmt.Errorf("chaos: %s listed twice", c)
						}
						s.ChaosOf = append(s.ChaosOf, c)
					}
				}
			}
		case "byzantine":
			// "byzantine n4 silent" is "at 0s byzantine n4 silent".
			var f sim.Fault
			f, err = parseAt(append([]string{"0s", key}, args...))
			if err == nil {
				s.Faults = append(s.Faults, f)
				s.faultLines = append(s.faultLines, line)
			}
		case "at":
			var f sim.Fault
			f, err = parseAt(args)
			if err == nil {
				s.Faults = append(s.Faults, f)
				s.faultLines = append(s.faultLines, line)
			}
		default:
			err = fmt.Errorf("unknown setting %q (want title, text, protocol, nodes, clients, duration, healing, seed, net, option, workload, bug, expect, chaos, byzantine or at)", key)
		}
		if err != nil {
			return nil, fail("%v", err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	line = 0
	switch {
	case s.Protocol == "":
		return nil, fmt.Errorf("%s: no protocol line (as in \"protocol raft\")", name)
	case s.Nodes == 0:
		return nil, fmt.Errorf("%s: no nodes line (as in \"nodes 3\")", name)
	case s.Duration == 0:
		return nil, fmt.Errorf("%s: no duration line (as in \"duration 10s\")", name)
	}
	for i, f := range s.Faults {
		if f.At > clock.Time(s.Duration) {
			return nil, fmt.Errorf("%s:%d: at %s is after the end of the chaos phase (duration %s)", name, s.faultLines[i], clock.FormatDuration(clock.Duration(f.At)), clock.FormatDuration(s.Duration))
		}
	}
	return s, nil
}

// isText reports whether a line is a text line, where # is not a comment.
func isText(line string) bool {
	f := strings.Fields(line)
	return len(f) > 0 && (f[0] == "text" || f[0] == "title")
}

func stripComment(line string) string {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		return line[:i]
	}
	return line
}

func oneInt(key string, args []string) (int, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("%s: want one number", key)
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		return 0, fmt.Errorf("%s %q: want a whole number", key, args[0])
	}
	return n, nil
}

func parseAt(args []string) (sim.Fault, error) {
	if len(args) < 2 {
		return sim.Fault{}, fmt.Errorf("at: want \"at TIME FAULT\", as in \"at 2s crash n1\"")
	}
	d, err := clock.ParseDuration(args[0])
	if err != nil {
		return sim.Fault{}, fmt.Errorf("at %s: %w", args[0], err)
	}
	f, err := sim.ParseFault(strings.Join(args[1:], " "))
	if err != nil {
		return f, err
	}
	f.At = clock.Time(d)
	return f, nil
}

func (s *Scenario) parseNet(args []string) error {
	f, err := sim.ParseFault("net " + strings.Join(args, " "))
	if err != nil {
		return err
	}
	if f.Link != (net.Link{}) {
		return fmt.Errorf("net: per-link settings go in the schedule, as in \"at 0s net %s\"", strings.Join(args, " "))
	}
	switch f.Field {
	case sim.FieldLoss:
		s.Link.Loss = float64(f.PPM) / 1e6
	case sim.FieldDup:
		s.Link.Dup = float64(f.PPM) / 1e6
	case sim.FieldLatency:
		s.Link.Latency = f.Lat
	}
	return nil
}

// Format renders a scenario in canonical form: parsing the result gives the
// same scenario back (comments are not kept).
func Format(s *Scenario) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	if s.Title != "" {
		p("title    %s", s.Title)
	}
	p("protocol %s", s.Protocol)
	p("nodes    %d", s.Nodes)
	if s.Clients >= 0 {
		p("clients  %d", s.Clients)
	}
	p("duration %s", clock.FormatDuration(s.Duration))
	if s.Healing >= 0 {
		p("healing  %s", clock.FormatDuration(s.Healing))
	}
	p("seed     %d", s.Seed)
	p("net latency %s", s.Link.Latency)
	if s.Link.Loss > 0 {
		p("net loss %s", sim.FormatPercent(ppm(s.Link.Loss)))
	}
	if s.Link.Dup > 0 {
		p("net dup %s", sim.FormatPercent(ppm(s.Link.Dup)))
	}
	for _, o := range s.Options {
		p("option   %s %s", o.Key, o.Value)
	}
	for _, o := range s.Workload {
		p("workload %s %s", o.Key, o.Value)
	}
	if s.Bug != "" {
		p("bug      %s", s.Bug)
	}
	if s.Expect.Kind != "" {
		p("expect   %s", s.Expect)
	}
	if s.Chaos != "" {
		p("chaos    %s", strings.Join(append([]string{s.Chaos}, s.ChaosOf...), " "))
	}
	for _, t := range s.Text {
		if t == "" {
			p("text")
		} else {
			p("text     %s", t)
		}
	}
	for _, f := range s.Faults {
		p("at %s %s", clock.FormatDuration(clock.Duration(f.At)), f)
	}
	return b.String()
}

// ppm converts a probability back to parts per million; probabilities in a
// scenario come from parts per million, so this is exact.
func ppm(p float64) int64 { return int64(p*1e6 + 0.5) }

// Line returns the file line of the i-th fault, or 0 if unknown.
func (s *Scenario) Line(i int) int {
	if i < len(s.faultLines) {
		return s.faultLines[i]
	}
	return 0
}
