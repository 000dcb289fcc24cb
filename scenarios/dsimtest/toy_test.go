package dsimtest

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// tally is a deliberately buggy toy protocol for the shrinking tests. Each
// server counts ticks of a 100ms timer, persists the count and reports it in
// a note. Server n2 persists without syncing: a crash of n2 after its first
// tick loses counts, and once it restarts it reports a count it reported
// before. With stall set, a server also panics when a tick comes more than
// 50ms late, which a pause of 50ms or more causes: a second, different bug.
type tally struct {
	id    protocols.NodeID
	count int
	due   clock.Time
	stall bool
}

const tick = 100 * clock.Millisecond

func newTally(stall bool) protocols.Factory {
	return func(cfg protocols.Config) protocols.Node {
		n := &tally{id: cfg.ID, stall: stall}
		for _, r := range cfg.Store {
			n.count = r.(int)
		}
		return n
	}
}

func (n *tally) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
	case protocols.Timer:
		if n.stall && in.Now.Sub(n.due) > 50*clock.Millisecond {
			panic(fmt.Sprintf("tick due at %s came at %s", n.due, in.Now))
		}
		n.count++
		out.Persist(n.count)
		out.NoSync = n.id == "n2" // the bug
		out.Note(n.count)
	default:
		return
	}
	n.due = in.Now.Add(tick)
	out.SetTimer("tick", tick)
}

func (n *tally) Status() protocols.Status { return protocols.Status{Role: "counter", Commit: n.count} }

// increasing is the toy's monitor: every count a server reports is higher
// than any it reported before.
type increasing map[protocols.NodeID]int

func (m increasing) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		if c, ok := note.(int); ok {
			if c <= m[ev.Node] {
				return protocols.Violationf("increasing", "reported %d after %d", c, m[ev.Node])
			}
			m[ev.Node] = c
		}
	}
	return nil
}

func tallyWorld(stall bool) World {
	return World{
		Servers: 3,
		Server:  newTally(stall),
		Chaos:   2 * clock.Second,
		Healing: clock.Second,
		Checks:  func() Checks { return Checks{Monitors: []protocols.Monitor{increasing{}}} },
	}
}

// recorder stands in for the *testing.T that rapid.Check reports to, so a
// test can run rapid's whole search-and-shrink and look at the outcome.
// rapid.TB is an interface; a fake that records is all it takes.
type recorder struct {
	name   string
	logs   []string
	errors []string
	failed bool
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recorder) Log(args ...any)                   { r.logs = append(r.logs, fmt.Sprint(args...)) }
func (r *recorder) Skipf(format string, args ...any)  { panic("recorder: skip") }
func (r *recorder) Skip(args ...any)                  { panic("recorder: skip") }
func (r *recorder) SkipNow()                          { panic("recorder: skip") }
func (r *recorder) Errorf(format string, args ...any) { r.Error(fmt.Sprintf(format, args...)) }
func (r *recorder) Error(args ...any) {
	r.failed, r.errors = true, append(r.errors, fmt.Sprint(args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...) }
func (r *recorder) FailNow()                          { r.failed = true }
func (r *recorder) Fail()                             { r.failed = true }
func (r *recorder) Failed() bool                      { return r.failed }

// search is the outcome of one rapid.Check over a property.
type search struct {
	runs      int     // property runs in all: search, shrinking, replays
	found     int     // the run that first failed, counting from 1
	first     *Report // that run
	minimal   *Report // the last run: rapid's replay of the minimal case
	rapidSays string  // what rapid reported
	logged    string  // what rapid logged as the failed test's output
}

// check runs rapid.Check over w's property with a fixed rapid seed, in a
// temporary directory so that rapid's fail file goes nowhere. It must not
// run in parallel with other tests: it sets rapid's seed flag.
func check(t *testing.T, w World, rapidSeed uint64) search {
	t.Chdir(t.TempDir())
	setFlag(t, "rapid.seed", strconv.FormatUint(rapidSeed, 10))
	var s search
	prop := property(w, func(r *Report) {
		s.runs++
		if r.Failed() && s.first == nil {
			s.first, s.found = r, s.runs
		}
		s.minimal = r
	})
	// rapid stops at the first failure; the count only bounds the search,
	// and -short divides it by 5.
	setFlag(t, "rapid.checks", "500")
	rec := &recorder{name: t.Name()}
	rapid.Check(rec, prop)
	if len(rec.errors) > 0 {
		s.rapidSays = rec.errors[0]
	}
	s.logged = strings.Join(rec.logs, "\n")
	return s
}

func setFlag(t *testing.T, name, value string) {
	f := flag.Lookup(name)
	require.NotNil(t, f, "rapid registers -%s", name)
	old := f.Value.String()
	require.NoError(t, flag.Set(name, value))
	t.Cleanup(func() { _ = flag.Set(name, old) })
}
