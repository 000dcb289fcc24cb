package scenarios

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// SweepOptions say which seeds of a scenario to run, and how.
type SweepOptions struct {
	Seeds     uint64 // how many seeds, counting from Start
	Start     uint64 // the first seed
	Workers   int    // runs in parallel; 0 means one per CPU
	Shard     int    // with Shards > 1: run only the seeds whose index is Shard modulo Shards
	Shards    int
	Bug       string // build this bug variant in
	MaxEvents uint64
}

// Validate reports options that cannot work.
func (o SweepOptions) Validate() error {
	switch {
	case o.Seeds == 0:
		return fmt.Errorf("--seeds must be at least 1")
	case o.Seeds > 1<<40:
		return fmt.Errorf("--seeds %d is absurd", o.Seeds)
	case o.Start+o.Seeds < o.Start:
		return fmt.Errorf("--start %d plus --seeds %d overflows", o.Start, o.Seeds)
	case o.Workers < 0 || o.Workers > 4096:
		return fmt.Errorf("--workers %d: want 1 to 4096", o.Workers)
	case o.Shards < 0 || (o.Shards > 0 && (o.Shard < 0 || o.Shard >= o.Shards)):
		return fmt.Errorf("--shard %d/%d: want I/N with 0 <= I < N", o.Shard, o.Shards)
	}
	return nil
}

// ParseShard parses "I/N".
func ParseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(a)
		if err == nil {
			n, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want I/N with 0 <= I < N, as in 0/4", s)
	}
	return i, n, nil
}

// SeedList returns the seeds a sweep runs, in order: the seeds Start ..
// Start+Seeds-1 whose index is Shard modulo Shards. The union of the shards
// of a sweep is exactly the unsharded sweep.
func (o SweepOptions) SeedList() []uint64 {
	var seeds []uint64
	for i := uint64(0); i < o.Seeds; i++ {
		if o.Shards <= 1 || i%uint64(o.Shards) == uint64(o.Shard) {
			seeds = append(seeds, o.Start+i)
		}
	}
	return seeds
}

// Sweep runs a scenario over many seeds, in parallel, and hands each result
// to each in seed order (whatever the number of workers), on the calling
// goroutine. A run that panics outside the kernel's own recovery is reported
// as that seed's failure; it never takes the sweep down. The sweep stops
// early, returning ctx's error, when ctx is cancelled.
func Sweep(ctx context.Context, s *Scenario, o SweepOptions, each func(*Result)) error {
	if err := o.Validate(); err != nil {
		return err
	}
	seeds := o.SeedList()
	if len(seeds) == 0 {
		return nil
	}
	// Wiring errors (bad options, unknown bug) are the scenario's fault, not
	// any seed's: report them once, before the sweep.
	if _, err := Start(s, RunOptions{Seed: seeds[0], Bug: o.Bug}); err != nil {
		return err
	}
	workers := o.Workers
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, len(seeds))

	type done struct {
		i   int
		res *Result
	}
	jobs := make(chan int)
	results := make(chan done, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				results <- done{i, runSeed(s, seeds[i], o)}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range seeds {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	pending := map[int]*Result{}
	next := 0
	for d := range results {
		pending[d.i] = d.res
		for pending[next] != nil {
			each(pending[next])
			delete(pending, next)
			next++
		}
	}
	return ctx.Err()
}

// runSeed runs one seed, turning a panic that escaped the kernel (in an
// end-of-run check, say) into that seed's failure.
func runSeed(s *Scenario, seed uint64, o SweepOptions) (res *Result) {
	defer func() {
		if p := recover(); p != nil {
			res = &Result{
				Scenario: s.Name, Protocol: s.Protocol, Seed: seed, Bug: o.Bug, Linearizable: "skipped",
				Violations: []Violation{{Kind: "panic", Detail: fmt.Sprint(p)}},
				Repro:      reproCommand(s.Name, seed, o.Bug),
			}
		}
	}()
	r, err := Start(s, RunOptions{Seed: seed, Bug: o.Bug, MaxEvents: o.MaxEvents})
	if err != nil {
		panic(err)
	}
	return r.Finish()
}

func reproCommand(name string, seed uint64, bug string) string {
	cmd := "dsim run " + name + " --seed " + strconv.FormatUint(seed, 10)
	if bug != "" {
		cmd += " --bug " + bug
	}
	return cmd
}

// Summary tallies a sweep.
type Summary struct {
	Runs          int
	Passed        int
	Failed        []*Result
	Indeterminate int            // client operations whose outcome was never learned
	Probes        map[string]int // how many runs reached each probe
	All           []*Result      // every result, in seed order
}

// Add counts one result.
func (s *Summary) Add(r *Result) {
	s.Runs++
	s.All = append(s.All, r)
	if r.Pass {
		s.Passed++
	} else {
		s.Failed = append(s.Failed, r)
	}
	s.Indeterminate += r.Ops.Indeterminate
	if s.Probes == nil {
		s.Probes = map[string]int{}
	}
	for p, n := range r.Probes {
		if n > 0 {
			s.Probes[p]++
		}
	}
}
