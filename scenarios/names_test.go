package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// The probe counter counts as a map would, whether a name comes as the
// same string each time, as a copy of it (other bytes, same text), or as
// one of many names whose addresses share a slot of its table.
func TestProbeCountsActsAsAMap(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		names := make([]string, 100)
		for i := range names {
			names[i] = "probe-" + strings.Repeat("x", i%7) + string(rune('a'+i%26))
		}
		var p probeCounts
		want := map[string]int{}
		for range rapid.IntRange(0, 300).Draw(rt, "firings") {
			name := names[rapid.IntRange(0, len(names)-1).Draw(rt, "name")]
			if rapid.Bool().Draw(rt, "copy") {
				name = strings.Clone(name)
			}
			p.add(name)
			want[name]++
		}
		if len(want) == 0 {
			require.Nil(rt, p.asMap())
		} else {
			require.Equal(rt, want, p.asMap())
		}
		for _, name := range names {
			require.Equal(rt, want[name], p.count(name), name)
		}
	})
}
