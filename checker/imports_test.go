package checker

import (
	"go/ast"
	goparser "go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The checker judges the simulator, so it must not depend on it (see
// doc.go): production files import porcupine and the standard library only.
// Tests may also use testify and rapid.
func TestImportsOnlyPorcupineAndStdlib(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := goparser.ParseFile(fset, file, nil, goparser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			stdlib := !strings.Contains(strings.Split(path, "/")[0], ".")
			require.True(t, stdlib || path == "github.com/anishathalye/porcupine",
				"%s imports %s", file, path)
		}
	}
}

// No verdict may depend on the wall clock (see doc.go): production files
// never read the time, wait for it, or ask porcupine for a time limit.
func TestNoWallClock(t *testing.T) {
	forbidden := map[string]bool{
		"time.Now": true, "time.Since": true, "time.Until": true, "time.After": true,
		"time.AfterFunc": true, "time.NewTimer": true, "time.NewTicker": true, "time.Tick": true, "time.Sleep": true,
		"context.WithTimeout": true, "context.WithDeadline": true,
		"porcupine.CheckOperationsTimeout": true, "porcupine.CheckEventsTimeout": true,
	}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := goparser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && forbidden[pkg.Name+"."+sel.Sel.Name] {
					t.Errorf("%s: %s.%s", fset.Position(sel.Pos()), pkg.Name, sel.Sel.Name)
				}
			}
			return true
		})
	}
}
