package mapreduce

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// The violation kinds the checks report.
const (
	KindPartialOutput   = "partial-output"   // a file under a final name holds only part of its content
	KindDuplicateOutput = "duplicate-output" // a file under a final name holds a key twice
	KindWrongOutput     = "wrong-output"     // a file under a final name holds something else than its one correct content
	KindPrematureReduce = "premature-reduce" // a reduce task was given out before every map output it reads was in place
	KindPrematureDone   = "premature-done"   // a task or a job was recorded complete before its output was in place
	KindLiveness        = "liveness"         // a job is not done after the healing phase
)

// Checker judges a run from outside the nodes. Its ghost state is which
// final files are in place with their one correct content, built from the
// store's FileChanged notes, so it outlives the store's crashes (the store
// syncs every change before it answers, so what it noted is what its disk
// holds). After every event it checks:
//
//   - every file the store holds under a final name (an intermediate
//     j1/mr-M-R or an output j1/mr-out-R) is exactly what one complete
//     execution of its task writes: the map function's output for an
//     intermediate file, the sequential result's partition for an output
//     file. Nothing partial, nothing twice, nothing else, ever: a reader
//     may look at any moment.
//   - a reduce task is given out only when every map output it reads is in
//     place (the barrier between the phases);
//   - a task is recorded complete, and a job done, only when their output
//     is in place.
//
// At the end of the healing phase it checks that every job is done and
// that the output, all of it, equals the sequential result.
type Checker struct {
	o           Options
	d           *dataset
	coordinator protocols.NodeID
	store       protocols.NodeID
	ok          map[string]bool // final files in place with their correct content
	doneAt      []clock.Time    // when each job was first declared done, in global time
}

// NewChecker returns the checker of one run of a world built with o, whose
// coordinator and store are the given servers.
func NewChecker(o Options) *Checker {
	o = o.withDefaults()
	return &Checker{o: o, d: newDataset(o), coordinator: o.Coordinator, store: o.Store, ok: map[string]bool{}}
}

// Check implements protocols.Monitor.
func (c *Checker) Check(cl protocols.Cluster, ev protocols.Event) error {
	if ev.Node == "" || len(ev.Notes) == 0 {
		return nil
	}
	for _, n := range ev.Notes {
		var err error
		switch n := n.(type) {
		case FileChanged:
			err = c.fileChanged(cl, ev.Node, n.Path)
		case Issued:
			err = c.issued(n)
		case Accepted:
			err = c.accepted(n)
		case JobDone:
			err = c.jobDone(n, ev.Time)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Checker) fileChanged(cl protocols.Cluster, id protocols.NodeID, path string) error {
	want, final := c.d.expect[path]
	if !final {
		return nil // a temporary file: anything goes until it is renamed into place
	}
	s, _ := cl.Node(id).(*storeNode)
	if s == nil {
		return nil
	}
	got, exists := s.File(path)
	c.ok[path] = false
	if !exists {
		return nil
	}
	if err := judge(path, got, want); err != nil {
		return err
	}
	c.ok[path] = true
	return nil
}

func (c *Checker) issued(n Issued) error {
	if n.Task.Phase != ReducePhase {
		return nil
	}
	for m := range c.o.Splits {
		p := interPath(n.Task.Job, m, n.Task.Index)
		if len(c.d.expect[p]) > 0 && !c.ok[p] {
			return protocols.Violationf(KindPrematureReduce, "%s given to %s while %s, which it reads, is not in place: map task %s has not completed",
				n.Task, n.Worker, p, TaskID{Job: n.Task.Job, Phase: MapPhase, Index: m})
		}
	}
	return nil
}

func (c *Checker) accepted(n Accepted) error {
	if p := c.missing(n.Task); p != "" {
		return protocols.Violationf(KindPrematureDone, "%s recorded complete (attempt %s) while its output %s is not in place", n.Task, n.Attempt, p)
	}
	return nil
}

func (c *Checker) jobDone(n JobDone, at clock.Time) error {
	for r := range c.o.Reduces {
		if p := c.missing(TaskID{Job: n.Job, Phase: ReducePhase, Index: r}); p != "" {
			return protocols.Violationf(KindPrematureDone, "job %d declared done while its output %s is not in place", n.Job, p)
		}
	}
	for len(c.doneAt) < n.Job {
		c.doneAt = append(c.doneAt, clock.Never)
	}
	if c.doneAt[n.Job-1] == clock.Never {
		c.doneAt[n.Job-1] = at
	}
	return nil
}

// missing returns an output file of a task that is not in place, or "".
func (c *Checker) missing(t TaskID) string {
	if t.Phase == ReducePhase {
		if p := outPath(t.Job, t.Index); !c.ok[p] {
			return p
		}
		return ""
	}
	for r := range c.o.Reduces {
		if p := interPath(t.Job, t.Index, r); len(c.d.expect[p]) > 0 && !c.ok[p] {
			return p
		}
	}
	return ""
}

// judge compares a final file with its one correct content.
func judge(path string, got, want []string) error {
	if slices.Equal(got, want) {
		return nil
	}
	seen := map[string]bool{}
	for _, l := range got {
		k, _, _ := strings.Cut(l, " ")
		if seen[k] {
			return protocols.Violationf(KindDuplicateOutput, "%s holds key %q twice (%d lines, want %d)", path, k, len(got), len(want))
		}
		seen[k] = true
	}
	if len(got) < len(want) && subsequence(got, want) {
		return protocols.Violationf(KindPartialOutput, "%s holds %d of its %d lines: a reader sees a half-written file", path, len(got), len(want))
	}
	for i, l := range got {
		if i >= len(want) || l != want[i] {
			w := "nothing"
			if i < len(want) {
				w = strconv.Quote(want[i])
			}
			return protocols.Violationf(KindWrongOutput, "%s line %d is %q, want %s (the sequential result)", path, i+1, l, w)
		}
	}
	return protocols.Violationf(KindWrongOutput, "%s holds %d lines, want %d: it lacks %q", path, len(got), len(want), want[len(got)])
}

// subsequence reports whether every line of a appears in b, in order.
func subsequence(a, b []string) bool {
	i := 0
	for _, l := range b {
		if i < len(a) && a[i] == l {
			i++
		}
	}
	return i == len(a)
}

// Done is the end-of-run liveness check: once the healing phase has kept
// every node up for long enough, every job is done.
func (c *Checker) Done(cl protocols.Cluster) error {
	co, _ := cl.Node(c.coordinator).(*coordinator)
	if co == nil {
		return protocols.Violationf(KindLiveness, "the coordinator %s is down after the healing phase", c.coordinator)
	}
	if got := co.JobsDone(); got < c.o.Jobs {
		return protocols.Violationf(KindLiveness, "%d of %d jobs done after the healing phase; job %d's %s phase is stuck: %s",
			got, c.o.Jobs, co.job, co.phase, co.pending())
	}
	return nil
}

// Output is the end-of-run check of the result: every output file of every
// job holds its partition of the sequential result, so their union is the
// sequential result, each key once.
func (c *Checker) Output(cl protocols.Cluster) error {
	s, _ := cl.Node(c.store).(*storeNode)
	if s == nil {
		return protocols.Violationf(KindLiveness, "the store %s is down after the healing phase", c.store)
	}
	for j := 1; j <= c.o.Jobs; j++ {
		for r := range c.o.Reduces {
			p := outPath(j, r)
			got, ok := s.File(p)
			if !ok {
				continue // the job is not done: Done reports it
			}
			if err := judge(p, got, c.d.expect[p]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Completions returns when each job was first declared done, in global
// time (clock.Never for a job not done): the progress metric a benchmark
// compares with a fault-free run.
func (c *Checker) Completions() []clock.Time {
	out := slices.Clone(c.doneAt)
	for len(out) < c.o.Jobs {
		out = append(out, clock.Never)
	}
	return out
}

// Checks returns the checks of one run: this checker's monitor and its
// end-of-run checks, with the shared check that every server is up.
func (c *Checker) Checks() protocols.Checks {
	return protocols.Checks{
		Monitors: []protocols.Monitor{c},
		Final:    []func(protocols.Cluster) error{protocols.AllUp, c.Done, c.Output},
	}
}
