package scenarios

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/dsimlab/dsim"

// The import table of docs/architecture.md, as a test so that it cannot rot. For each
// package (by its path in the module), which module packages and which
// third-party modules it may import; the standard library is always allowed.
// testLibraries are what the test helper packages may use beyond the
// standard library: datadriven for scripts, rapid for property tests.
var testLibraries = []string{"github.com/cockroachdb/datadriven", "pgregory.net/rapid"}

func allowedImports(pkg string) (internal func(string) bool, thirdParty []string, ok bool) {
	is := func(paths ...string) func(string) bool {
		return func(p string) bool { return slices.Contains(paths, p) }
	}
	protocolPkg := func(p string) bool {
		return p == "protocols" || p == "clock" || (strings.HasPrefix(p, "protocols/") && p != "protocols/prototest")
	}
	switch {
	case pkg == "clock":
		return is(), nil, true
	case pkg == "protocols":
		return is("clock"), nil, true
	case pkg == "protocols/prototest":
		// The scripts' harness, and the draws of the property tests.
		return is("clock", "protocols"), testLibraries, true
	case strings.HasPrefix(pkg, "protocols/") && strings.HasSuffix(pkg, "test"):
		// Test helper packages (like etcd's rafttest) may use the script harness.
		return func(p string) bool { return protocolPkg(p) || p == "protocols/prototest" }, testLibraries, true
	case strings.HasPrefix(pkg, "protocols/"):
		return protocolPkg, nil, true
	case pkg == "net":
		return is("clock", "protocols"), nil, true
	case pkg == "sim":
		return is("clock", "net", "protocols"), nil, true
	case pkg == "checker":
		return is(), []string{"github.com/anishathalye/porcupine"}, true
	case pkg == "checker/consistency":
		return is("checker"), []string{"github.com/anishathalye/porcupine"}, true
	case pkg == "scenarios" || strings.HasPrefix(pkg, "scenarios/"):
		return func(p string) bool { return !strings.HasPrefix(p, "tui") && !strings.HasPrefix(p, "cmd") }, []string{"*"}, true
	case pkg == "tui" || strings.HasPrefix(pkg, "tui/"):
		return func(p string) bool { return !strings.HasPrefix(p, "cmd") }, []string{"*"}, true
	case strings.HasPrefix(pkg, "cmd/"):
		return func(string) bool { return true }, []string{"*"}, true
	}
	return nil, nil, false
}

func TestImportGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		internal, third, ok := allowedImports(pkg)
		if !ok {
			t.Errorf("package %s has no row in the import table: add one here and in docs/architecture.md", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			switch {
			case strings.HasPrefix(imp, module+"/"):
				if dep := strings.TrimPrefix(imp, module+"/"); !internal(dep) {
					t.Errorf("%s imports %s: the import table forbids it", pkg, dep)
				}
			case strings.Contains(strings.Split(imp, "/")[0], "."):
				if strings.Contains(imp, "charmbracelet") && !strings.HasPrefix(pkg, "tui") {
					t.Errorf("%s imports %s: bubbletea and friends live only in tui", pkg, imp)
				}
				if !slices.Contains(third, "*") && !slices.ContainsFunc(third, func(m string) bool { return strings.HasPrefix(imp, m) }) {
					t.Errorf("%s imports %s: only the standard library%s is allowed there", pkg, imp, orList(third))
				}
			}
		}
	}
}

func orList(mods []string) string {
	if len(mods) == 0 {
		return ""
	}
	return " and " + strings.Join(mods, ", ")
}

// The determinism lint: simulated code (clock, net, sim, protocols) must not
// start goroutines, use channels or sync, read or wait on real time, or draw
// from global or crypto randomness. Each finding names the file and line.
func TestDeterminismLint(t *testing.T) {
	root := filepath.Join("..")
	var findings []string
	for _, dir := range []string{"clock", "net", "sim", "protocols"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			findings = append(findings, lintFile(t, path)...)
			return nil
		})
		require.NoError(t, err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}

var forbiddenImports = map[string]string{
	"sync":        "shared-memory concurrency",
	"sync/atomic": "shared-memory concurrency",
	"math/rand":   "global randomness (use the *rand.Rand from math/rand/v2 handed to you)",
	"crypto/rand": "non-reproducible randomness",
	"os":          "the operating system",
	"net/http":    "real networking",
}

var forbiddenTime = []string{"Now", "Since", "Until", "Sleep", "After", "AfterFunc", "Tick", "NewTimer", "NewTicker"}

// randAllowed are the math/rand/v2 names that do not touch the global source.
var randAllowed = []string{"New", "NewPCG", "NewChaCha8", "NewZipf", "Rand", "PCG", "ChaCha8", "Source", "Zipf"}

func lintFile(t *testing.T, path string) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	require.NoError(t, err)
	var out []string
	report := func(n ast.Node, format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), fmt.Sprintf(format, args...)))
	}
	names := map[string]string{} // local name -> import path
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if why, bad := forbiddenImports[p]; bad {
			report(imp, "imports %s: %s breaks determinism", p, why)
		}
		name := filepath.Base(p)
		if p == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		names[name] = p
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n, "go statement: simulated code is single-threaded")
		case *ast.ChanType:
			report(n, "channel type: simulated code is single-threaded")
		case *ast.SendStmt:
			report(n, "channel send")
		case *ast.SelectStmt:
			report(n, "select statement")
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				report(n, "channel receive")
			}
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				break
			}
			switch names[id.Name] {
			case "time":
				if slices.Contains(forbiddenTime, n.Sel.Name) {
					report(n, "time.%s reads or waits on real time; use the virtual time of each input", n.Sel.Name)
				}
			case "math/rand/v2":
				if !slices.Contains(randAllowed, n.Sel.Name) {
					report(n, "rand.%s draws from the global source; use the node's own *rand.Rand", n.Sel.Name)
				}
			}
		}
		return true
	})
	return out
}

// The lint itself must catch what it claims to.
func TestDeterminismLintCatches(t *testing.T) {
	dir := t.TempDir()
	src := `package bad
import (
	"math/rand/v2"
	"sync"
	"time"
)
var mu sync.Mutex
func f(c chan int) {
	go func() {}()
	_ = time.Now()
	_ = rand.IntN(3)
	_ = rand.New(rand.NewPCG(1, 2))
	c <- 1
	<-c
}
`
	path := filepath.Join(dir, "bad.go")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	got := strings.Join(lintFile(t, path), "\n")
	for _, want := range []string{"bad.go:4:2: imports sync", "bad.go:8:10: channel type", "bad.go:9:2: go statement", "bad.go:10:6: time.Now", "bad.go:11:6: rand.IntN", "bad.go:13:2: channel send", "bad.go:14:2: channel receive"} {
		require.Contains(t, got, want)
	}
	require.NotContains(t, got, "rand.New ", "rand.New with a seeded source is allowed")
}
