package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dsim run --report writes a self-contained page; --keep-going runs on
// past the first violation and reports the harm too; fuzz --report writes
// one page per failing seed.
func TestRunReportAndKeepGoing(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "r.html")
	_, errOut, code := dsim(t, "run", "raft/election", "--report", page)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "report written to "+page)
	src, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(src), `<svg id="st"`)
	assert.NotContains(t, string(src), "http://cdn", "no network")

	out, _, code := dsim(t, "run", "raft/figure8", "--bug", "commit-old-term", "--keep-going", "--json")
	require.Equal(t, 1, code)
	var res struct {
		Violations []struct{ Kind string } `json:"violations"`
		Elections  int                     `json:"elections"`
		ByKind     map[string]uint64       `json:"messages_by_kind"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	var kinds []string
	for _, v := range res.Violations {
		kinds = append(kinds, v.Kind)
	}
	assert.Equal(t, []string{"commit-current-term", "leader-completeness", "state-machine-safety"}, kinds[:3])
	assert.Positive(t, res.Elections)
	assert.Positive(t, res.ByKind["AppendEntries"])

	_, _, code = dsim(t, "run", "raft/election", "--report", filepath.Join(dir, "no", "such", "dir", "r.html"))
	assert.Equal(t, 2, code)

	out, _, code = dsim(t, "fuzz", "raft/figure8", "--bug", "commit-old-term", "--seeds", "2", "--report", dir)
	require.Equal(t, 1, code)
	assert.Contains(t, out, "report of seed 1 written to "+filepath.Join(dir, "raft-figure8-seed1.html"))
	pages, _ := filepath.Glob(filepath.Join(dir, "raft-figure8-seed*.html"))
	assert.Len(t, pages, 2)
	for _, p := range pages {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.True(t, strings.Contains(string(src), "commit-current-term"), p)
	}
}
