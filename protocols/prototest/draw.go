package prototest

import (
	"math/rand/v2"

	"pgregory.net/rapid"
)

// Draw returns a number in [lo, hi]; label names the choice for rapid's
// failure reports. A property test builds its random schedules from draws,
// so one schedule function serves both rapid (which shrinks a failing
// schedule) and plain seeds (a sweep that looks for each bug variant).
type Draw func(label string, lo, hi int) int

// RapidDraw draws from rapid.
func RapidDraw(t *rapid.T) Draw {
	return func(label string, lo, hi int) int { return rapid.IntRange(lo, hi).Draw(t, label) }
}

// SeededDraw draws from the PCG generator of (seed, stream). A package
// keeps its stream constant, so its seeds name the same schedules.
func SeededDraw(seed, stream uint64) Draw {
	r := rand.New(rand.NewPCG(seed, stream))
	return func(_ string, lo, hi int) int { return lo + r.IntN(hi-lo+1) }
}
