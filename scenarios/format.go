package scenarios

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/checker/consistency"
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
	// Timeline and Goodput are the load lines (load.go): "timeline 1s"
	// records the load window by window (0: off), and "expect goodput ..."
	// wants goodput to recover after a trigger.
	Timeline clock.Duration
	Goodput  *GoodputExpect
	Model    string      // the consistency model the client history must keep; "": the protocol's promise
	Chaos    string      // "swarm": each seed draws its own random fault schedule on top of Faults
	ChaosOf  []string    // the fault classes the swarm may draw from; empty: all of them
	Faults   []sim.Fault // with At set, in file order
	// Lesson is the scenario's place in its protocol's learning path
	// ("lesson 3"); 0 comes after every numbered one. See Lessons.
	Lesson int
	// Expects are what must happen during the run (expect.go): stalls,
	// leaders at given times, commits by a time, bounds on metrics.
	Expects []Expect

	faultLines []int // line of each fault, for errors found after parsing
	expectLine int   // line of the expect line, for errors found when the run is wired
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
// ...") and becomes Scenario.Name; "-" stands for standard input and is
// called "stdin" in messages. It reads as it parses and stops at the first
// problem: a file that is not text, or is larger than MaxFileSize, or has
// more than MaxFaults faults, is refused without being read to its end.
func Parse(name string, r io.Reader) (*Scenario, error) {
	s := &Scenario{Name: name, Clients: -1, Healing: -1, Seed: 1, Link: net.DefaultLink}
	seen := map[string]int{}
	lr := newLineReader(r)
	line := 0
	name = label(name)
	for {
		raw, err := lr.next()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if !isText(raw) {
			raw = stripComment(raw)
		}
		fields := strings.Fields(raw)
		if len(fields) == 0 {
			continue
		}
		key := fields[0]
		d, ok := directives[key]
		if !ok {
			return nil, fmt.Errorf("%s:%d: unknown setting %q (want %s)", name, line, key, directiveNames())
		}
		if d.once {
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("%s:%d: %s is set twice (first on line %d)", name, line, key, prev)
			}
			seen[key] = line
		}
		if err := d.parse(s, directiveLine{raw: raw, key: key, args: fields[1:], line: line}); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
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

// directiveLine is one line of a scenario file, split.
type directiveLine struct {
	raw  string   // the line, comments stripped (but for text lines)
	key  string   // its first word
	args []string // the words after it
	line int
}

// rest is the line after its first word, trimmed: a title or text line.
func (l directiveLine) rest() string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l.raw), l.key))
}

// directive is one kind of scenario-file line: whether it may appear once
// only, and how it fills in the scenario.
type directive struct {
	once  bool
	parse func(s *Scenario, l directiveLine) error
}

// directives holds every kind of line, by its first word. It is filled in
// by init because its parsers' error messages list its names.
var directives map[string]directive

// directiveOrder is the order directiveNames lists them in.
var directiveOrder = []string{"title", "text", "protocol", "nodes", "clients", "duration", "healing", "seed", "net",
	"option", "workload", "bug", "expect", "chaos", "byzantine", "timeline", "at", "lesson"}

func directiveNames() string {
	return strings.Join(directiveOrder[:len(directiveOrder)-1], ", ") + " or " + directiveOrder[len(directiveOrder)-1]
}

func init() {
	directives = map[string]directive{
		"title": {once: true, parse: func(s *Scenario, l directiveLine) error { s.Title = l.rest(); return nil }},
		"text":  {parse: func(s *Scenario, l directiveLine) error { s.Text = append(s.Text, l.rest()); return nil }},
		"protocol": {once: true, parse: func(s *Scenario, l directiveLine) error {
			if len(l.args) != 1 {
				return fmt.Errorf("protocol: want one name, as in \"protocol raft\"")
			}
			s.Protocol = l.args[0]
			return nil
		}},
		"nodes": {once: true, parse: func(s *Scenario, l directiveLine) error {
			n, err := oneInt(l.key, l.args)
			if err == nil && (n < 1 || n > sim.MaxNodes-MaxClients) {
				err = fmt.Errorf("nodes %d: want 1 to %d", n, sim.MaxNodes-MaxClients)
			}
			s.Nodes = n
			return err
		}},
		"clients": {once: true, parse: func(s *Scenario, l directiveLine) error {
			n, err := oneInt(l.key, l.args)
			if err == nil && (n < 0 || n > MaxClients) {
				err = fmt.Errorf("clients %d: want 0 to %d", n, MaxClients)
			}
			s.Clients = n
			return err
		}},
		"duration": {once: true, parse: func(s *Scenario, l directiveLine) error {
			d, err := oneDuration(l)
			if err == nil && d <= 0 {
				err = fmt.Errorf("duration must be positive")
			}
			s.Duration = d
			return err
		}},
		"healing": {once: true, parse: func(s *Scenario, l directiveLine) error {
			d, err := oneDuration(l)
			s.Healing = d
			return err
		}},
		"seed": {once: true, parse: func(s *Scenario, l directiveLine) error {
			if len(l.args) != 1 {
				return fmt.Errorf("seed: want one number")
			}
			v, err := strconv.ParseUint(l.args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("seed %q: want a non-negative whole number", l.args[0])
			}
			s.Seed = v
			return nil
		}},
		"net":      {parse: func(s *Scenario, l directiveLine) error { return s.parseNet(l.args) }},
		"option":   {parse: func(s *Scenario, l directiveLine) error { return addSetting(&s.Options, l) }},
		"workload": {parse: func(s *Scenario, l directiveLine) error { return addSetting(&s.Workload, l) }},
		"timeline": {once: true, parse: parseTimeline}, // load.go
		"bug": {once: true, parse: func(s *Scenario, l directiveLine) error {
			if len(l.args) != 1 {
				return fmt.Errorf("bug: want one name, as in \"bug commit-old-term\"")
			}
			s.Bug = l.args[0]
			return nil
		}},
		// expect violation KIND, expect probe NAME, expect model MODEL
		// (parseExpect), expect goodput (load.go), and the expectations of
		// expect.go (as many as wanted).
		"expect": {parse: func(s *Scenario, l directiveLine) error {
			if len(l.args) > 0 && l.args[0] == "goodput" {
				return parseGoodput(s, l)
			}
			if len(l.args) > 0 && (l.args[0] == "violation" || l.args[0] == "probe" || l.args[0] == "model") {
				return parseExpect(s, l)
			}
			return s.parseExpect(l.args, l.line)
		}},
		"chaos": {once: true, parse: parseChaos},
		// "byzantine n4 silent" is "at 0s byzantine n4 silent".
		"byzantine": {parse: func(s *Scenario, l directiveLine) error {
			return s.addFault(append([]string{"0s", l.key}, l.args...), l.line)
		}},
		"at": {parse: func(s *Scenario, l directiveLine) error {
			if len(l.args) >= 2 && l.args[1] == "expect" {
				return s.parseTimedExpect(l.args, l.line)
			}
			return s.addFault(l.args, l.line)
		}},
		"lesson": {once: true, parse: func(s *Scenario, l directiveLine) error {
			n, err := oneInt(l.key, l.args)
			if err == nil && (n < 1 || n > 999) {
				err = fmt.Errorf("lesson %d: want 1 to 999 (its place in the protocol's learning path)", n)
			}
			s.Lesson = n
			return err
		}},
	}
}

func oneDuration(l directiveLine) (clock.Duration, error) {
	if len(l.args) != 1 {
		return 0, fmt.Errorf("%s: want one duration, as in \"%s 10s\"", l.key, l.key)
	}
	d, err := clock.ParseDuration(l.args[0])
	if err != nil && l.key != "duration" {
		// clock's errors say "duration": name the setting instead.
		err = errors.New(l.key + strings.TrimPrefix(err.Error(), "duration"))
	}
	if err == nil && d > MaxDuration {
		err = fmt.Errorf("%s %s: at most %s", l.key, l.args[0], clock.FormatDuration(MaxDuration))
	}
	return d, err
}

// addSetting adds an option or workload line; each name once.
func addSetting(list *[]Setting, l directiveLine) error {
	if len(l.args) < 2 {
		return fmt.Errorf("%s: want a name and a value, as in \"%s keys 3\"", l.key, l.key)
	}
	st := Setting{Key: l.args[0], Value: strings.Join(l.args[1:], " "), Line: l.line}
	for _, prev := range *list {
		if prev.Key == st.Key {
			return fmt.Errorf("%s %s is set twice (first on line %d)", l.key, st.Key, prev.Line)
		}
	}
	*list = append(*list, st)
	return nil
}

// parseExpect reads "expect violation KIND", "expect probe NAME" (one of
// the two per file) and "expect model MODEL" (the consistency the
// scenario's client history must keep).
func parseExpect(s *Scenario, l directiveLine) error {
	usage := fmt.Errorf("expect: want \"expect violation KIND\", \"expect probe NAME\" or \"expect model MODEL\"")
	if len(l.args) != 2 {
		return usage
	}
	switch l.args[0] {
	case "violation", "probe":
		if s.Expect.Kind != "" {
			return fmt.Errorf("expect: one expect violation or probe per scenario (already %s)", s.Expect)
		}
		s.Expect = Expectation{Kind: l.args[0], Name: l.args[1]}
		s.expectLine = l.line
	case "model":
		if s.Model != "" {
			return fmt.Errorf("expect model is set twice")
		}
		m, err := consistency.ParseModel(l.args[1])
		if err != nil {
			return fmt.Errorf("expect model: %w", err)
		}
		s.Model = string(m)
	default:
		return usage
	}
	return nil
}

func parseChaos(s *Scenario, l directiveLine) error {
	args := l.args
	if len(args) == 0 || (args[0] != "swarm" && args[0] != "off") || (args[0] == "off" && len(args) > 1) {
		return fmt.Errorf("chaos: want \"chaos swarm [CLASS ...]\" (each seed draws its own fault mix, from the classes listed or all of %s) or \"chaos off\"", strings.Join(FaultClasses(), ", "))
	}
	if args[0] == "off" {
		return nil
	}
	s.Chaos = "swarm"
	for _, c := range args[1:] {
		switch {
		case !slices.Contains(FaultClasses(), c):
			return fmt.Errorf("chaos: unknown fault class %q (want %s)", c, strings.Join(FaultClasses(), ", "))
		case slices.Contains(s.ChaosOf, c):
			return fmt.Errorf("chaos: %s listed twice", c)
		}
		s.ChaosOf = append(s.ChaosOf, c)
	}
	return nil
}

// addFault adds an "at TIME FAULT" line.
func (s *Scenario) addFault(args []string, line int) error {
	if len(s.Faults) >= MaxFaults {
		return fmt.Errorf("more than %d faults: a scenario file may list at most %d (a swarm, \"chaos swarm\", draws as many as it likes)", MaxFaults, MaxFaults)
	}
	f, err := parseAt(args)
	if err != nil {
		return err
	}
	s.Faults = append(s.Faults, f)
	s.faultLines = append(s.faultLines, line)
	return nil
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
	if s.Lesson > 0 {
		p("lesson   %d", s.Lesson)
	}
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
	if s.Model != "" {
		p("expect   model %s", s.Model)
	}
	for _, e := range s.Expects {
		if !e.timed() || e.What == "committed" {
			p("%s", e)
		}
	}
	if s.Goodput != nil {
		p("expect   %s", s.Goodput)
	}
	if s.Timeline > 0 {
		p("timeline %s", clock.FormatDuration(s.Timeline))
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
	for _, e := range s.Expects {
		if e.timed() && e.What != "committed" {
			p("%s", e)
		}
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
