package checker

import (
	"bytes"
	"testing"
)

// BenchmarkCheckKV measures porcupine check throughput on a dsim-like
// history: 10k ops from 10 closed-loop clients over 10 keys, 1% of them
// indeterminate. ops/s is history ops checked per wall second.
func BenchmarkCheckKV(b *testing.B) {
	h := genHistory(genConfig{ops: 10_000, clients: 10, keys: 10, indeterminate: 0.01, seed: 1})
	b.ReportAllocs()
	for b.Loop() {
		if res := CheckKV(h, 0); res.Verdict != VerdictOK {
			b.Fatalf("verdict %s, err %v", res.Verdict, res.Err)
		}
	}
	b.ReportMetric(float64(len(h))*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkParseHistory measures reading the same history from JSON, which
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
