package checker

import (
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
