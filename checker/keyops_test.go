package checker

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestValueIndexListsEveryWrite builds the value index of ops whose values
// are unique or repeated, empty or not, and checks it against a plain
// map: each non-empty value written lists its writes in order, the
// lengths are the distinct ones ascending and the starts are exactly the
// first bytes of the values.
func TestValueIndexListsEveryWrite(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		value := rapid.SampledFrom([]string{"", "a", "b", "ab", "c1.1", "c1.10", "c2.1", "x", "xyz", "c1.100", "0123456789", "9"})
		var ops []kop
		for range rapid.IntRange(0, 30).Draw(t, "ops") {
			kind := rapid.SampledFrom([]OpKind{OpGet, OpPut, OpAppend}).Draw(t, "kind")
			o := kop{kind: kopKindOf(kind)}
			if kind != OpGet {
				o.value = value.Draw(t, "value")
			}
			ops = append(ops, o)
		}
		want := map[string][]int32{}
		var lengths []int
		var starts [256]bool
		for p, o := range ops {
			if o.kind == kopGet || o.value == "" {
				continue
			}
			want[o.value] = append(want[o.value], int32(p))
			lengths = append(lengths, len(o.value))
			starts[o.value[0]] = true
		}
		slices.Sort(lengths)
		lengths = slices.Compact(lengths)

		vi := newValueIndex(ops)
		require.Equal(t, want, tableAsMap(&vi.byValue))
		require.Equal(t, lengths, vi.lengths)
		require.Equal(t, starts, vi.starts)
	})
}

// tableAsMap is what t holds, as a map.
func tableAsMap(t *valueTable) map[string][]int32 {
	m := map[string][]int32{}
	for i := range t.slots {
		if s := &t.slots[i]; s.value != "" {
			m[s.value] = t.writes(s)
		}
	}
	return m
}

// TestValueTableActsAsAMap fills a value table with values that share
// prefixes, lengths and (in a table this small) slots, some more than
// once, and checks it against a map: every value finds its writes, in
// the order added; a string never added (a prefix, an extension, "")
// finds none; each visits every list once; and the count is the map's.
func TestValueTableActsAsAMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pool := []string{"a", "b", "ab", "ba", "c1.1", "c1.10", "c1.100", "c2.1", "c10.1", "x", "xyz", "0123456789"}
		for i := range 40 {
			pool = append(pool, fmt.Sprintf("c%d.%d", i%3, i))
		}
		values := rapid.SliceOfN(rapid.SampledFrom(pool), 0, 40).Draw(t, "values")
		distinct := len(slices.Compact(slices.Sorted(slices.Values(values))))
		tab := newValueTable(distinct)
		want := map[string][]int32{}
		for p, v := range values {
			_, known := want[v]
			require.Equal(t, !known, tab.add(v, int32(p)), v)
			want[v] = append(want[v], int32(p))
		}
		require.Equal(t, len(want), tab.count)
		require.Equal(t, want, tableAsMap(&tab))
		for _, v := range append(pool, "", "c1.", "c1.1000", "zz") {
			got, ok := tab.get(v)
			require.Equal(t, want[v] != nil, ok, v)
			require.Equal(t, want[v], got, v)
		}
		seen := 0
		tab.each(func(writes []int32) {
			seen++
			require.Equal(t, want[values[writes[0]]], writes)
		})
		require.Equal(t, len(want), seen)
	})
}

// TestGroupByKeySortsKeysAndKeepsOrder checks groupByKey against a map
// of each key's op indices: the keys come sorted, each with its ops in
// history order, whatever runs of one key the history has.
func TestGroupByKeySortsKeysAndKeepsOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		key := rapid.SampledFrom([]string{"k1", "k2", "k10", "a", "b", "c", "d", "e", "f", "g", "h", "i"}) // more than groupByKey scans
		var history []Op
		for range rapid.IntRange(0, 40).Draw(t, "ops") {
			history = append(history, Op{Key: key.Draw(t, "key")})
		}
		want := map[string][]int32{}
		for i, op := range history {
			want[op.Key] = append(want[op.Key], int32(i))
		}
		keys, groups := groupByKey(history)
		require.Equal(t, slices.Sorted(maps.Keys(want)), append([]string(nil), keys...)) // nil when empty, as Sorted gives
		require.Len(t, groups, len(keys))
		for i, k := range keys {
			require.Equal(t, want[k], groups[i], "key %s", k)
		}
	})
}

// TestSortByReturn checks the order of a version's reads against a sort by
// (return, position): short lists, which are insertion sorted, and long
// ones, with returns in any order and repeated.
func TestSortByReturn(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 80).Draw(rt, "ops")
		ops := make([]kop, n)
		for i := range ops {
			ops[i].ret = int64(rapid.IntRange(0, 10).Draw(rt, "ret"))
		}
		var reads []int32
		for p := range n {
			if rapid.Bool().Draw(rt, "read") {
				reads = append(reads, int32(p))
			}
		}
		want := slices.Clone(reads)
		slices.SortFunc(want, func(a, b int32) int { return cmp.Or(cmp.Compare(ops[a].ret, ops[b].ret), cmp.Compare(a, b)) })
		sortByReturn(ops, reads)
		require.Equal(rt, want, reads)
	})
}

// TestParseUniqueReadsAlone checks the parse of every read, among reads
// that often repeat the previous read's output (which share its parse),
// against the parse of that read alone among the same writes: the same
// writes, and impossible exactly when it is impossible alone. Outputs are
// parses of the written values, outputs no write explains, and outputs
// that use a write twice.
func TestParseUniqueReadsAlone(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var ops []kop
		var values []string
		for i := range rapid.IntRange(1, 6).Draw(rt, "writes") {
			kind := OpAppend
			if rapid.Bool().Draw(rt, "put") {
				kind = OpPut
			}
			v := fmt.Sprintf("c%d.%d", i%2, i)
			values = append(values, v)
			ops = append(ops, kop{kind: kopKindOf(kind), value: v})
		}
		last := ""
		for range rapid.IntRange(1, 12).Draw(rt, "reads") {
			out := last
			if !rapid.Bool().Draw(rt, "repeat") {
				out = ""
				for range rapid.IntRange(0, 3).Draw(rt, "tokens") {
					out += rapid.SampledFrom(append(values, "x")).Draw(rt, "token")
				}
			}
			last = out
			ops = append(ops, kop{kind: kopGet, output: out})
		}
		u := parseUnique(ops)
		if u == nil {
			return // some read parses two ways: the search decides the key
		}
		impossible := map[int32]bool{}
		for _, p := range u.impossible {
			impossible[p] = true
		}
		for p := range ops {
			if !ops[p].isRead() {
				continue
			}
			alone := slices.Clone(ops)
			for q := range alone {
				if q != p && alone[q].isRead() {
					alone[q].indet = true // no longer a read that constrains anything
				}
			}
			ua := parseUnique(alone)
			require.NotNil(rt, ua)
			span := func(u *uniqueKey) []int32 { return append([]int32{}, u.arena[u.start[p]:u.end[p]]...) }
			require.Equal(rt, span(ua), span(u), "read %d", p)
			require.Equal(rt, len(ua.impossible) > 0, impossible[int32(p)], "read %d", p)
		}
	})
}

// TestOrderByGap checks the order of the blocks that go between forward
// blocks against a sort by (gap, largest call, head), for blocks made in
// order of their heads, as decide makes them: few or many to a gap, calls
// in any order and repeated.
func TestOrderByGap(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		gaps := rapid.IntRange(1, 5).Draw(rt, "gaps")
		n := rapid.IntRange(0, 90).Draw(rt, "blocks")
		backward := make([]block, n)
		gap := make([]int, n)
		head := int32(0)
		for j := range backward {
			head += int32(rapid.IntRange(1, 3).Draw(rt, "head"))
			backward[j] = block{c: int64(rapid.IntRange(0, 12).Draw(rt, "call")), head: head}
			gap[j] = rapid.IntRange(0, gaps-1).Draw(rt, "gap")
		}
		want := make([]int32, n)
		for j := range want {
			want[j] = int32(j)
		}
		slices.SortFunc(want, func(a, b int32) int {
			return cmp.Or(cmp.Compare(gap[a], gap[b]), cmp.Compare(backward[a].c, backward[b].c), cmp.Compare(backward[a].head, backward[b].head))
		})
		require.Equal(rt, want, orderByGap(backward, gap, gaps))
	})
}
