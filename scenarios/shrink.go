package scenarios

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/sim"
)

// Shrunk is a failing run cut down to a small scenario that fails the same
// way: same violation kind.
type Shrunk struct {
	Scenario       *Scenario // explicit: no swarm, every fault written out
	Violation      string    // the violation kind it still fails with
	From           string    // the repro of the run it came from
	Runs           int       // runs the shrinking took
	FaultsBefore   int
	DurationBefore clock.Duration
	ClientsBefore  int
}

// File renders the shrunk scenario as a scenario file, with a header saying
// where it came from.
func (s *Shrunk) File() string {
	return fmt.Sprintf("# Shrunk by %s fuzz --shrink from: %s\n# It still fails with %s. Run it: %s run THIS-FILE\n\n%s", Command, s.From, s.Violation, Command, Format(s.Scenario))
}

// Explicit returns a copy of s that runs exactly as seed does but spells
// everything out: the swarm's faults become ordinary "at" lines, the seed,
// bug, client count and healing phase are written down.
func Explicit(s *Scenario, seed uint64, bug string) (*Scenario, error) {
	p, err := Lookup(s.Protocol)
	if err != nil {
		return nil, err
	}
	e := *s
	e.Faults, _ = schedule(s, p, seed)
	e.Chaos, e.ChaosOf, e.Seed = "", nil, seed
	if bug != "" {
		e.Bug = bug
	}
	if e.Clients < 0 {
		e.Clients = p.DefaultClients
	}
	e.Healing = s.healing()
	e.faultLines = nil
	e.Options, e.Workload = slices.Clone(s.Options), slices.Clone(s.Workload)
	return &e, nil
}

// ShrinkOptions say how the run to shrink was made.
type ShrinkOptions struct {
	Bug       string // the bug variant the run was built with
	MaxEvents uint64 // the event budget it ran with
	// Progress, if set, hears what the shrinker is trying.
	Progress func(string)
}

// Shrink cuts a failing seed of s down by delta debugging: it removes
// faults, pulls them earlier, shortens the run and drops clients, keeping
// each change only if the run still fails with the same violation kind and,
// for a bug variant, still passes without the bug: a shrunk scenario must
// show the bug, not a world too harsh for correct code.
func Shrink(ctx context.Context, s *Scenario, seed uint64, o ShrinkOptions) (*Shrunk, error) {
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	bug := o.Bug
	cur, err := Explicit(s, seed, bug)
	if err != nil {
		return nil, err
	}
	res, err := RunScenario(cur, RunOptions{Seed: seed, MaxEvents: o.MaxEvents})
	if err != nil {
		return nil, err
	}
	if res.Pass {
		return nil, fmt.Errorf("seed %d of %s passes when its schedule is written out: a determinism bug, please report it", seed, s.Name)
	}
	sh := &Shrunk{
		From:           reproCommand(s.Name, seed, bug, o.MaxEvents),
		Violation:      "a failed expectation",
		Runs:           1,
		FaultsBefore:   len(cur.Faults),
		DurationBefore: cur.Duration,
		ClientsBefore:  cur.Clients,
	}
	target, atEnd := "", false
	if len(res.Violations) > 0 {
		target, atEnd = res.Violations[0].Kind, res.Violations[0].AtEnd
		sh.Violation = target
	}
	// Each run stops early, with an error, when ctx is cancelled.
	run := func(c *Scenario) (*Result, error) {
		r, err := Start(c, RunOptions{Seed: seed, MaxEvents: o.MaxEvents})
		if err != nil {
			return nil, err
		}
		return r.FinishContext(ctx)
	}
	fails := func(c *Scenario) bool {
		if ctx.Err() != nil {
			return false
		}
		sh.Runs++
		r, err := run(c)
		if err != nil || r.Pass || (target != "" && !slices.ContainsFunc(r.Violations, func(v Violation) bool { return v.Kind == target })) {
			return false
		}
		if c.Bug == "" {
			return true
		}
		// The same world with correct code must pass.
		sh.Runs++
		correct := *c
		correct.Bug = ""
		r, err = run(&correct)
		return err == nil && r.Pass
	}
	with := func(edit func(*Scenario)) *Scenario {
		c := *cur
		c.Faults = slices.Clone(cur.Faults)
		edit(&c)
		return &c
	}

	for round := 0; round < 3; round++ {
		before := Format(cur)
		// Remove faults: delta debugging over the schedule.
		cur.Faults = ddmin(cur.Faults, func(fs []sim.Fault) bool {
			progress(fmt.Sprintf("shrinking: %d faults, trying %d (%d runs)", len(cur.Faults), len(fs), sh.Runs))
			return fails(with(func(c *Scenario) { c.Faults = fs }))
		})
		// Simplify what is left: one message instead of many.
		for i := range cur.Faults {
			for cur.Faults[i].Rule.Count > 1 {
				half := with(func(c *Scenario) { c.Faults[i].Rule.Count /= 2 })
				if !fails(half) {
					break
				}
				cur = half
			}
		}
		// Pull faults earlier, halving their times while the run still
		// fails, so that the chaos phase can shrink after them.
		for i := range cur.Faults {
			for cur.Faults[i].At >= clock.Time(200*clock.Millisecond) {
				at := clock.Time(clock.Duration(cur.Faults[i].At / 2).Truncate(clock.Millisecond))
				progress(fmt.Sprintf("shrinking: trying fault %d at %s", i+1, at))
				earlier := with(func(c *Scenario) { c.Faults[i].At = at })
				if !fails(earlier) {
					break
				}
				cur = earlier
			}
		}
		slices.SortStableFunc(cur.Faults, func(a, b sim.Fault) int { return cmp.Compare(a.At, b.At) })
		// Shorten the chaos phase to just after the last fault, then the
		// healing phase.
		last := clock.Time(0)
		for _, f := range cur.Faults {
			last = max(last, f.At)
		}
		// The healing phase stays whole when the failure is an end-of-run
		// check: it judges what the world recovers to.
		for _, d := range []clock.Duration{clock.Duration(last).Truncate(100*clock.Millisecond) + 100*clock.Millisecond, cur.Duration / 2} {
			if d > 0 && d < cur.Duration && clock.Time(d) >= last {
				progress(fmt.Sprintf("shrinking: trying a %s chaos phase", clock.FormatDuration(d)))
				if c := with(func(c *Scenario) { c.Duration = d }); fails(c) {
					cur = c
				}
			}
		}
		for !atEnd && cur.Healing > 0 {
			c := with(func(c *Scenario) { c.Healing = 0 })
			if !fails(c) {
				break
			}
			cur = c
		}
		// Fewer clients.
		for cur.Clients > 0 {
			c := with(func(c *Scenario) { c.Clients-- })
			if !fails(c) {
				break
			}
			cur = c
		}
		if Format(cur) == before {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	cur.Name = strings.TrimSuffix(s.Name, ".scn") + "-shrunk"
	cur.Title = fmt.Sprintf("Shrunk from %s: fails with %s", sh.From, sh.Violation)
	cur.Text = []string{fmt.Sprintf("%s fuzz --shrink cut this failing run down from %d faults to %d.", Command, sh.FaultsBefore, len(cur.Faults))}
	sh.Scenario = cur
	return sh, nil
}

// ddmin is Zeller's delta debugging: it returns a subset of fs for which
// fails still holds, removing chunks of halving size until no single chunk
// can go.
func ddmin(fs []sim.Fault, fails func([]sim.Fault) bool) []sim.Fault {
	if len(fs) > 0 && fails(nil) {
		return nil
	}
	n := 2
	for len(fs) >= 2 {
		chunk := (len(fs) + n - 1) / n
		removed := false
		for start := 0; start < len(fs); start += chunk {
			rest := slices.Concat(fs[:start], fs[min(start+chunk, len(fs)):])
			if fails(rest) {
				fs, removed = rest, true
				n = max(n-1, 2)
				break
			}
		}
		if !removed {
			if n >= len(fs) {
				break
			}
			n = min(2*n, len(fs))
		}
	}
	if len(fs) == 1 && fails(nil) {
		return nil
	}
	return fs
}
