package dsimtest_test

import (
	"testing"

	"github.com/dsimlab/dsim/scenarios"
	"github.com/dsimlab/dsim/scenarios/dsimtest"
)

// Every protocol dsim ships passes the checklist: complete description,
// documented options, a chaos target that correct code passes, declared
// messages, roles and probes, every bug caught by a sweep with an exact
// repro, and the package files every protocol has.
func TestEveryProtocolPassesTheChecklist(t *testing.T) {
	for _, p := range scenarios.BuiltinProtocols {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			dsimtest.Checklist(t, p, dsimtest.ChecklistOptions{})
		})
	}
}
