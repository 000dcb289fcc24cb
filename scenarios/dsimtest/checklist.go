package dsimtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios"
	"github.com/dsimlab/dsim/sim"
)

// ChecklistOptions tune Checklist. The zero value is what dsim holds its
// own protocols to.
type ChecklistOptions struct {
	// Seeds is how many seeds of PROTO/chaos correct code must pass, and
	// over which the messages, roles and probes are gathered. Zero means 8.
	Seeds int
	// BugSeeds bounds the sweep in which each bug variant must be caught.
	// Zero means 500.
	BugSeeds int
	// Workers runs seeds in parallel. Zero means 2.
	Workers int
}

// Checklist holds a protocol to what dsim expects of every protocol, its
// own and a user's alike, so none lands half-wired:
//
//   - its description is complete: a name, a summary, a Build, a Display
//     with roles, documented options;
//   - the option and workload lines Build reads are exactly the documented
//     ones (Protocol.Options and Protocol.Workload);
//   - its catalogue holds PROTO/chaos (the target of `dsim fuzz PROTO`),
//     and correct code passes Seeds seeds of it;
//   - on those runs its nodes send only the message kinds it declares,
//     report only the roles its Display declares, and reach only the
//     probes it declares;
//   - on those runs no two of its messages that fold themselves into the
//     trace hash (protocols.HashAppender) hash alike but render apart: an
//     AppendHash that misses a field String shows would let two different
//     runs share a hash;
//   - every bug variant is caught by the PROTO/chaos sweep within BugSeeds
//     seeds, with a violation kind the protocol declares (when it declares
//     Violations), and the repro of the first failure reproduces it
//     exactly;
//   - its package, found from the source of its Build function, has
//     doc.go, design.md and datadriven scripts under testdata/.
//
// The protocol must be registered (scenarios.Register) for its catalogue
// to be found by name.
func Checklist(t *testing.T, p *protocols.Protocol, o ChecklistOptions) {
	t.Helper()
	if o.Seeds == 0 {
		o.Seeds = 8
	}
	if o.BugSeeds == 0 {
		o.BugSeeds = 500
	}
	if o.Workers == 0 {
		o.Workers = 2
	}
	t.Run("description", func(t *testing.T) { checkDescription(t, p) })
	t.Run("options", func(t *testing.T) { checkOptionDocs(t, p) })
	t.Run("package", func(t *testing.T) { checkPackage(t, p) })
	chaos, err := scenarios.Load(p.Name + "/chaos")
	if err != nil {
		t.Fatalf("%s has no chaos scenario for `dsim fuzz %s`: add catalog/%s/chaos.scn with `chaos swarm` (%v)", p.Name, p.Name, p.Name, err)
	}
	t.Run("chaos", func(t *testing.T) { checkChaos(t, p, chaos, o) })
	for _, b := range p.Bugs {
		t.Run("bug/"+b.Name, func(t *testing.T) {
			t.Parallel()
			checkBugCaught(t, p, chaos, b.Name, o)
		})
	}
}

func checkDescription(t *testing.T, p *protocols.Protocol) {
	switch {
	case p.Summary == "":
		t.Errorf("%s: no Summary (the line `dsim list` shows)", p.Name)
	case p.Build == nil:
		t.Fatalf("%s: no Build", p.Name)
	case len(p.Display.Roles) == 0:
		t.Errorf("%s: Display.Roles is empty: the UI cannot colour or explain any role", p.Name)
	case p.Catalog == nil:
		t.Errorf("%s: no Catalog of scenarios", p.Name)
	}
	for _, r := range p.Display.Roles {
		if r.Help == "" {
			t.Errorf("%s: role %q has no Help", p.Name, r.Name)
		}
	}
	for _, b := range p.Bugs {
		if len(strings.Fields(b.Description)) < 8 {
			t.Errorf("%s: bug %s needs a real description: what goes wrong, what catches it, where it happened", p.Name, b.Name)
		}
	}
	for _, o := range slices.Concat(p.Options, p.Workload) {
		if o.Help == "" {
			t.Errorf("%s: option %q has no Help", p.Name, o.Name)
		}
	}
}

// checkOptionDocs builds the protocol with settings that record what Build
// asks for, and compares that with what the description documents.
func checkOptionDocs(t *testing.T, p *protocols.Protocol) {
	opts, work := &optionRecorder{}, &optionRecorder{}
	s := p.DefaultSetup()
	s.Options, s.Workload = opts, work
	if _, err := p.Build(s); err != nil {
		t.Fatalf("%s: Build with every option at its default: %v", p.Name, err)
	}
	for _, c := range []struct {
		kind string
		read []string
		doc  []protocols.Option
	}{{"option", opts.asked, p.Options}, {"workload", work.asked, p.Workload}} {
		var documented []string
		for _, o := range c.doc {
			documented = append(documented, o.Name)
		}
		for _, name := range c.read {
			if !slices.Contains(documented, name) {
				t.Errorf("%s: Build reads %s %q, which the description does not document", p.Name, c.kind, name)
			}
		}
		for _, name := range documented {
			if !slices.Contains(c.read, name) {
				t.Errorf("%s: the description documents %s %q, which Build never reads", p.Name, c.kind, name)
			}
		}
	}
}

// optionRecorder is a protocols.Settings with no lines: it returns every default
// and remembers the names asked for.
type optionRecorder struct{ asked []string }

func (r *optionRecorder) ask(name string) {
	if !slices.Contains(r.asked, name) {
		r.asked = append(r.asked, name)
	}
}
func (r *optionRecorder) Duration(n string, d clock.Duration) clock.Duration { r.ask(n); return d }
func (r *optionRecorder) Int(n string, d, _, _ int) int                      { r.ask(n); return d }
func (r *optionRecorder) Bool(n string, d bool) bool                         { r.ask(n); return d }
func (r *optionRecorder) Percent(n string, d float64) float64                { r.ask(n); return d }
func (r *optionRecorder) Word(n, d string, _ ...string) string               { r.ask(n); return d }
func (r *optionRecorder) Raw(n string) (string, bool)                        { r.ask(n); return "", false }
func (r *optionRecorder) Fail(string, string, ...any)                        {}

// checkPackage finds the protocol's package directory from where its Build
// function is defined and looks for the files every protocol has.
func checkPackage(t *testing.T, p *protocols.Protocol) {
	if p.Build == nil {
		return
	}
	fn := runtime.FuncForPC(reflect.ValueOf(p.Build).Pointer())
	if fn == nil {
		t.Skipf("%s: cannot find Build's source", p.Name)
	}
	file, _ := fn.FileLine(fn.Entry())
	dir := filepath.Dir(file)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s: Build's source %s is not here (%v)", p.Name, dir, err)
	}
	for _, f := range []string{"doc.go", "design.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %s has no %s", p.Name, dir, f)
		}
	}
	scripts, _ := filepath.Glob(filepath.Join(dir, "testdata", "*.txt"))
	if len(scripts) == 0 {
		t.Errorf("%s: %s has no datadriven scripts under testdata/", p.Name, dir)
	}
}

// example is where something was seen: a node and a seed, formatted only
// when a check reports it.
type example struct {
	node protocols.NodeID
	seed uint64
}

func (e example) String() string { return fmt.Sprintf("%s, seed %d", e.node, e.seed) }

// seen gathers what a protocol's nodes did over some runs.
type seen struct {
	kinds, roles, probes map[string]example        // what -> an example node and seed
	texts                map[uint64]*firstMessage  // a HashAppender message's hash -> the first message with it
	collisions           []string                  // messages that hash alike and render apart
	events               int                       // node events watched, for sampling the role check
	wrongRoles           []string                  // nodes whose Role differs from their Status's
	wrongLeads           []string                  // nodes whose Leads differs from their Status's
	leadingChecked       map[protocols.NodeID]bool // nodes whose Leads was held to Status while it said "leading"
	h                    protocols.Hash            // reused for every message: it keeps its names and its buffer
}

func newSeen() *seen {
	return &seen{kinds: map[string]example{}, roles: map[string]example{}, probes: map[string]example{}, texts: map[uint64]*firstMessage{}, leadingChecked: map[protocols.NodeID]bool{}}
}

// hashes checks that a message that folds itself into the trace hash
// hashes apart from every other message seen that renders differently. It
// renders only to compare: a message is compared with the first one seen
// with its hash, and not at all when it is that very message (the same
// value, boxed once: a delivery of a message seen when it was sent, or one
// message sent to several nodes), which renders alike by definition.
func (s *seen) hashes(m protocols.Message, where example) {
	if _, ok := m.(protocols.HashAppender); !ok {
		return
	}
	s.h.Reset()
	s.h.Message(m)
	sum := s.h.Sum64()
	first, ok := s.texts[sum]
	switch {
	case !ok:
		s.texts[sum] = &firstMessage{msg: m}
	case sameBox(first.msg, m):
	default:
		if first.text == "" {
			first.text = first.msg.String()
		}
		if text := m.String(); text != first.text && len(s.collisions) < 10 {
			s.collisions = append(s.collisions, fmt.Sprintf("%s and %s (%s) hash alike", first.text, text, where))
		}
	}
}

// firstMessage is the first message seen with a hash, and its text once
// another message with that hash needed it.
type firstMessage struct {
	msg  protocols.Message
	text string
}

// sameBox reports whether a and b are one boxed value: the same dynamic
// type and the same data word. (Comparing them with == would panic for
// message types that hold slices.)
func sameBox(a, b protocols.Message) bool {
	wa, wb := (*[2]unsafe.Pointer)(unsafe.Pointer(&a)), (*[2]unsafe.Pointer)(unsafe.Pointer(&b))
	return wa[0] == wb[0] && wa[1] == wb[1]
}

// role records a node's role. It asks a protocols.RoleReporter for it
// (building a whole Status after every event was a third of the
// checklist's time), and holds Role to Status().Role the first time a
// role is seen and at every 64th event, so a Role that drifts from the
// status is caught. It holds a protocols.LeaderReporter's Leads to
// Status().Leader and Term at the same events, and at the first event at
// which each node says, through Leads, that it leads.
func (s *seen) role(n protocols.Node, where example) {
	s.events++
	role := protocols.RoleOf(n)
	_, known := s.roles[role]
	sample := !known || s.events%64 == 0
	_, reportsRole := n.(protocols.RoleReporter)
	lr, reportsLeads := n.(protocols.LeaderReporter)
	var leads bool
	var term uint64
	if reportsLeads {
		leads, term = lr.Leads()
		sample = sample || (leads && !s.leadingChecked[where.node])
	}
	if sample && (reportsRole || reportsLeads) {
		st := n.Status()
		if reportsRole && st.Role != role && len(s.wrongRoles) < 10 {
			s.wrongRoles = append(s.wrongRoles, fmt.Sprintf("%T.Role() is %q where Status().Role is %q (%s)", n, role, st.Role, where))
		}
		if reportsLeads && (st.Leader != leads || st.Term != term) && len(s.wrongLeads) < 10 {
			s.wrongLeads = append(s.wrongLeads, fmt.Sprintf("%T.Leads() is %t in term %d where Status() shows Leader %t in term %d (%s)", n, leads, term, st.Leader, st.Term, where))
		}
		if reportsLeads && leads {
			s.leadingChecked[where.node] = true
		}
	}
	s.roles[role] = where
}

// watch records, after every event, what the stepping node sent, its
// role, and the probes it reached.
func (s *seen) watch(seed uint64) sim.Observer {
	return func(w *sim.World, ev *sim.Info) {
		if ev.Node == "" || ev.Input == 0 {
			return
		}
		where := example{node: ev.Node, seed: seed}
		for _, m := range ev.Sends {
			s.kinds[m.Msg.Kind()] = where
			s.hashes(m.Msg, where)
		}
		if ev.Msg != nil {
			s.hashes(ev.Msg, where)
		}
		for _, n := range ev.Notes {
			if pr, ok := n.(protocols.Probe); ok {
				s.probes[string(pr)] = where
			}
		}
		if n := w.Node(ev.Node); n != nil {
			s.role(n, where)
		}
	}
}

func checkChaos(t *testing.T, p *protocols.Protocol, chaos *scenarios.Scenario, o ChecklistOptions) {
	s := newSeen()
	for seed := uint64(1); seed <= uint64(o.Seeds); seed++ {
		res, err := scenarios.RunScenario(chaos, scenarios.RunOptions{Seed: seed, Observer: s.watch(seed)})
		if err != nil {
			t.Fatalf("%s seed %d: %v", chaos.Name, seed, err)
		}
		if !res.Pass {
			t.Errorf("correct %s fails %s: %s", p.Name, res.Repro, res.Verdict())
		}
	}
	kinds := p.Kinds()
	for _, k := range sortedKeys(s.kinds) {
		if !slices.Contains(kinds, k) {
			t.Errorf("%s sends %s messages (%s), a kind its description does not declare in Messages", p.Name, k, s.kinds[k])
		}
	}
	for _, k := range kinds {
		if _, ok := s.kinds[k]; !ok {
			t.Logf("%s declares %s messages, none sent in %d seeds (rare, or left over?)", p.Name, k, o.Seeds)
		}
	}
	for _, r := range sortedKeys(s.roles) {
		if _, ok := p.Display.Role(r); !ok {
			t.Errorf("%s reports the role %q (%s), which Display.Roles does not declare: the UI cannot colour or explain it", p.Name, r, s.roles[r])
		}
	}
	for _, pr := range sortedKeys(s.probes) {
		if !slices.Contains(p.Probes, pr) {
			t.Errorf("%s reports the probe %q (%s), which Probes does not declare", p.Name, pr, s.probes[pr])
		}
	}
	for _, w := range s.wrongRoles {
		t.Errorf("%s: %s: a protocols.RoleReporter must name the role its Status shows", p.Name, w)
	}
	for _, w := range s.wrongLeads {
		t.Errorf("%s: %s: a protocols.LeaderReporter must report the leadership its Status shows", p.Name, w)
	}
	for _, c := range s.collisions {
		t.Errorf("%s: %s: an AppendHash misses something String shows (prototest.CheckHash finds which field)", p.Name, c)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkBugCaught sweeps PROTO/chaos with the bug until a seed fails, then
// follows that seed's repro as a user would.
func checkBugCaught(t *testing.T, p *protocols.Protocol, chaos *scenarios.Scenario, bug string, o ChecklistOptions) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var first *scenarios.Result
	err := scenarios.Sweep(ctx, chaos, scenarios.SweepOptions{Seeds: uint64(o.BugSeeds), Start: 1, Workers: o.Workers, Bug: bug}, func(r *scenarios.Result) {
		if !r.Pass && first == nil {
			first = r
			cancel()
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("sweeping %s with %s: %v", chaos.Name, bug, err)
	}
	if first == nil {
		t.Fatalf("%s is not caught by %d seeds of %s", bug, o.BugSeeds, chaos.Name)
	}
	if len(first.Violations) == 0 {
		t.Fatalf("%s failed at seed %d with no violation: %s", bug, first.Seed, first.Verdict())
	}
	t.Logf("%s caught at seed %d: %s", bug, first.Seed, first.Violations[0].Kind)
	if known := scenarios.ViolationKinds(p); known != nil {
		for _, v := range first.Violations {
			if !slices.Contains(known, v.Kind) {
				t.Errorf("seed %d reports violation kind %q, which %s does not declare: add it to Protocol.Violations (declared and generic: %s)",
					first.Seed, v.Kind, p.Name, strings.Join(known, ", "))
			}
		}
	}
	want := []string{scenarios.Command, "run", chaos.Name, "--seed", strconv.FormatUint(first.Seed, 10), "--bug", bug}
	if got := strings.Fields(first.Repro); !slices.Equal(got, want) {
		t.Errorf("repro %q, want %q", first.Repro, strings.Join(want, " "))
	}
	again, err := scenarios.RunScenario(chaos, scenarios.RunOptions{Seed: first.Seed, Bug: bug})
	if err != nil {
		t.Fatal(err)
	}
	if again.TraceHash != first.TraceHash || again.Pass || !reflect.DeepEqual(again.Violations, first.Violations) {
		t.Errorf("the repro of seed %d does not reproduce it: hash %s then %s, violations %v then %v",
			first.Seed, first.TraceHash, again.TraceHash, first.Violations, again.Violations)
	}
}
