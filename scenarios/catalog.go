package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// The built-in scenarios are ordinary scenario files in the catalogues of
// the registered protocols (Protocol.Catalog), named by their path there
// without the extension: raft's catalog/raft/leader-crash.scn is
// "raft/leader-crash".

// Builtin returns the built-in scenario called name.
func Builtin(name string) (*Scenario, error) {
	src, err := BuiltinSource(name)
	if err != nil {
		return nil, err
	}
	return Parse(name, bytes.NewReader(src))
}

// BuiltinSource returns the text of a built-in scenario, comments and all,
// as `dsim show` prints it.
func BuiltinSource(name string) ([]byte, error) {
	registry.RLock()
	i, ok := slices.BinarySearchFunc(registry.scenarios, name, byName)
	var e catalogEntry
	if ok {
		e = registry.scenarios[i]
	}
	registry.RUnlock()
	if !ok {
		return nil, unknownScenario(name)
	}
	src, err := fs.ReadFile(e.protocol.Catalog, e.path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return src, nil
}

// ErrUnknownScenario is matched by errors for names that are neither
// built-in scenarios nor files.
var ErrUnknownScenario = errors.New("unknown scenario")

func unknownScenario(name string) error {
	hint := Command + " list shows the catalogue"
	var ofProtocol []string
	for _, n := range Names() {
		if strings.HasPrefix(n, name+"/") {
			ofProtocol = append(ofProtocol, n)
		}
	}
	switch near := suggest(name); {
	case len(ofProtocol) > 0:
		hint = name + " is a protocol; its scenarios are " + strings.Join(ofProtocol, ", ")
	case near != "":
		hint = "did you mean " + near + "? " + hint
	}
	return fmt.Errorf("%w %q: not a built-in scenario or a file (%s)", ErrUnknownScenario, name, hint)
}

// suggest returns the built-in name closest to name, if any is close. A
// name without its protocol ("leader-crash") is compared with each
// scenario's name within its protocol too, so it finds raft/leader-crash.
func suggest(name string) string {
	best, bestD := "", 4
	for _, n := range Names() {
		d := distance(name, n)
		if _, short, ok := strings.Cut(n, "/"); ok && !strings.Contains(name, "/") {
			d = min(d, distance(name, short))
		}
		if d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Names lists the built-in scenarios, sorted by name.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, len(registry.scenarios))
	for i, e := range registry.scenarios {
		names[i] = e.name
	}
	return names
}

// All parses every built-in scenario.
func All() ([]*Scenario, error) {
	var out []*Scenario
	for _, n := range Names() {
		s, err := Builtin(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Load resolves what a user typed: a built-in name, or a path to a
// scenario file. A name that is both prefers the file, so an edited copy
// saved under the same relative path runs as edited.
func Load(arg string) (*Scenario, error) {
	st, err := os.Stat(arg)
	if err == nil && st.IsDir() && (strings.HasSuffix(arg, ".scn") || !validName(arg)) {
		return nil, fmt.Errorf("%s is a directory, not a scenario file", arg)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !validName(arg) {
		return nil, pathError(arg, err) // permission denied, a path through a file, ...
	}
	if err == nil && !st.IsDir() {
		f, err := os.Open(arg)
		if err != nil {
			return nil, pathError(arg, err)
		}
		defer f.Close()
		return Parse(arg, f)
	}
	if strings.HasSuffix(arg, ".scn") {
		return nil, fmt.Errorf("%w: no such file %s", ErrUnknownScenario, arg)
	}
	return Builtin(arg)
}

// pathError says what went wrong with a path in the words of the path the
// user typed ("x.scn: permission denied"), not the system call's.
func pathError(arg string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", arg, pe.Err)
	}
	return err
}

// validName reports whether name could be a built-in scenario's name.
func validName(name string) bool {
	_, err := BuiltinSource(name)
	return err == nil
}
