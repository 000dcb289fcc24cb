package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// The built-in scenarios are ordinary scenario files, embedded in the binary
// and named by their path under catalog/ without the extension:
// catalog/raft/leader-crash.scn is "raft/leader-crash".
//
//go:embed catalog
var catalog embed.FS

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
	if !fs.ValidPath(name) {
		return nil, unknownScenario(name)
	}
	src, err := catalog.ReadFile(path.Join("catalog", name+".scn"))
	if err != nil {
		return nil, unknownScenario(name)
	}
	return src, nil
}

// ErrUnknownScenario is matched by errors for names that are neither
// built-in scenarios nor files.
var ErrUnknownScenario = errors.New("unknown scenario")

func unknownScenario(name string) error {
	hint := "dsim list shows the catalogue"
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

// suggest returns the built-in name closest to name, if any is close.
func suggest(name string) string {
	best, bestD := "", 4
	for _, n := range Names() {
		if d := distance(name, n); d < bestD {
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

// Names lists the built-in scenarios, sorted by protocol and name.
func Names() []string {
	var names []string
	fs.WalkDir(catalog, "catalog", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".scn") {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(p, "catalog/"), ".scn"))
		}
		return nil
	})
	slices.Sort(names)
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
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		f, err := os.Open(arg)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return Parse(arg, f)
	}
	if strings.HasSuffix(arg, ".scn") {
		return nil, fmt.Errorf("%w: no such file %s", ErrUnknownScenario, arg)
	}
	return Builtin(arg)
}
