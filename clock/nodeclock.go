package clock

import "fmt"

// MaxDriftPPM bounds how fast or slow a node's clock may run, in parts per
// million of global time. ±500000 ppm is a clock running at half or one and a
// half times real speed: far beyond real hardware, enough for teaching.
const MaxDriftPPM = 500_000

// Clock is one node's view of time. Its reading is
//
//	local(t) = base + (t - anchor) * (1e6 + drift) / 1e6
//
// so an offset shifts it, a drift makes it run fast (positive ppm) or slow
// (negative ppm), and a jump steps it. Changing the drift re-anchors the clock
// at the current instant, so past readings never change.
//
// All arithmetic is integer so every platform computes the same readings.
// The zero Clock reads global time exactly.
type Clock struct {
	base   Time  // local reading at anchor
	anchor Time  // global instant the current rate took effect
	drift  int64 // parts per million
}

// Now returns the local reading at global instant t (t must not precede the
// last change to the clock).
func (c *Clock) Now(t Time) Time {
	elapsed := int64(t - c.anchor)
	return c.base + Time(elapsed+scale(elapsed, c.drift))
}

// scale returns v*ppm/1e6 without overflowing for runs of up to many hours.
func scale(v, ppm int64) int64 {
	if ppm == 0 {
		return 0
	}
	q, r := v/1_000_000, v%1_000_000
	return q*ppm + r*ppm/1_000_000
}

// Drift returns the clock's rate error in parts per million.
func (c *Clock) Drift() int64 { return c.drift }

// Offset returns how far the local reading is ahead of global time at t.
func (c *Clock) Offset(t Time) Duration { return c.Now(t).Sub(t) }

// SetOffset makes the clock read t+off at global instant t, keeping its drift.
func (c *Clock) SetOffset(t Time, off Duration) {
	c.base, c.anchor = t.Add(off), t
}

// Jump steps the clock by d at global instant t (NTP stepping a clock, a VM
// resumed from a snapshot). A negative d makes the local clock go backwards.
func (c *Clock) Jump(t Time, d Duration) {
	c.base, c.anchor = c.Now(t).Add(d), t
}

// SetDrift changes the clock's rate at global instant t.
func (c *Clock) SetDrift(t Time, ppm int64) error {
	if ppm <= -MaxDriftPPM || ppm >= MaxDriftPPM {
		return fmt.Errorf("clock drift %dppm out of range (-%d, %d)", ppm, MaxDriftPPM, MaxDriftPPM)
	}
	c.base, c.anchor, c.drift = c.Now(t), t, ppm
	return nil
}

// GlobalSpan converts a span measured on this clock (a timer of d local
// time) into global time: a fast clock fires its timers early, a slow one
// late. The result is at least 1ns for a positive d, so a timer never fires
// at the instant it was set.
func (c *Clock) GlobalSpan(d Duration) Duration {
	if d <= 0 || c.drift == 0 {
		return d
	}
	// global = local * 1e6 / (1e6 + drift), computed in two parts so that
	// durations up to hours do not overflow, and rounded up so that a timer
	// never fires before its local span has fully elapsed.
	den := 1_000_000 + c.drift
	v := int64(d)
	q, r := v/den, v%den
	g := q*1_000_000 + (r*1_000_000+den-1)/den
	if g < 1 {
		g = 1
	}
	return Duration(g)
}
