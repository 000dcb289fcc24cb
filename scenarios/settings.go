package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/sim"
)

// Settings reads a scenario's option or workload lines for a protocol's
// wiring. Each getter marks its key as known; Err reports the first value
// that did not parse and any line whose key no getter asked for, with the
// line number.
type Settings struct {
	file  string
	kind  string // "option" or "workload"
	list  []Setting
	known []string
	err   error
	floor clock.Duration // the shortest positive duration that makes sense (timerFloor)
	mean  clock.Duration // the network's mean one-way latency, for the message
}

func newSettings(s *Scenario, kind string, list []Setting) *Settings {
	return &Settings{file: s.label(), kind: kind, list: list, floor: timerFloor(s), mean: meanLatency(s.Link.Latency)}
}

func (s *Settings) find(key string) (Setting, bool) {
	s.known = append(s.known, key)
	for _, st := range s.list {
		if st.Key == key {
			return st, true
		}
	}
	return Setting{}, false
}

func (s *Settings) fail(st Setting, format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("%s:%d: %s %s: %s", s.file, st.Line, s.kind, st.Key, fmt.Sprintf(format, args...))
	}
}

// Duration returns the duration set for key, or def.
func (s *Settings) Duration(key string, def clock.Duration) clock.Duration {
	st, ok := s.find(key)
	if !ok {
		return def
	}
	d, err := clock.ParseDuration(st.Value)
	if err != nil {
		s.fail(st, "%v", err)
		return def
	}
	if d > MaxDuration {
		s.fail(st, "at most %s", clock.FormatDuration(MaxDuration))
		return def
	}
	if d > 0 && d < s.floor {
		s.fail(st, "%s is far below the network's mean latency of %s: a timer this short fires thousands of times for every message in flight; use at least %s",
			clock.FormatDuration(d), clock.FormatDuration(s.mean), clock.FormatDuration(s.floor))
		return def
	}
	return d
}

// Int returns the number set for key, or def; it must lie in [lo, hi].
func (s *Settings) Int(key string, def, lo, hi int) int {
	st, ok := s.find(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(st.Value)
	if err != nil || n < lo || n > hi {
		s.fail(st, "want a whole number from %d to %d, got %q", lo, hi, st.Value)
		return def
	}
	return n
}

// Bool returns the flag set for key ("on" or "off"), or def.
func (s *Settings) Bool(key string, def bool) bool {
	st, ok := s.find(key)
	if !ok {
		return def
	}
	switch st.Value {
	case "on", "true", "yes":
		return true
	case "off", "false", "no":
		return false
	}
	s.fail(st, "want on or off, got %q", st.Value)
	return def
}

// Percent returns the percentage set for key as a probability, or def.
func (s *Settings) Percent(key string, def float64) float64 {
	st, ok := s.find(key)
	if !ok {
		return def
	}
	v, err := sim.ParsePercent(st.Value, false)
	if err == nil && v > 1_000_000 {
		err = fmt.Errorf("%s is over 100%%", st.Value)
	}
	if err != nil {
		s.fail(st, "%v", err)
		return def
	}
	return float64(v) / 1e6
}

// Word returns the value set for key, which must be one of allowed, or def.
func (s *Settings) Word(key, def string, allowed ...string) string {
	st, ok := s.find(key)
	if !ok {
		return def
	}
	if !slices.Contains(allowed, st.Value) {
		s.fail(st, "want one of %s, got %q", strings.Join(allowed, ", "), st.Value)
		return def
	}
	return st.Value
}

// Raw returns the raw value set for key and whether it was set, for
// protocols with structured values; report problems with Fail.
func (s *Settings) Raw(key string) (string, bool) {
	st, ok := s.find(key)
	return st.Value, ok
}

// Fail reports a problem with the value of key.
func (s *Settings) Fail(key, format string, args ...any) {
	for _, st := range s.list {
		if st.Key == key {
			s.fail(st, format, args...)
			return
		}
	}
}

// Err returns the first problem found, or an unknown key.
func (s *Settings) Err() error {
	if s.err != nil {
		return s.err
	}
	for _, st := range s.list {
		if !slices.Contains(s.known, st.Key) {
			known := slices.Clone(s.known)
			slices.Sort(known)
			known = slices.Compact(known)
			hint := "this protocol takes none"
			if len(known) > 0 {
				hint = "want " + strings.Join(known, ", ")
			}
			return fmt.Errorf("%s:%d: unknown %s %q (%s)", s.file, st.Line, s.kind, st.Key, hint)
		}
	}
	return nil
}
