package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/scenarios"
)

// docs/protocols.md is generated from the descriptions; it must not drift.
func TestProtocolsDoc(t *testing.T) {
	var b bytes.Buffer
	protocolsDoc(&b)
	path := filepath.Join("..", "..", "docs", "protocols.md")
	if *update {
		require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), b.String(), "docs/protocols.md is out of date: go test ./cmd/cli -run TestProtocolsDoc -update")
}

func TestListProtocolsAndShowOne(t *testing.T) {
	out, _, code := dsim(t, "list", "--protocols", "--json")
	require.Equal(t, 0, code)
	var rows []protocolRow
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, len(scenarios.ProtocolNames()))
	for _, r := range rows {
		assert.NotEmpty(t, r.Summary, r.Name)
		assert.Positive(t, r.Scenarios, "%s has scenarios", r.Name)
	}
	out, _, code = dsim(t, "list", "--protocols")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "linearizable")

	out, _, code = dsim(t, "show", "raft")
	require.Equal(t, 0, code)
	for _, want := range []string{"## raft", "| `option heartbeat` | 50ms |", "`leader` (leads)", "`local-reads`", "raft/figure8"} {
		assert.Contains(t, out, want)
	}
	_, errOut, code := dsim(t, "list", "--protocols", "--bugs")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "ask for one")
}

// dsim check judges a history file against any rung of the ladder but
// eventual (which needs the replicas' final states).
func TestCheckModel(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "h.json")
	_, _, code := dsim(t, "run", "raft/local-reads", "--history", hist)
	require.Equal(t, 0, code, "the scenario passes by finding its expected violation")
	out, _, code := dsim(t, "check", hist, "--model", "causal")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "strongest rung reached: session")
	assert.Contains(t, out, "causal: illegal: causal-reversal on key k1")
	out, _, code = dsim(t, "check", hist, "--model", "ryw")
	assert.Equal(t, 0, code, out)
	_, errOut, code := dsim(t, "check", hist, "--model", "bogus")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown consistency model "bogus"`)
	_, errOut, code = dsim(t, "check", hist, "--model", "eventual")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "final states")
}
