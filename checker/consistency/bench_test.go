package consistency

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dsimlab/dsim/checker"
)

// logStore shapes a generated history: a log-replicated store driven by
// closed-loop clients (one operation in flight each, no think time, as
// dsim's clients run). Each op takes effect at a random moment inside its
// interval; writes join a single log in that order; each replica applies a
// prefix of the log, lagging by up to lag entries; a client sticks to one
// replica and, after its own write, waits until its replica has applied it
// (as ZooKeeper does). With lag 0 every read sees the whole log: a single
// copy, linearizable. With lag > 0 reads are stale but each session sees a
// growing prefix that includes its own writes: sequentially consistent,
// not linearizable.
type logStore struct {
	ops, clients, keys, replicas, lag int
	latency                           int64   // each half of an op (call to effect, effect to return) takes 1..latency
	hop                               bool    // clients pick a replica per op instead of sticking to one
	indeterminate                     float64 // share of writes whose outcome the client never learns
	seed                              uint64
}

func genLog(cfg logStore) []Op {
	rng := rand.New(rand.NewPCG(cfg.seed, 0xc0ffee))
	lat := func() int64 { return 1 + rng.Int64N(max(cfg.latency, 1)) }
	var log []Op
	applied := make([]int, cfg.replicas)
	state := make([]map[string]string, cfg.replicas)
	for r := range state {
		state[r] = map[string]string{}
	}
	catchUp := func(r, upto int) {
		for ; applied[r] < upto; applied[r]++ {
			apply(state[r], log[applied[r]])
		}
	}
	home := make([]int, cfg.clients)
	seq := make([]int, cfg.clients)
	call := make([]int64, cfg.clients)
	effect := make([]int64, cfg.clients)
	for c := range home {
		home[c] = c % cfg.replicas
		call[c] = rng.Int64N(max(cfg.latency, 1))
		effect[c] = call[c] + lat()
	}
	h := make([]Op, 0, cfg.ops)
	for range cfg.ops {
		c := 0
		for d := range effect {
			if effect[d] < effect[c] {
				c = d
			}
		}
		r := home[c]
		if cfg.hop {
			r = rng.IntN(cfg.replicas)
		}
		if cfg.lag == 0 {
			catchUp(r, len(log))
		} else if behind := len(log) - applied[r]; behind > cfg.lag || rng.IntN(4) == 0 {
			catchUp(r, len(log)-rng.IntN(min(behind, cfg.lag)+1))
		}
		seq[c]++
		o := Op{Client: fmt.Sprintf("c%d", c+1), Key: fmt.Sprintf("k%d", rng.IntN(cfg.keys)+1), Outcome: checker.OutcomeOK,
			Call: call[c], Return: effect[c] + lat()}
		switch k := rng.IntN(3); {
		case k == 0:
			o.Kind = checker.OpGet
			o.Values = []string{state[r][o.Key]}
		default:
			o.Kind, o.Value = checker.OpPut, fmt.Sprintf("%s.%d", o.Client, seq[c])
			if k == 2 {
				o.Kind = checker.OpAppend
			}
			if rng.Float64() < cfg.indeterminate {
				o.Outcome = checker.OutcomeIndeterminate
				if rng.IntN(2) == 0 {
					break // never took effect
				}
			}
			log = append(log, o)
			if o.Outcome == checker.OutcomeOK {
				catchUp(r, len(log))
			}
		}
		call[c] = o.Return + 1
		effect[c] = call[c] + lat()
		if o.Outcome == checker.OutcomeIndeterminate {
			o.Return = 0
		}
		h = append(h, o)
	}
	return h
}

var (
	benchLinearizable = logStore{ops: 10_000, clients: 10, keys: 10, replicas: 1, latency: 10, indeterminate: 0.01, seed: 1}
	benchStale        = logStore{ops: 10_000, clients: 10, keys: 10, replicas: 3, lag: 20, latency: 10, indeterminate: 0.01, seed: 1}
)

// benchCheck runs one checker over a 10k-op history, which it must find
// ok, and reports the time per history and the steps it counted (which,
// unlike the time, do not depend on the machine's load).
func benchCheck(b *testing.B, cfg logStore, check func(*index, *meter) Result) {
	h := genLog(cfg)
	b.ReportAllocs()
	var steps int64
	for b.Loop() {
		m := newMeter(Budget{})
		if r := check(buildIndex(h), m); !r.OK() {
			b.Fatalf("%s", r)
		}
		steps = m.used
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/history")
	b.ReportMetric(float64(steps), "steps/history")
}

// BenchmarkLinearizable10k: porcupine does the work (its own time-out, no
// counted steps).
func BenchmarkLinearizable10k(b *testing.B) {
	benchCheck(b, benchLinearizable, func(ix *index, _ *meter) Result { return checkLinearizable(ix, Budget{}) })
}

func BenchmarkSequential10k(b *testing.B) {
	benchCheck(b, benchLinearizable, checkSequential)
}

func BenchmarkSequential10kStale(b *testing.B) {
	benchCheck(b, benchStale, checkSequential)
}

func BenchmarkCausal10k(b *testing.B) {
	benchCheck(b, benchStale, checkCausal)
}

func sessionBench(model Model) func(*index, *meter) Result {
	return func(ix *index, m *meter) Result { return checkSession(ix, model, m) }
}

func BenchmarkReadYourWrites10k(b *testing.B) {
	benchCheck(b, benchStale, sessionBench(ReadYourWrites))
}

func BenchmarkMonotonicReads10k(b *testing.B) {
	benchCheck(b, benchStale, sessionBench(MonotonicReads))
}

func BenchmarkMonotonicWrites10k(b *testing.B) {
	benchCheck(b, benchStale, sessionBench(MonotonicWrites))
}

func BenchmarkWritesFollowReads10k(b *testing.B) {
	benchCheck(b, benchStale, sessionBench(WritesFollowReads))
}

// BenchmarkEventual10k: every replica holds the state the log leads to,
// and the reads after quiescence (the last tenth of the history) return it.
func BenchmarkEventual10k(b *testing.B) {
	h := genLog(benchLinearizable)
	state := map[string]string{}
	for _, o := range h {
		if o.IsWrite() && o.Outcome == checker.OutcomeOK {
			apply(state, o)
		}
	}
	// The single copy's final state: apply writes in log order, which
	// for the single copy is the order the history lists them.
	final := map[string]map[string]string{"n1": state, "n2": state, "n3": state}
	quiet := h[len(h)-1].Call + 1 // no read is judged: only convergence
	benchCheck(b, benchLinearizable, func(ix *index, _ *meter) Result { return checkEventual(ix, final, quiet) })
}

// BenchmarkLadder10kStale places a stale-but-sequential history: the
// linearizability check fails (a stale read, found without porcupine),
// sequential holds, the rest are implied; eventual has no final state here.
func BenchmarkLadder10kStale(b *testing.B) {
	h := genLog(benchStale)
	b.ReportAllocs()
	for b.Loop() {
		if l := Ladder(h, Options{}); l.Strongest != Sequential {
			b.Fatalf("%s", l)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/history")
}

// BenchmarkLadder10k places a linearizable history: porcupine says ok and
// every weaker rung is implied.
func BenchmarkLadder10k(b *testing.B) {
	h := genLog(benchLinearizable)
	b.ReportAllocs()
	for b.Loop() {
		if l := Ladder(h, Options{}); l.Strongest != Linearizable {
			b.Fatalf("%s", l)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/history")
}
