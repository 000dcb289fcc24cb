package clock

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestTimeString(t *testing.T) {
	cases := []struct {
		t    Time
		want string
	}{
		{0, "0.000s"},
		{Time(1250 * time.Millisecond), "1.250s"},
		{Time(3*time.Second + 7*time.Microsecond), "3.000007s"},
		{Time(42), "0.000000042s"},
		{Time(-1500 * time.Millisecond), "-1.500s"},
		{Time(61 * time.Second), "61.000s"},
		{Never, "never"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.t.String(), "Time(%d)", int64(c.t))
	}
}

func TestFormatParseDuration(t *testing.T) {
	cases := map[Duration]string{
		0:                             "0s",
		250 * time.Millisecond:        "250ms",
		2 * time.Second:               "2s",
		90 * time.Second:              "90s",
		2 * time.Minute:               "2m",
		1500 * time.Microsecond:       "1.5ms",
		1234567 * time.Microsecond:    "1.234567s",
		153417 * time.Microsecond:     "153.417ms",
		12500 * time.Nanosecond:       "12.5us",
		time.Microsecond:              "1us", // not "1.us"
		40 * time.Microsecond:         "40us",
		7 * time.Nanosecond:           "7ns",
		-50 * time.Millisecond:        "-50ms",
		3*time.Hour + time.Nanosecond: "10800.000000001s",
	}
	for d, want := range cases {
		assert.Equal(t, want, FormatDuration(d))
		back, err := ParseSignedDuration(want)
		require.NoError(t, err)
		assert.Equal(t, d, back, "round trip of %s", want)
	}
}

func TestParseDurationRejects(t *testing.T) {
	for _, s := range []string{"", "5", "-1s", "+1s", "fast", "1 s", "2x"} {
		_, err := ParseDuration(s)
		assert.Error(t, err, "%q", s)
	}
}

func TestClockOffsetDriftJump(t *testing.T) {
	var c Clock
	sec := Time(time.Second)
	assert.Equal(t, sec, c.Now(sec), "zero clock reads global time")

	c.SetOffset(sec, 100*time.Millisecond)
	assert.Equal(t, 2*sec+Time(100*time.Millisecond), c.Now(2*sec))

	// +10% drift from t=2s: after one more global second the clock gained 100ms.
	require.NoError(t, c.SetDrift(2*sec, 100_000))
	assert.Equal(t, 3*sec+Time(200*time.Millisecond), c.Now(3*sec))
	assert.Equal(t, 200*time.Millisecond, c.Offset(3*sec))

	c.Jump(3*sec, -time.Second)
	assert.Equal(t, 2*sec+Time(200*time.Millisecond), c.Now(3*sec), "a jump steps the reading")

	assert.Error(t, c.SetDrift(3*sec, MaxDriftPPM))
	assert.Error(t, c.SetDrift(3*sec, -MaxDriftPPM))
}

func TestGlobalSpan(t *testing.T) {
	var fast, slow, exact Clock
	require.NoError(t, fast.SetDrift(0, 250_000))  // runs at 1.25x
	require.NoError(t, slow.SetDrift(0, -200_000)) // runs at 0.8x
	assert.Equal(t, 100*time.Millisecond, exact.GlobalSpan(100*time.Millisecond))
	assert.Equal(t, 80*time.Millisecond, fast.GlobalSpan(100*time.Millisecond))
	assert.Equal(t, 125*time.Millisecond, slow.GlobalSpan(100*time.Millisecond))
	assert.Equal(t, time.Duration(1), fast.GlobalSpan(1), "never zero for a positive span")
}

// A timer of local span d set at t fires when the local clock has advanced by
// about d: GlobalSpan and Now agree with each other for any drift.
func TestGlobalSpanMatchesNow(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c Clock
		ppm := rapid.Int64Range(-MaxDriftPPM+1, MaxDriftPPM-1).Draw(t, "ppm")
		start := Time(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "start"))
		d := Duration(rapid.Int64Range(1, int64(time.Hour)).Draw(t, "d"))
		if err := c.SetDrift(0, ppm); err != nil {
			t.Fatal(err)
		}
		g := c.GlobalSpan(d)
		elapsed := c.Now(start.Add(g)).Sub(c.Now(start))
		// Rounding up: the timer never fires early, and is late by a few
		// nanoseconds at most.
		if diff := elapsed - d; diff > 3 || diff < 0 {
			t.Fatalf("ppm %d: local span %v became global %v, which reads as %v locally", ppm, d, g, elapsed)
		}
	})
}

func TestFormatDurationRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := Duration(rapid.Int64Range(-int64(48*time.Hour), int64(48*time.Hour)).Draw(t, "d"))
		back, err := ParseSignedDuration(FormatDuration(d))
		if err != nil || back != d {
			t.Fatalf("%d formats as %q, which parses as %d (%v)", d, FormatDuration(d), back, err)
		}
	})
}

// FuzzParseDuration: whatever a user types as a duration either is refused
// or formats back to a string that parses to the same duration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"250ms", "1.5s", "-2m", "+1us", "0", "1e9s", "9223372036854775807ns", "1.us", "3h0m0.000000001s", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseSignedDuration(s)
		if err != nil {
			return
		}
		back, err := ParseSignedDuration(FormatDuration(d))
		if err != nil || back != d {
			t.Fatalf("%q is %d, formats as %q, which parses as %d (%v)", s, d, FormatDuration(d), back, err)
		}
	})
}

// TestAppendToMatchesPlainFormat compares AppendTo's fast path with the
// plain way of writing the same format, on times of every shape.
func TestAppendToMatchesPlainFormat(t *testing.T) {
	plain := func(t Time) string {
		if t == Never {
			return "never"
		}
		v, sign := int64(t), ""
		if v < 0 {
			sign, v = "-", -v
		}
		sec, frac := v/1e9, v%1e9
		digits, div := 9, int64(1)
		switch {
		case frac%1e6 == 0:
			digits, div = 3, 1e6
		case frac%1e3 == 0:
			digits, div = 6, 1e3
		}
		return sign + strconv.FormatInt(sec, 10) + "." + string(appendPadded(nil, frac/div, digits)) + "s"
	}
	r := rand.New(rand.NewPCG(1, 2))
	times := []Time{0, 1, 999, 1000, 1e6, 1e9, 9_999_999_999, 99_999_999_999, 100e9, 123_456_789_012, -1, -1e9 - 5, Never}
	for range 100000 {
		v := r.Int64N(1e12)
		switch r.IntN(3) {
		case 0:
			v -= v % 1e6
		case 1:
			v -= v % 1e3
		}
		if r.IntN(10) == 0 {
			v = -v
		}
		times = append(times, Time(v))
	}
	for _, x := range times {
		if got, want := string(x.AppendTo(nil)), plain(x); got != want {
			t.Fatalf("AppendTo(%d) = %q, want %q", int64(x), got, want)
		}
	}
}
