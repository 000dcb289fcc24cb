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
