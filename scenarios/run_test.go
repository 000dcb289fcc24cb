package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBroadcastScenariosPass(t *testing.T) {
	for _, name := range []string{"broadcast/basic", "broadcast/partition-heal", "broadcast/lossy", "broadcast/crash-restart", "broadcast/no-retry-bug"} {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			require.NoError(t, err)
			res, err := RunScenario(s, RunOptions{Seed: 1})
			require.NoError(t, err)
			assert.True(t, res.Pass, "%+v", res)
			assert.Equal(t, "skipped", res.Linearizable)
		})
	}
}
