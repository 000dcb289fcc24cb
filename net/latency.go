package net

import (
	"fmt"

	"github.com/dsimlab/dsim/clock"
)

// Dist is the shape of a latency distribution.
type Dist uint8

// The latency distributions.
const (
	Fixed       Dist = iota // always Min
	Uniform                 // uniform in [Min, Max]
	Exponential             // Min plus an exponential tail of mean Mean, capped at Max
)

// Latency is a distribution of one-way message delays. Draws have microsecond
// granularity, so traces stay readable and ties stay rare.
type Latency struct {
	Dist Dist
	Min  clock.Duration
	Max  clock.Duration // Uniform: upper bound; Exponential: cap (0 means Min+50*Mean)
	Mean clock.Duration // Exponential only: mean of the tail above Min
}

// FixedLatency returns a distribution that always yields d.
func FixedLatency(d clock.Duration) Latency { return Latency{Dist: Fixed, Min: d} }

// UniformLatency returns a distribution uniform in [min, max].
func UniformLatency(min, max clock.Duration) Latency {
	return Latency{Dist: Uniform, Min: min, Max: max}
}

// ExpLatency returns min plus an exponential tail with the given mean.
func ExpLatency(min, mean clock.Duration) Latency {
	return Latency{Dist: Exponential, Min: min, Mean: mean}
}

// MaxLatency bounds any latency setting: an hour is absurd for a simulated
// message and almost certainly a typo.
const MaxLatency = clock.Duration(3600) * clock.Second

// Validate reports settings that make no sense.
func (l Latency) Validate() error {
	switch {
	case l.Min < 0 || l.Max < 0 || l.Mean < 0:
		return fmt.Errorf("latency %s: negative duration", l)
	case l.Min > MaxLatency || l.Max > MaxLatency || l.Mean > MaxLatency:
		return fmt.Errorf("latency %s: over the %s limit", l, clock.FormatDuration(MaxLatency))
	case l.Dist == Uniform && l.Max < l.Min:
		return fmt.Errorf("latency %s: max below min", l)
	case l.Dist == Exponential && l.Mean == 0:
		return fmt.Errorf("latency %s: exponential needs a positive mean", l)
	case l.Dist == Exponential && l.Max != 0 && l.Max < l.Min:
		return fmt.Errorf("latency %s: cap below min", l)
	case l.Dist > Exponential:
		return fmt.Errorf("latency: unknown distribution %d", l.Dist)
	}
	return nil
}

// draw returns one delay, drawn from the network's stream.
func (l Latency) draw(d draws) clock.Duration {
	const us = clock.Microsecond
	switch l.Dist {
	case Uniform:
		span := int64((l.Max - l.Min) / us)
		if span <= 0 {
			return l.Min
		}
		return l.Min + clock.Duration(d.int64n(span+1))*us
	case Exponential:
		cap := l.Max
		if cap == 0 {
			cap = l.Min + 50*l.Mean
		}
		x := l.Min + clock.Duration(d.r.ExpFloat64()*float64(l.Mean/us))*us
		return min(x, cap)
	}
	return l.Min
}

// String renders the distribution in scenario-file syntax.
func (l Latency) String() string {
	f := clock.FormatDuration
	switch l.Dist {
	case Uniform:
		return "uniform " + f(l.Min) + " " + f(l.Max)
	case Exponential:
		s := "exp " + f(l.Min) + " " + f(l.Mean)
		if l.Max != 0 {
			s += " " + f(l.Max)
		}
		return s
	}
	return "fixed " + f(l.Min)
}
