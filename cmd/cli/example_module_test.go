package cli

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The example of a user's own protocol (examples/pbkv) is a module of its
// own, as a user's would be. It must build, pass its own tests (checklist,
// rapid property, scripts), and its command, built with cli.Main, must
// run, fuzz and draw its protocol and print repros that it replays itself.
func TestExampleModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a second module")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "examples", "pbkv"))
	require.NoError(t, err)
	run := func(name string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		return string(out), code
	}

	out, code := run(goTool, "test", "./...")
	require.Equal(t, 0, code, "go test in examples/pbkv:\n%s", out)

	bin := filepath.Join(t.TempDir(), "pbkv")
	out, code = run(goTool, "build", "-o", bin, "./cmd/pbkv")
	require.Equal(t, 0, code, out)

	out, code = run(bin, "run", "pbkv/basic")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "pbkv run pbkv/basic --seed 1", "the repro names the command that ran")

	out, code = run(bin, "fuzz", "pbkv", "--bug", "backup-reads", "--seeds", "40")
	require.Equal(t, 1, code, out)
	var repro string
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "FAIL "); ok {
			repro, _, _ = strings.Cut(rest, "   #")
			break
		}
	}
	require.True(t, strings.HasPrefix(repro, "pbkv run pbkv/chaos --seed "), "repro %q", repro)
	args := strings.Fields(repro)
	out, code = run(bin, args[1:]...)
	assert.Equal(t, 1, code, "the repro fails again:\n%s", out)
	assert.Contains(t, out, "linearizability")

	// Shrinking works for it too, and the shrunk file replays with its command.
	shrunk := filepath.Join(t.TempDir(), "shrunk.scn")
	out, code = run(bin, "fuzz", "pbkv", "--bug", "backup-reads", "--seeds", "40", "--shrink", "--shrink-out", shrunk)
	require.Equal(t, 1, code, out)
	assert.Contains(t, out, "run it: pbkv run "+shrunk)
	out, code = run(bin, "run", shrunk)
	assert.Equal(t, 1, code, "the shrunk file still fails:\n%s", out)

	out, code = run(bin, "tui", "pbkv/backup-reads", "--keys", "n n n n n n", "--size", "100x30")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "primary")

	out, code = run(bin, "list", "--protocols")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "pbkv")
	assert.Contains(t, out, "raft", "the built-in protocols are there too")
}
