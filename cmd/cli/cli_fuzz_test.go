package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsimlab/dsim/scenarios"
)

// FuzzCLI drives the whole command line, flags and files together: an
// argument line (split at spaces; $F is a file holding file, $O a path in
// an empty directory), the file, and standard input. Whatever it is given,
// dsim must not panic, must end (a run past its time is cancelled like
// Ctrl-C, and must then stop), and must exit with a code of the contract;
// a refusal (exit 2) is one line naming the problem, without Go's
// internals in it.
//
// In plain go test it runs its seed corpus: a sample of the hostile corpus.
// Longer, as docs/ci.md says:
//
//	go test ./cmd/cli -run '^$' -fuzz '^FuzzCLI$' -fuzztime 10m
func FuzzCLI(f *testing.F) {
	paths, _ := filepath.Glob("testdata/hostile/*.txt")
	for i, p := range paths {
		if i%4 != 0 {
			continue // a quarter of the corpus: TestHostileInputs runs it all
		}
		c := parseHostile(f, p)
		var file []byte
		args := make([]string, len(c.args))
		for j, a := range c.args {
			args[j] = a
			for name, data := range c.files {
				if a == "$DIR/"+name {
					args[j], file = "$F", data
				}
			}
			if strings.HasPrefix(args[j], "$DIR/") {
				args[j] = "$O"
			}
		}
		f.Add(strings.Join(args, " "), file, c.stdin)
	}
	f.Add("run $F --seed 3 --json", []byte("protocol broadcast\nnodes 3\nduration 1s\n"), []byte(nil))
	f.Add("run - --trace $O", []byte(nil), []byte("protocol broadcast\nnodes 3\nduration 1s\n"))
	f.Add("check $F", []byte(`{"format": "dsim-kv-history/1", "ops": []}`), []byte(nil))
	f.Add("fuzz broadcast --seeds 2 --shard 1/2 --json", []byte(nil), []byte(nil))
	f.Add("tui $F --keys n --size 40x10", []byte("protocol broadcast\nnodes 3\nduration 1s\n"), []byte(nil))
	f.Fuzz(func(t *testing.T, line string, file, stdin []byte) {
		// Whatever files a command writes land in a directory of its own:
		// the command runs there, and may name no path outside it.
		dir := t.TempDir()
		t.Chdir(dir)
		in := filepath.Join(dir, "in")
		if err := os.WriteFile(in, file, 0o644); err != nil {
			t.Fatal(err)
		}
		var args []string
		for _, a := range strings.Fields(line) {
			if strings.Contains(a, "..") || strings.Contains(a, "/") && !strings.HasPrefix(a, "$") && !builtinName(a) {
				return
			}
			a = strings.ReplaceAll(a, "$F", in)
			a = strings.ReplaceAll(a, "$O", filepath.Join(dir, "out", "o"))
			args = append(args, a)
		}
		if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		var out, errOut bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- RunIO(ctx, args, bytes.NewReader(stdin), &out, &errOut) }()
		var code int
		select {
		case code = <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%q: still running 27s after it was cancelled", line)
		}
		switch code {
		case exitPass, exitFail, exitInterrupted:
		case exitUsage:
			msg := strings.TrimSuffix(errOut.String(), "\n")
			if !strings.HasPrefix(msg, "dsim: ") || strings.Contains(msg, "\n") {
				t.Fatalf("%q: exit 2 without one line naming the problem: %q", line, msg)
			}
			for _, leak := range leaks {
				if strings.Contains(msg, leak) {
					t.Fatalf("%q: Go's internals in the message: %q", line, msg)
				}
			}
		default:
			t.Fatalf("%q: exit code %d is not in the contract", line, code)
		}
	})
}

// builtinName reports whether a is a built-in scenario's name, the one kind
// of argument with a slash that names no path.
func builtinName(a string) bool {
	_, err := scenarios.BuiltinSource(a)
	return err == nil
}
