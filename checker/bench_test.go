package checker

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// The checker's targets (see design.md), each measured on a history
// generated here in the shape of the named dsim run. ops/s is history ops
// checked per wall second; peak-MB is the largest live heap seen during a
// check, above what was live before it (sampled every millisecond, so a
// lower bound); B/op counts every byte allocated.

// BenchmarkCheckCanonical30Clients: raft/canonical with clients 30 (60s,
// about 33k ops on 3 keys, a leader outage every 10s). Target: ok in under
// 2s and 500MB.
func BenchmarkCheckCanonical30Clients(b *testing.B) {
	benchCheck(b, genDsim(dsimConfig{ops: 33_000, clients: 30, keys: 3, indeterminate: 0.001, seed: 1}), VerdictOK)
}

// BenchmarkCheck10Clients300s: raft/canonical with clients 10 and duration
// 300s (about 54k ops). Target: ok in under 2s and 500MB.
func BenchmarkCheck10Clients300s(b *testing.B) {
	benchCheck(b, genDsim(dsimConfig{ops: 54_000, clients: 10, keys: 3, indeterminate: 0.0002, seed: 2}), VerdictOK)
}

// BenchmarkCheckHard50Clients: 50 clients whose ops last up to half a
// second, 2000 ops over 10 keys with half of them on one hot key (so about
// 25 ops overlap there at any time), one in twenty indeterminate (open for
// ever after). Porcupine's search is still running after 10s; target:
// every key decided in under 10s.
func BenchmarkCheckHard50Clients(b *testing.B) {
	benchCheck(b, hardDsim(), VerdictOK)
}

// BenchmarkCheckHard50ClientsIllegal: the same with one read on the hot
// key made stale (it returns what an early read saw), so the check also
// shrinks a witness.
func BenchmarkCheckHard50ClientsIllegal(b *testing.B) {
	benchCheck(b, staleRead(hardDsim(), "k1"), VerdictIllegal)
}

// staleRead makes a read of key halfway through h return the value the
// first non-empty read of key returned.
func staleRead(h []Op, key string) []Op {
	old := ""
	for i := range h {
		if h[i].Key == key && h[i].Kind == OpGet && h[i].Outcome == OutcomeOK && h[i].Output != "" {
			if old == "" {
				old = h[i].Output
			} else if i > len(h)/2 && h[i].Output != old {
				h[i].Output = old
				return h
			}
		}
	}
	panic("no read to make stale")
}

func hardDsim() []Op {
	return genDsim(dsimConfig{ops: 2000, clients: 50, keys: 10, latency: 500_000_000, indeterminate: 0.05, hot: 0.5, seed: 4})
}

// BenchmarkCheckMillion: 10^6 ops, 30 clients, 3 keys. Target: under a
// minute and 2GB.
func BenchmarkCheckMillion(b *testing.B) {
	benchCheck(b, genDsim(dsimConfig{ops: 1_000_000, clients: 30, keys: 3, indeterminate: 0.001, seed: 5}), VerdictOK)
}

// BenchmarkCheckMillionIllegal: the same with one read corrupted near the
// end, so the check also shrinks a witness out of a key of 333k ops.
func BenchmarkCheckMillionIllegal(b *testing.B) {
	h := genDsim(dsimConfig{ops: 1_000_000, clients: 30, keys: 3, indeterminate: 0.001, seed: 5})
	for i := len(h) - 1000; ; i++ {
		if h[i].Kind == OpGet && h[i].Outcome == OutcomeOK {
			h[i].Output += "c99.99"
			break
		}
	}
	benchCheck(b, h, VerdictIllegal)
}

// BenchmarkCheckSearch measures the search on a history whose values
// repeat (so the unique-values path does not apply): 30k ops in groups of
// three. steps/s is the search's speed.
func BenchmarkCheckSearch(b *testing.B) {
	benchCheck(b, sequentialSearchHistory(30_000, false), VerdictOK)
}

// BenchmarkCheckKV is the old benchmark, kept so numbers compare across
// commits: 10k ops from 10 clients over 10 keys, 1% indeterminate, values
// that repeat (appends of single letters), so mostly the search.
func BenchmarkCheckKV(b *testing.B) {
	h := genHistory(genConfig{ops: 10_000, clients: 10, keys: 10, indeterminate: 0.01, seed: 1})
	benchCheck(b, h, VerdictOK)
}

func benchCheck(b *testing.B, h []Op, want Verdict) {
	b.ReportAllocs()
	var res Result
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		runtime.GC() // so that peakHeap's baseline is what is live
		b.StartTimer()
		p := peakHeap(func() { res = CheckKV(h, 0) })
		peak = max(peak, p)
		if res.Verdict != want {
			b.Fatalf("verdict %s, want %s (err %v, unknown %v)", res.Verdict, want, res.Err, res.UnknownKeys)
		}
	}
	var steps int64
	for _, k := range res.Keys {
		steps += k.Steps
	}
	b.ReportMetric(float64(len(h))*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(peak)/1e6, "peak-MB")
	if steps > 0 {
		b.ReportMetric(float64(steps)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
	}
}

// peakHeap runs f and returns the most heap it saw live above what was live
// before.
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	peak = max(peak, read())
	if peak < base {
		return 0
	}
	return peak - base
}

// BenchmarkParseHistory measures reading a 10k-op history from JSON, which
// `dsim check` does before checking.
func BenchmarkParseHistory(b *testing.B) {
	var buf bytes.Buffer
	h := genHistory(genConfig{ops: 10_000, clients: 10, keys: 10, indeterminate: 0.01, seed: 1})
	if err := WriteHistory(&buf, h); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHistory(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(h))*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
