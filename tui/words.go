package tui

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
)

// How the UI writes counts, times and durations. The trace format and the
// scenario files keep their exact forms; these are for reading.

// count writes n and a regular noun in agreement: "1 event", "3 events".
func count(n int, noun string) string {
	return strconv.Itoa(n) + " " + noun + plural(n)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// showTime writes an instant in seconds with exactly six decimals,
// "1.004000s", so times line up in columns and never switch between three,
// six and nine digits. Nanoseconds are cut, not rounded, so an instant
// never reads as later than it is.
func showTime(t clock.Time) string {
	if t == clock.Never {
		return "never"
	}
	sign := ""
	v := int64(t)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%06ds", sign, v/1e9, v%1e9/1e3)
}

// showDuration writes a duration rounded to the microsecond, in the
// shortest exact form of what is left: "+507.2ms" rather than
// "+507.200002ms".
func showDuration(d clock.Duration) string {
	return clock.FormatDuration(d.Round(clock.Microsecond))
}

// signedDuration is showDuration with an explicit sign, for clock offsets.
func signedDuration(d clock.Duration) string {
	s := showDuration(d)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// showPath writes a file path so that its directory shows: absolute paths
// as they are, relative ones from "./", which a shell also reads as a file
// and not as a built-in scenario name.
func showPath(p string) string {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "."+string(filepath.Separator)) || strings.HasPrefix(p, ".."+string(filepath.Separator)) {
		return p
	}
	return "." + string(filepath.Separator) + p
}
