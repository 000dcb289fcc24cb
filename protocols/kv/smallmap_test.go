package kv

import (
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// smallMap answers as a Go map does, whether a key is given as the very
// string first set, a copy of it, or a string that starts where a longer
// key lies; past smallMapScan keys too.
func TestSmallMapIsAMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := rapid.SliceOfNDistinct(rapid.StringMatching(`k[0-9]{0,3}`), 1, 40, rapid.ID).Draw(t, "names")
		var m smallMap[string, int]
		want := map[string]int{}
		for step := range rapid.IntRange(1, 200).Draw(t, "steps") {
			k := names[rapid.IntRange(0, len(names)-1).Draw(t, "key")]
			switch rapid.IntRange(0, 2).Draw(t, "form") {
			case 1:
				k = strings.Clone(k)
			case 2:
				k = k[:rapid.IntRange(0, len(k)).Draw(t, "prefix")] // where k lies, shorter
			}
			if rapid.Bool().Draw(t, "set") {
				m.set(k, step)
				want[k] = step
			}
			got, ok := m.get(k)
			w, wok := want[k]
			if got != w || ok != wok {
				t.Fatalf("get(%q) = %d, %v; want %d, %v", k, got, ok, w, wok)
			}
		}
		if m.len() != len(want) {
			t.Fatalf("len %d, want %d", m.len(), len(want))
		}
	})
}

// sorted lists the keys in increasing order however keys are added
// between its calls: the order it keeps is sorted again when a key is new.
func TestSmallMapSortedIsTheKeysSorted(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-z]{0,3}`), 1, 40, rapid.ID).Draw(t, "names")
		var m smallMap[string, int]
		for step := range rapid.IntRange(1, 100).Draw(t, "steps") {
			m.set(names[rapid.IntRange(0, len(names)-1).Draw(t, "key")], step)
			if !rapid.Bool().Draw(t, "look") {
				continue
			}
			var got []string
			for _, i := range m.sorted() {
				got = append(got, m.keys[i])
			}
			if want := slices.Sorted(slices.Values(m.keys)); !slices.Equal(got, want) {
				t.Fatalf("sorted keys %q, want %q", got, want)
			}
		}
	})
}
