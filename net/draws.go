package net

import (
	"math/bits"
	"math/rand/v2"
)

// draws is the network's random stream. A message's fate and delay are
// drawn at every send, so the two draws nearly every send makes (loss, a
// uniform latency) call the PCG directly instead of through rand.Rand's
// Source interface; they are rand.Rand's own algorithms, word for word, so
// the stream and every run are the same as rand.New(src) would give
// (TestDrawsAreRandsDraws). Anything else draws through rand.Rand, over
// the same source.
type draws struct {
	src *rand.PCG
	r   *rand.Rand // over src
}

func newDraws(src *rand.PCG) draws { return draws{src: src, r: rand.New(src)} }

// float64 is rand.Rand.Float64: a number in [0, 1).
func (d draws) float64() float64 {
	return float64(d.src.Uint64()<<11>>11) / (1 << 53)
}

// int64n is rand.Rand.Int64N: a number in [0, n), for n > 0.
func (d draws) int64n(n int64) int64 {
	if n <= 0 {
		panic("invalid argument to int64n")
	}
	return int64(d.uint64n(uint64(n)))
}

// uint64n is rand.Rand's uint64n on a 64-bit machine: Lemire's multiply,
// with the rejection that makes it exact. (On a 32-bit machine rand.Rand
// draws bounds below 2^32 another way; dsim's runs are those of 64-bit
// machines.)
func (d draws) uint64n(n uint64) uint64 {
	if n&(n-1) == 0 { // a power of two: mask
		return d.src.Uint64() & (n - 1)
	}
	hi, lo := bits.Mul64(d.src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(d.src.Uint64(), n)
		}
	}
	return hi
}
