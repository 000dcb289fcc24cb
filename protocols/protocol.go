package protocols

import (
	"io/fs"
	"math/rand/v2"
	"slices"

	"github.com/dsimlab/dsim/clock"
)

// Protocol describes a protocol to dsim: everything the command line, the
// terminal UI, sweeps and dsimtest need to run it, check it and show it. A
// protocol package exports one (or several: Paxos exports single-decree
// Paxos and Multi-Paxos), and the scenarios package registers each with one
// line. A protocol in another module is registered the same way
// (cli.Main(myproto.Protocol)) and gets everything a built-in one gets.
type Protocol struct {
	// Name is how scenario files name it: "protocol raft".
	Name string
	// Summary is one line for `dsim list` and the catalogue.
	Summary string
	// MinServers is the smallest cluster it runs on; zero means 1.
	MinServers int
	// DefaultClients is how many clients a scenario without a clients line
	// runs. Protocols without clients leave it zero.
	DefaultClients int
	// MinHealing is the shortest healing phase in which it can recover
	// from anything a chaos phase did and be judged; zero means 1s.
	MinHealing clock.Duration
	// Bugs are the named defects Build can build in.
	Bugs []Bug
	// Probes are the coverage probes its nodes report (Effects.Probe). A
	// sweep counts how many runs reached each; a node reporting a probe
	// not declared here is a mistake the checklist test catches.
	Probes []string
	// Violations are the violation kinds its own checks (monitors and final
	// checks) can report, beside the generic ones every run may report
	// (liveness, convergence, linearizability, exactly-once, stale-read,
	// event-budget, panic, ...; scenarios.GenericViolations lists them).
	// A scenario's "expect violation KIND" must name one of the two, so a
	// misspelt kind is refused instead of never being found. Nil means
	// undeclared: any kind is accepted, and nothing is checked.
	Violations []string
	// Messages holds one value of each message type its nodes send. Their
	// Kind()s are the kinds targeted fault rules may name; a node sending
	// a kind not declared here is a mistake the checklist test catches.
	Messages []Message
	// MessageSize, if set, is the size in bytes a message would take on a
	// real wire; results then report the bytes sent. Nil: no bytes metric.
	MessageSize func(m Message) int
	// Options and Workload document the option and workload lines Build
	// reads, for `dsim show` and the docs; the checklist test holds them
	// to what Build actually reads.
	Options  []Option
	Workload []Option
	// Consistency is the model its client history promises when Checks
	// records one: "linearizable" if empty. Scenarios may promise less or
	// more with an expect line.
	Consistency string
	// MaxByzantine is how many byzantine servers it tolerates in a cluster
	// of n (f for n = 3f+1); the swarm's byzantine class draws up to that
	// many. Nil means none: scenarios may still make nodes byzantine, to
	// show what breaks.
	MaxByzantine func(n int) int
	// Strategies are its own byzantine strategies, beside the generic ones.
	Strategies []Strategy
	// Admin, if set, draws one operator command for the swarm's admin
	// class (delivered to the current leader, or to a server when the
	// protocol has no leader): a membership change, a snapshot. Nil means
	// the swarm sends none.
	Admin func(r *rand.Rand, servers []NodeID) []string
	// Display says how the terminal UI and reports show its nodes.
	Display Display
	// Catalog holds its built-in scenarios: a file DIR/NAME.scn is the
	// scenario DIR/NAME ("raft/leader-crash"). Nil means none.
	Catalog fs.FS
	// Course places its scenarios in the learning path that `dsim list`
	// and the catalogue follow: lower comes first (broadcast 10, raft 20,
	// 2pc 30, 3pc 40; see docs/scenarios.md); zero comes after every placed
	// protocol. Within a protocol, each scenario's `lesson N` line orders it.
	Course int
	// Build wires one run: it reads the options and workload (reporting
	// malformed values through them), and returns the node factories and
	// the run's checks. It is called afresh for every run, because
	// monitors keep ghost state. An error is about the setup (a bad
	// combination of options), never about a run.
	Build func(s Setup) (Wiring, error)
}

// Bug is a named, documented defect a protocol can be built with, so a
// learner can watch dsim catch it and a sweep can be shown to catch it.
type Bug struct {
	Name string
	// Description says what the code does wrong, which checks catch it and
	// where real systems made the same mistake, when known.
	Description string
}

// HasBug reports whether p declares a bug variant called name.
func (p *Protocol) HasBug(name string) bool {
	return slices.ContainsFunc(p.Bugs, func(b Bug) bool { return b.Name == name })
}

// Kinds returns the message kinds p declares, in declaration order.
func (p *Protocol) Kinds() []string {
	kinds := make([]string, 0, len(p.Messages))
	for _, m := range p.Messages {
		if k := m.Kind(); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// Option documents one option or workload line a protocol reads.
type Option struct {
	Name    string // the key: "option heartbeat 50ms" has Name "heartbeat"
	Default string // the value used when the line is absent, as it would be written
	Help    string // what it changes, in one sentence
}

// Setup is what a protocol's Build is given for one run.
type Setup struct {
	Servers []NodeID // the server nodes, in natural order
	Clients []NodeID // the client nodes; empty when the run has none
	Bug     string   // the bug variant to build in; "" for correct code
	// Options reads the run's "option" lines; Workload its "workload"
	// lines (what the clients do). A getter returns its default when the
	// line is absent; the caller reports malformed values and lines no
	// getter asked for, with their line numbers, after Build returns.
	Options  Settings
	Workload Settings
	// Chaos is the length of the chaos phase: faults happen before it.
	// The healing phase (every fault off, every node up) follows for
	// Healing, then the end-of-run checks run. Healing zero means the run
	// has no healing phase and no end-of-run checks.
	Chaos   clock.Duration
	Healing clock.Duration
}

// HealingStart is the global time at which the healing phase begins.
func (s Setup) HealingStart() clock.Time { return clock.Time(s.Chaos) }

// Settings is where a protocol reads its option or workload lines. Every
// getter returns def when the setting is absent and reports a value that
// does not parse (the run then stops with an error naming the file line).
type Settings interface {
	// Duration reads a duration such as 50ms or 1.5s.
	Duration(name string, def clock.Duration) clock.Duration
	// Int reads a whole number in [lo, hi].
	Int(name string, def, lo, hi int) int
	// Bool reads on or off.
	Bool(name string, def bool) bool
	// Percent reads a percentage (10%, 0.5%) as a probability.
	Percent(name string, def float64) float64
	// Word reads one of allowed.
	Word(name, def string, allowed ...string) string
	// Raw returns the setting's text, for structured values; report a
	// problem with it through Fail.
	Raw(name string) (string, bool)
	// Fail reports a problem with the value of name.
	Fail(name, format string, args ...any)
}

// Wiring is what Build returns: how to make the run's nodes and how to
// judge the run.
type Wiring struct {
	Server Factory
	Client Factory // nil: the protocol has no clients
	Checks Checks
}

// Checks are the checks of one run.
type Checks struct {
	// Monitors are called after every event. They keep ghost state (who
	// was elected in which term, what was acknowledged) and fail the run
	// at the first violation of a safety property. A monitor that only
	// gathers facts for a Final check returns nil.
	Monitors []Monitor
	// Final run once, at the end of the healing phase, when every fault is
	// off and every node is up: convergence, durability, liveness. Return
	// a *Violation to name the property; any other error is reported as
	// "final-check".
	Final []func(Cluster) error
	// History says the clients are protocols/kv clients (or emit the same
	// notes): the runner records their operations, checks the history
	// against the promised consistency model (linearizability by default),
	// demands that every operation completes in the healing phase, and
	// reports operation counts and latencies.
	History bool
}

// Join appends other's checks to c's.
func (c Checks) Join(other Checks) Checks {
	return Checks{
		Monitors: slices.Concat(c.Monitors, other.Monitors),
		Final:    slices.Concat(c.Final, other.Final),
		History:  c.History || other.History,
	}
}

// Display says how to show a protocol's nodes: what the number columns of
// the node table mean, and the roles its nodes report.
type Display struct {
	// Term heads the column of Status.Term ("term", "ballot", "view");
	// empty hides the column: the protocol has no terms.
	Term string
	// Commit heads the column of Status.Commit ("commit", "slot", "values").
	Commit string
	// ClientCommit says clients' Status.Commit means the same; otherwise
	// their cell shows "-".
	ClientCommit bool
	// Log heads the last column: the log tail, or the status fields of
	// nodes without a log. Empty: a heading guessed from the logs.
	Log string
	// Progress says how the highest Commit grew to n: "committed up to
	// 7". Nil means that wording.
	Progress func(n int) string
	// Help says what the columns mean, for the UI's help.
	Help string
	// Roles lists every role word its nodes report in Status.Role, with
	// what the role is, so the UI colours and explains it.
	Roles []Role

	// Fields explains the status fields its nodes report (Status.Fields),
	// by name: the UI's glossary (?) and explain key (e) show them.
	Fields []FieldHelp
	// Glossary explains the other words a learner meets on its screens:
	// message kinds and their fields, timer names ("term/TX" matches
	// term/c1.1), probes, phrases such as "presumed abort".
	Glossary []FieldHelp
	// Narrate tells one event in one plain-English line: what the node
	// did and what changed ("n3 grants its vote to n1 for term 2"). It is
	// called for the events the UI and reports show, never in sweeps; ""
	// or nil falls back to the generic line (see GenericNarration).
	Narrate func(s Step) string
	// Heartbeat reports whether a message is routine traffic (a heartbeat
	// with nothing in it) that a space-time diagram may hide; the reply a
	// node sends straight back to one counts as routine too. Nil: none is.
	Heartbeat func(m Message) bool
	// Moments names the teaching moments of an event from the notes its
	// node emitted (a participant blocked, a leader elected). It is called
	// after every event that has notes, by the runner too, so it must be
	// cheap; nil means only the Moment notes nodes emit count.
	Moments func(ev Event) []Moment
}

// Role is one role word a protocol's nodes report.
type Role struct {
	Name string   // as in Status.Role: "leader", "acceptor", "primary"
	Kind RoleKind // what it is, for colour
	Help string   // what a node in this role does, in one sentence
}

// RoleKind classifies a role, so every protocol's roles get the same
// colours by meaning: whatever leads is green, whatever contends yellow.
type RoleKind uint8

// The kinds of role.
const (
	RoleOther   RoleKind = iota // anything else: a learner, a worker
	RoleLeads                   // orders or coordinates: leader, primary, coordinator, head
	RoleSeeks                   // trying to lead: candidate, proposer in phase 1
	RoleFollows                 // follows a leader: follower, backup, participant, replica
	RoleClient                  // a client
	RoleFaulty                  // byzantine, or otherwise known to misbehave
)

// Role returns the declared role called name, and whether there is one.
func (d Display) Role(name string) (Role, bool) {
	for _, r := range d.Roles {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

// CatalogDir returns the directory dir of an embedded file system, for
// Protocol.Catalog: a package embeds its catalog/ directory and describes
// it with CatalogDir(files, "catalog"). It panics if dir is missing, which
// is a mistake found the first time the package loads.
func CatalogDir(files fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic("protocols: catalog: " + err.Error())
	}
	if _, err := fs.Stat(sub, "."); err != nil {
		panic("protocols: catalog: " + err.Error())
	}
	return sub
}

// Defaults is the Settings of a run with no option or workload lines:
// every getter returns its default.
var Defaults Settings = defaults{}

type defaults struct{}

func (defaults) Duration(_ string, d clock.Duration) clock.Duration { return d }
func (defaults) Int(_ string, d, _, _ int) int                      { return d }
func (defaults) Bool(_ string, d bool) bool                         { return d }
func (defaults) Percent(_ string, d float64) float64                { return d }
func (defaults) Word(_, d string, _ ...string) string               { return d }
func (defaults) Raw(string) (string, bool)                          { return "", false }
func (defaults) Fail(string, string, ...any)                        {}

// DefaultSetup is a Setup for p with every option at its default: its
// smallest cluster of at least three servers, its default clients, and
// five seconds each of chaos and healing.
func (p *Protocol) DefaultSetup() Setup {
	return Setup{
		Servers:  Servers(max(p.MinServers, 3)),
		Clients:  Clients(p.DefaultClients),
		Options:  Defaults,
		Workload: Defaults,
		Chaos:    5 * clock.Second,
		Healing:  5 * clock.Second,
	}
}
