package clock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a span of virtual time. It is time.Duration so the familiar
// constants and formatting work; it never refers to real time in dsim.
type Duration = time.Duration

// Common durations, re-exported so callers need not import time for them.
const (
	Nanosecond  = time.Nanosecond
	Microsecond = time.Microsecond
	Millisecond = time.Millisecond
	Second      = time.Second
	Minute      = time.Minute
	Hour        = time.Hour
)

// Time is an instant of virtual time: nanoseconds since the start of a run.
// The zero Time is the start of the run.
type Time int64

// Never is a Time later than any a run reaches; it marks "no deadline" and
// the return time of operations whose outcome was never observed.
const Never Time = 1<<63 - 1

// Add returns t+d.
func (t Time) Add(d Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) Duration { return Duration(t - u) }

// Before reports whether t is earlier than u.
func (t Time) Before(u Time) bool { return t < u }

// After reports whether t is later than u.
func (t Time) After(u Time) bool { return t > u }

// Since0 returns the time elapsed since the start of the run.
func (t Time) Since0() Duration { return Duration(t) }

// Millis returns t in whole milliseconds, truncated.
func (t Time) Millis() int64 { return int64(t) / int64(time.Millisecond) }

// String formats t in seconds: "1.250s" when t is a whole number of
// milliseconds, otherwise with microsecond or nanosecond digits so that two
// distinct instants never print the same. Never prints as "never".
func (t Time) String() string {
	return string(t.AppendTo(nil))
}

// AppendTo appends the String form of t to b without allocating.
func (t Time) AppendTo(b []byte) []byte {
	if t == Never {
		return append(b, "never"...)
	}
	v := int64(t)
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	sec, frac := v/1e9, v%1e9
	if sec < 100 {
		b = append2(b, int(sec)) // the common case: the trace prints a time per event
	} else {
		b = strconv.AppendInt(b, sec, 10)
	}
	b = append(b, '.')
	// The fraction in 3, 6 or 9 digits, in groups of three.
	b = append3(b, int(frac/1e6))
	if frac%1e6 != 0 {
		b = append3(b, int(frac/1e3%1e3))
		if frac%1e3 != 0 {
			b = append3(b, int(frac%1e3))
		}
	}
	return append(b, 's')
}

// append2 appends v (0..99) without leading zeros.
func append2(b []byte, v int) []byte {
	if v < 10 {
		return append(b, byte('0'+v))
	}
	return append(b, byte('0'+v/10), byte('0'+v%10))
}

// append3 appends v (0..999) as three digits.
func append3(b []byte, v int) []byte {
	return append(b, byte('0'+v/100), byte('0'+v/10%10), byte('0'+v%10))
}

func appendPadded(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// FormatDuration formats d the way scenario files write it: in the largest
// unit that represents it exactly ("250ms", "2s", "1m"), else as a decimal
// of the largest unit it reaches ("1.234567s", "153.417ms"). Every form
// parses back to d exactly.
func FormatDuration(d Duration) string {
	if d == 0 {
		return "0s"
	}
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	for _, u := range []struct {
		suffix string
		size   Duration
	}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if d%u.size == 0 {
			return sign + strconv.FormatInt(int64(d/u.size), 10) + u.suffix
		}
	}
	for _, u := range []struct {
		suffix string
		size   Duration
		digits int
	}{{"s", time.Second, 9}, {"ms", time.Millisecond, 6}, {"us", time.Microsecond, 3}} {
		if d >= u.size {
			frac := strings.TrimRight(string(appendPadded(nil, int64(d%u.size), u.digits)), "0")
			if frac != "" {
				frac = "." + frac
			}
			return sign + strconv.FormatInt(int64(d/u.size), 10) + frac + u.suffix
		}
	}
	return sign + strconv.FormatInt(int64(d), 10) + "ns"
}

// ParseDuration parses a non-negative duration such as "250ms", "1.5s" or
// "2m". A bare "0" is accepted. Negative durations are an error: callers that
// allow a sign (clock offsets) strip it first.
func ParseDuration(s string) (Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return 0, fmt.Errorf("duration %q: no sign allowed here", s)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want a number with a unit such as 250ms, 2s or 1m", s)
	}
	return d, nil
}

// ParseSignedDuration parses a duration with an optional leading + or -.
func ParseSignedDuration(s string) (Duration, error) {
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	d, err := ParseDuration(s)
	if neg {
		d = -d
	}
	return d, err
}
