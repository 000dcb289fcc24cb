package raft

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOnlySetHardStateWritesTermAndVote holds the package to what Step
// counts on when it looks for a changed term or vote only after a step
// that called setHardState: no other code assigns a node's term or vote,
// increments them or takes their address, recoverState (before the
// factory records what it recovered) aside. Fields are told apart by
// their types, so another struct's term is not one.
func TestOnlySetHardStateWritesTermAndVote(t *testing.T) {
	fset := token.NewFileSet()
	dir, err := os.ReadDir(".")
	require.NoError(t, err)
	var files []*ast.File
	for _, e := range dir {
		if name := e.Name(); strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			f, err := parser.ParseFile(fset, name, nil, 0)
			require.NoError(t, err)
			files = append(files, f)
		}
	}
	info := &types.Info{Selections: map[*ast.SelectorExpr]*types.Selection{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("github.com/dsimlab/dsim/protocols/raft", fset, files, info)
	require.NoError(t, err)
	node := pkg.Scope().Lookup("node").Type().Underlying().(*types.Struct)
	guarded := map[types.Object]bool{}
	for i := range node.NumFields() {
		if f := node.Field(i); f.Name() == "term" || f.Name() == "vote" {
			guarded[f] = true
		}
	}
	require.Len(t, guarded, 2)

	allowed := map[string]bool{"setHardState": true, "recoverState": true}
	writes := 0
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			// written reports whether e is a node's term or vote.
			written := func(e ast.Expr) {
				sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
				if !ok || !guarded[info.Selections[sel].Obj()] {
					return
				}
				writes++
				if !allowed[fn.Name.Name] {
					t.Errorf("%s: %s writes %s: only setHardState may (Step persists term and vote only after a step that called it)",
						fset.Position(sel.Pos()), fn.Name.Name, sel.Sel.Name)
				}
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					for _, lhs := range n.Lhs {
						written(lhs)
					}
				case *ast.IncDecStmt:
					written(n.X)
				case *ast.UnaryExpr:
					if n.Op == token.AND {
						written(n.X)
					}
				}
				return true
			})
		}
	}
	require.Equal(t, 4, writes, "setHardState's and recoverState's writes of term and vote: is the test still looking?")
}
