package scenarios

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docs/scenarios.md names every chaos class a scenario may list (outage
// was once missing) and every kind of line Parse takes.
func TestScenarioDocsListEverything(t *testing.T) {
	data, err := os.ReadFile("../docs/scenarios.md")
	require.NoError(t, err)
	doc := string(data)
	line := regexp.MustCompile("(?m)^\\| `chaos swarm.*$").FindString(doc)
	require.NotEmpty(t, line, "the chaos line of the settings table")
	for _, c := range FaultClasses() {
		assert.Regexp(t, "[ `]"+c+"[ `]", line, "chaos class %s is not in docs/scenarios.md", c)
	}
	for _, d := range directiveOrder {
		assert.True(t, strings.Contains(doc, "`"+d+" ") || strings.Contains(doc, "`"+d+"`"), "setting %s is not in docs/scenarios.md", d)
	}
}
