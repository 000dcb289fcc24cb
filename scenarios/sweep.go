package scenarios

import (
	"context"
	"fmt"
	"math"
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
	case o.Seeds-1 > math.MaxUint64-o.Start:
		return fmt.Errorf("--start %d with --seeds %d goes past the last seed, %d", o.Start, o.Seeds, uint64(math.MaxUint64))
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

// Count returns how many seeds the sweep (or its shard) runs.
func (o SweepOptions) Count() uint64 {
	if o.Shards <= 1 {
		return o.Seeds
	}
	n := o.Seeds / uint64(o.Shards)
	if uint64(o.Shard) < o.Seeds%uint64(o.Shards) {
		n++
	}
	return n
}

// Seed returns the k-th seed the sweep runs: among the seeds Start ..
// Start+Seeds-1, those whose index is Shard modulo Shards. The union of the
// shards of a sweep is exactly the unsharded sweep.
func (o SweepOptions) Seed(k uint64) uint64 {
	if o.Shards <= 1 {
		return o.Start + k
	}
	return o.Start + k*uint64(o.Shards) + uint64(o.Shard)
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
	// Wiring errors (bad options, unknown bug) are the scenario's fault, not
	// any seed's: report them once, before the sweep, even when this shard
	// of it runs no seed at all.
	if _, err := Start(s, RunOptions{Seed: o.Seed(0), Bug: o.Bug}); err != nil {
		return err
	}
	total := o.Count()
	if total == 0 {
		return nil
	}
	workers := o.Workers
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	workers = int(min(uint64(workers), total))

	type done struct {
		k   uint64
		res *Result
	}
	jobs := make(chan uint64)
	results := make(chan done, workers)
	ctx, cancel := context.WithCancel(ctx)
	// Results are handed on in seed order, so those that finish early wait
	// for a slow seed before them; window bounds how many may wait (a slow
	// seed holds the sweep back instead of its memory growing).
	window := make(chan struct{}, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := range jobs {
				res, err := runSeed(ctx, s, o.Seed(k), o)
				if err != nil {
					continue // interrupted: the sweep is stopping
				}
				results <- done{k, res}
			}
		})
	}
	go func() {
		defer close(jobs)
		for k := uint64(0); k < total; k++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	// However this function ends (a callback that panics included), stop
	// handing out seeds and let the workers finish, so none is left blocked.
	defer func() {
		cancel()
		for range results {
		}
	}()
	pending := map[uint64]*Result{}
	next := uint64(0)
	for d := range results {
		pending[d.k] = d.res
		for pending[next] != nil {
			each(pending[next])
			delete(pending, next)
			next++
			<-window
		}
	}
	return context.Cause(ctx)
}

// runSeed runs one seed, turning a panic that escaped the kernel (in an
// end-of-run check, say) into that seed's failure. It returns ctx's error,
// and no result, when ctx is cancelled before the run ends.
func runSeed(ctx context.Context, s *Scenario, seed uint64, o SweepOptions) (res *Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = &Result{
				Scenario: s.Name, Protocol: s.Protocol, Seed: seed, Bug: o.Bug, Linearizable: "skipped",
				Violations: []Violation{{Kind: "panic", Detail: fmt.Sprint(p)}},
				Repro:      reproCommand(s.Name, seed, o.Bug, o.MaxEvents),
			}, nil
		}
	}()
	r, err := Start(s, RunOptions{Seed: seed, Bug: o.Bug, MaxEvents: o.MaxEvents})
	if err != nil {
		panic(err)
	}
	return r.FinishContext(ctx)
}

// Command is the name of the program that runs scenarios, as repro lines
// spell it: "dsim", or the name of a user's binary built with cli.Main.
var Command = "dsim"

// reproCommand is the command line that reproduces one run.
func reproCommand(name string, seed uint64, bug string, maxEvents uint64) string {
	cmd := Command + " run " + ShellQuote(name) + " --seed " + strconv.FormatUint(seed, 10)
	if bug != "" {
		cmd += " --bug " + bug
	}
	if maxEvents != 0 {
		cmd += " --max-events " + strconv.FormatUint(maxEvents, 10)
	}
	return cmd
}

// Summary tallies a sweep. It keeps only what it reports, so a sweep of
// millions of seeds runs in constant memory.
type Summary struct {
	Runs          int
	Passed        int
	Failed        []*Result      // the first MaxKeptFailures failures
	FailedCount   int            // every failure
	Ops           int            // client operations completed
	Indeterminate int            // client operations whose outcome was never learned
	Probes        map[string]int // how many runs reached each probe
	// Sample holds the seed and trace hash of one run in ten, for the
	// determinism check; past MaxSample runs, of fewer and fewer, spread
	// evenly over the sweep.
	Sample []Sampled
	stride int // Sample holds every stride-th run
}

// Sampled is one run of a sweep's sample.
type Sampled struct {
	Seed      uint64
	TraceHash string
}

// MaxKeptFailures bounds the failures a Summary keeps in full.
const MaxKeptFailures = 100

// MaxSample bounds a Summary's Sample.
const MaxSample = 1000

// Add counts one result.
func (s *Summary) Add(r *Result) {
	if s.stride == 0 {
		s.stride = 10
	}
	if s.Runs%s.stride == 0 {
		if len(s.Sample) == MaxSample {
			// Keep every other one, and sample half as often from now on.
			for i := range MaxSample / 2 {
				s.Sample[i] = s.Sample[2*i]
			}
			s.Sample = s.Sample[:MaxSample/2]
			s.stride *= 2
		}
		if s.Runs%s.stride == 0 {
			s.Sample = append(s.Sample, Sampled{Seed: r.Seed, TraceHash: r.TraceHash})
		}
	}
	s.Runs++
	switch {
	case r.Pass:
		s.Passed++
	case len(s.Failed) < MaxKeptFailures:
		s.Failed = append(s.Failed, r)
		s.FailedCount++
	default:
		s.FailedCount++
	}
	s.Ops += r.Ops.OK
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

// ShellQuote quotes s for a POSIX shell if it needs quoting, so that a
// repro line naming a file with spaces pastes as one argument.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
