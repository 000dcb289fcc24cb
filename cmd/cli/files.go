package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/scenarios"
)

// Files the command line reads and writes. An output is written to a
// temporary file beside it and renamed into place when complete, so a run
// that fails to load leaves nothing, and one that is killed never leaves a
// half-written file that looks whole. Outputs that are not regular files
// (/dev/stdout, a named pipe) are written directly.

// output is one file being written.
type output struct {
	flag string // "--trace", for messages
	name string // the path the user gave
	path string // where it goes
	tmp  string // the temporary file, "" when writing path directly
	f    *os.File
	w    *bufio.Writer
}

// temporaries are the temporary files not yet renamed or removed, so that
// a second Ctrl-C, which exits at once, can remove them.
var temporaries struct {
	sync.Mutex
	paths map[string]bool
}

func removeTemporaries() {
	temporaries.Lock()
	defer temporaries.Unlock()
	for p := range temporaries.paths {
		os.Remove(p)
	}
}

func trackTemporary(p string, on bool) {
	temporaries.Lock()
	defer temporaries.Unlock()
	if temporaries.paths == nil {
		temporaries.paths = map[string]bool{}
	}
	if on {
		temporaries.paths[p] = true
	} else {
		delete(temporaries.paths, p)
	}
}

// createOutput starts writing the output a flag names: it checks at once
// that the file can be written, before a long run, without creating it.
func createOutput(flag, path string) (*output, error) {
	o := &output{flag: flag, path: path, name: path}
	target := path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		target = real // write through a symlink, as os.Create would
	}
	st, err := os.Stat(target)
	switch {
	case err == nil && st.IsDir():
		return nil, usagef("%s %s: is a directory", flag, path)
	case err == nil && !st.Mode().IsRegular():
		// A device or a pipe: there is nothing to rename onto.
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", flag, err)}
		}
		o.f = f
	default:
		f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = fmt.Errorf("cannot write %s: %w", path, pe.Err)
			}
			return nil, usageError{fmt.Errorf("%s: %w", flag, err)}
		}
		o.f, o.tmp, o.path = f, f.Name(), target
		trackTemporary(o.tmp, true)
	}
	o.w = bufio.NewWriterSize(o.f, 1<<16)
	return o, nil
}

// Write implements io.Writer.
func (o *output) Write(b []byte) (int, error) { return o.w.Write(b) }

// commit finishes the file and puts it in place.
func (o *output) commit() error {
	err := o.w.Flush()
	if o.tmp != "" {
		if err == nil {
			err = o.f.Chmod(0o644)
		}
		if err == nil {
			err = o.f.Sync()
		}
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if o.tmp != "" {
		if err == nil {
			err = os.Rename(o.tmp, o.path)
		}
		if err != nil {
			os.Remove(o.tmp)
		}
		trackTemporary(o.tmp, false)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", o.flag, err)
	}
	return nil
}

// abort drops the file: nothing is left where it would have gone.
func (o *output) abort() {
	if o == nil || o.f == nil {
		return
	}
	o.f.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
		trackTemporary(o.tmp, false)
	}
	o.f = nil
}

// writeOutput writes a whole output at once.
func writeOutput(flag, path string, write func(io.Writer) error) error {
	o, err := createOutput(flag, path)
	if err != nil {
		return err
	}
	if err := write(o); err != nil {
		o.abort()
		return fmt.Errorf("%s: %w", flag, err)
	}
	return o.commit()
}

// checkWritable reports early, before a long run, that an output a flag
// names cannot be written; it leaves nothing behind.
func checkWritable(flag, path string) error {
	o, err := createOutput(flag, path)
	if err != nil {
		return err
	}
	o.abort()
	return nil
}

// sameFile reports whether two paths name one file: the same file on disk
// if they exist, or the same path if not.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// checkOutputs refuses outputs that would overwrite an input file, or each
// other (two formats interleaved in one file). inputs are the files the
// command reads, by what they are ("the scenario"); outputs are flag and
// path pairs, empty paths left out.
func checkOutputs(inputs map[string]string, outputs ...[2]string) error {
	for i, o := range outputs {
		if o[1] == "" {
			continue
		}
		for what, in := range inputs {
			if in != "" && in != "-" && sameFile(o[1], in) {
				return usagef("%s %s is %s being read: writing it would destroy it; name another file", o[0], o[1], what)
			}
		}
		for _, p := range outputs[:i] {
			if p[1] != "" && sameFile(o[1], p[1]) {
				return usagef("%s and %s both name %s: give each its own file", p[0], o[0], o[1])
			}
		}
	}
	return nil
}

// loadScenario resolves a scenario argument: "-" reads standard input.
func loadScenario(arg string, stdin io.Reader) (*scenarios.Scenario, error) {
	if arg == "-" {
		return scenarios.Parse("-", stdin)
	}
	return scenarios.Load(arg)
}

// scenarioFile returns the file a scenario argument reads, or "" for a
// built-in one or standard input.
func scenarioFile(arg string) string {
	if arg == "-" {
		return ""
	}
	if st, err := os.Stat(arg); err == nil && st.Mode().IsRegular() {
		return arg
	}
	return ""
}

// readHistoryFile parses a history file; "-" reads standard input.
func readHistoryFile(path string, stdin io.Reader) ([]checker.Op, error) {
	name, r := path, stdin
	if path != "-" {
		st, err := os.Stat(path)
		if err == nil && st.IsDir() {
			return nil, usagef("%s is a directory, not a history file", path)
		}
		f, err := os.Open(path)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = fmt.Errorf("%s: %w", path, pe.Err)
			}
			return nil, usageError{err}
		}
		defer f.Close()
		r = f
	} else {
		name = "stdin"
	}
	ops, err := checker.ParseHistory(r)
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", name, err)}
	}
	return ops, nil
}
