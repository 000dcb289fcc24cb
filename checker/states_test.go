package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestStateTableNamesEachStringOnce(t *testing.T) {
	st := newStateTable()
	ab := st.of("ab")
	a := st.of("a")
	assert.Equal(t, ab, st.appendTo(a, st.valueID("b")), `"a" + "b" is "ab"`)
	assert.Equal(t, ab, st.appendTo(initial, st.valueID("ab")), `"" + "ab" is "ab"`)
	assert.Equal(t, initial, st.appendTo(initial, st.valueID("")), `"" + "" is ""`)
	assert.NotEqual(t, ab, st.of("ba"))
	assert.Equal(t, "ab", st.String(ab))
}

// Whatever puts and appends build a state, its id is equal to another's iff
// their strings are.
func TestStateTableIdsAreCanonical(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st := newStateTable()
		pieces := rapid.SliceOfN(rapid.SampledFrom([]string{"", "a", "b", "ab", "ba", "aab"}), 1, 8)
		byString := map[string]int32{}
		for range rapid.IntRange(1, 20).Draw(t, "states") {
			p := pieces.Draw(t, "pieces")
			id, s := st.of(p[0]), p[0]
			for _, v := range p[1:] {
				id, s = st.appendTo(id, st.valueID(v)), s+v
			}
			require.Equal(t, s, st.String(id))
			if prev, ok := byString[s]; ok {
				require.Equal(t, prev, id, "%q named twice", s)
			}
			byString[s] = id
		}
		seen := map[int32]string{}
		for s, id := range byString {
			if other, ok := seen[id]; ok {
				t.Fatalf("%q and %q share id %d", s, other, id)
			}
			seen[id] = s
		}
	})
}
