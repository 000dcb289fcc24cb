package dsimtest

import (
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/sim"
)

// Property returns a rapid property that runs w under a drawn seed and fault
// schedule and fails on any violation:
//
//	rapid.Check(t, dsimtest.Property(world))
//
// The seed is drawn by rapid, not by the clock, so a failure replays bit for
// bit from rapid's fail file (testdata/rapid/..., replayed by every later
// go test) or from -rapid.seed. rapid shrinks a failing case while the same
// check still fails: a smaller schedule that fails another way (a panic
// instead of a convergence failure) is not taken for the same bug.
func Property(w World) func(*rapid.T) { return property(w, nil) }

// Fuzz returns a target for go test -fuzz that runs the same property as
// Property, reading rapid's draws from the fuzzer's bytes:
//
//	func FuzzMyThing(f *testing.F) { f.Fuzz(dsimtest.Fuzz(world)) }
//
// The fuzzer does not shrink as rapid does; keep rapid.Check as the first
// line of defence and the fuzzer for long unattended runs.
func Fuzz(w World) func(*testing.T, []byte) { return rapid.MakeFuzz(Property(w)) }

// schedule is a drawn fault schedule that rapid prints as scenario-file
// lines (GoString) rather than as a page of nested struct literals.
type schedule []sim.Fault

// GoString implements fmt.GoStringer, for rapid's "draw schedule:" lines.
func (s schedule) GoString() string {
	if len(s) == 0 {
		return "no faults"
	}
	return "\n" + strings.TrimSuffix(formatSchedule(s, "    "), "\n")
}

// property is Property with a hook that sees every run's report, for tests
// that count runs and watch shrinking.
func property(w World, observe func(*Report)) func(*rapid.T) {
	var gen *rapid.Generator[schedule]
	if rw, err := w.resolved(); err == nil {
		gen = rapid.Map(Schedule(rw.servers(), rw.Chaos, rw.faultOptions()), func(f []sim.Fault) schedule { return f })
	}
	examined := false // the first failure is run again: nondeterminism shows there
	return func(t *rapid.T) {
		t.Helper()
		if gen == nil {
			_, err := w.resolved()
			t.Fatalf("%v", err)
		}
		// The seed first: shrinking the schedule then never disturbs it.
		seed := rapid.Uint64().Draw(t, "seed")
		faults := gen.Draw(t, "schedule")
		r, err := execute(w, seed, faults)
		if err != nil {
			t.Fatalf("%v", err)
		}
		if observe != nil {
			observe(r)
		}
		if r.Failed() {
			if !examined || os.Getenv(TraceEnv) != "" {
				examined = true
				r.examine(w)
			}
			if r.nondeterministic != "" {
				t.Fatalf("%s is NOT DETERMINISTIC: %s", r.world, r.nondeterministic)
			}
			// The report goes to the log, which rapid prints once, for the
			// minimal case; the failure itself is one line.
			t.Logf("%s", r)
			v := r.Result.Violations[0]
			fail(t, depth(v.Kind), fmt.Sprintf("%s failed with seed %d and %d faults: %s", r.world, r.Seed, len(r.Faults), v))
		}
	}
}

// depth maps a violation kind to a call depth for fail.
func depth(kind string) int {
	h := fnv.New32a()
	h.Write([]byte(kind))
	return int(h.Sum32() % 16)
}

// fail stops the case with t.Fatalf from a call depth that depends on the
// violation's kind. rapid keeps a shrunk case only if it fails with the same
// traceback, and a traceback is a list of frames: the extra frames make two
// kinds of failure look different to rapid (up to a hash collision), while
// every failure of one kind looks the same whatever its details.
func fail(t *rapid.T, depth int, msg string) {
	t.Helper()
	if depth > 0 {
		fail(t, depth-1, msg)
		return
	}
	t.Fatalf("%s", msg)
}
