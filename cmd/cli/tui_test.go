package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// dsim tui with bad input exits 2 with a one-line message naming the
// problem, and without a terminal it refuses cleanly instead of hanging.
func TestTuiBadInput(t *testing.T) {
	scn := writeFile(t, "bad.scn", "protocol raft\nnodes 3\nduration 1s\nat 1x crash n1\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown scenario", []string{"tui", "raft/no-such"}, "unknown scenario"},
		{"missing file", []string{"tui", "nope.scn"}, "no such file"},
		{"malformed file", []string{"tui", scn}, "bad.scn:4"},
		{"two scenarios", []string{"tui", "raft/election", "broadcast/basic"}, "at most one scenario"},
		{"bad seed", []string{"tui", "raft/election", "--seed", "x"}, `--seed "x": want a whole number`},
		{"unknown flag", []string{"tui", "--speed", "3"}, "unknown flag"},
		{"bug of another protocol", []string{"tui", "raft/election", "--bug", "no-retry"}, "no bug variant"},
		{"unknown bug for the catalogue", []string{"tui", "--bug", "no-such-bug"}, "no protocol has a bug variant"},
		{"no terminal", []string{"tui", "raft/election"}, "needs a terminal"},
		{"no terminal for the catalogue", []string{"tui"}, "needs a terminal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := dsim(t, tc.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tc.want)
			assert.Equal(t, 1, countLines(errOut), "one line: %q", errOut)
			assert.NotContains(t, errOut, "goroutine")
		})
	}
}

func countLines(s string) int {
	n := 0
	for _, c := range s {
		if c == '\n' {
			n++
		}
	}
	return n
}

// With --keys the UI runs without a terminal and prints the last frame.
func TestTuiKeysPrintsTheFrame(t *testing.T) {
	out, errOut, code := dsim(t, "tui", "raft/election", "--keys", "n n n", "--size", "90x24")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "event 3")
	assert.Contains(t, out, "follower")
	_, errOut, code = dsim(t, "tui", "raft/election", "--size", "9x9")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "want WIDTHxHEIGHT")
}
