package checker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonText is how a string appears inside the data porcupine embeds.
func jsonText(t *testing.T, s string) string {
	b, err := json.Marshal(s)
	require.NoError(t, err)
	return strings.Trim(string(b), `"`)
}

func TestWriteHTML(t *testing.T) {
	h := []Op{
		op("c1", OpPut, "x", "1", 10, 20),
		with(op("c2", OpAppend, "y", "z", 15, 0), OutcomeIndeterminate),
		op("c2", OpGet, "x", "1", 30, 40),
		with(op("c3", OpPut, "x", "2", 35, 45), OutcomeFailed),
	}
	notes := []Annotation{
		{Lane: "faults", Start: 12, End: 33, Text: "partition {n1} | {n2,n3}"},
		{Start: 25, Text: "crash n2"},
		{Lane: "c2", Start: 28, Text: "retry"},
	}
	var b bytes.Buffer
	res := CheckKV(h, 0)
	require.Equal(t, VerdictOK, res.Verdict)
	require.NoError(t, WriteHTML(&b, h, res, notes))
	html := b.String()
	assert.True(t, strings.HasPrefix(strings.ToLower(html), "<!doctype html"), "starts with %q", html[:min(len(html), 40)])
	for _, want := range []string{
		"partition {n1} | {n2,n3}",
		"crash n2",
		"retry",
		`put(x, "1")`,
		`get(x) -> "1"`,
		`append(y, "z") -> ?`,
		`put(x, "2") failed`,
		"client c2, ops[1], indeterminate: never returned",
	} {
		assert.Contains(t, html, jsonText(t, want))
	}
	assert.Contains(t, html, `"Tag":"faults"`)
}

func TestWriteHTMLVerdicts(t *testing.T) {
	t.Run("illegal", func(t *testing.T) {
		var b bytes.Buffer
		h := readFixture(t, "testdata/illegal/stale-read-after-write.json")
		res := CheckKV(h, 0)
		require.Equal(t, VerdictIllegal, res.Verdict)
		require.NoError(t, WriteHTML(&b, h, res, nil))
		assert.Contains(t, b.String(), jsonText(t, `get(x) -> ""`))
		assert.Contains(t, b.String(), "have no linearization")
	})
	t.Run("illegal draws only the witnesses", func(t *testing.T) {
		var b bytes.Buffer
		h := readFixture(t, "testdata/illegal/one-bad-key-among-good.json")
		res := CheckKV(h, 0)
		require.Equal(t, []string{"b"}, res.IllegalKeys)
		require.NoError(t, WriteHTML(&b, h, res, nil))
		html := b.String()
		for i, o := range h {
			desc := describeCall(&kvInput{kind: o.Kind, key: o.Key, value: o.Value})
			if slices.Contains(res.Keys[1].Witness, i) {
				assert.Contains(t, html, jsonText(t, desc), "witness op %d", i)
			} else if o.Key != "b" {
				assert.NotContains(t, html, jsonText(t, desc), "op %d of an ok key", i)
			}
		}
		assert.Contains(t, html, fmt.Sprintf("b: these %d of its", len(res.Keys[1].Witness)))
	})
	t.Run("unknown still draws", func(t *testing.T) {
		var b bytes.Buffer
		h := hardHistory("x", 20)
		res := CheckKV(h, 1000)
		require.Equal(t, VerdictUnknown, res.Verdict)
		require.NoError(t, WriteHTML(&b, h, res, nil))
		assert.Contains(t, b.String(), jsonText(t, `get(x) -> "!"`))
		assert.Contains(t, b.String(), "undecided within the budget of 1000 steps")
	})
	t.Run("a dsim history, replayed as found", func(t *testing.T) {
		var b bytes.Buffer
		h := genDsim(dsimConfig{ops: 600, clients: 10, keys: 3, indeterminate: 0.02, seed: 9})
		res := CheckKV(h, 0)
		require.Equal(t, VerdictOK, res.Verdict)
		require.NoError(t, WriteHTML(&b, h, res, nil), "porcupine follows every order to the end")
	})
	t.Run("empty history, notes only", func(t *testing.T) {
		var b bytes.Buffer
		res := CheckKV(nil, 0)
		require.NoError(t, WriteHTML(&b, nil, res, []Annotation{{Start: 1, Text: "nothing happened"}}))
		assert.Contains(t, b.String(), "nothing happened")
	})
	t.Run("malformed", func(t *testing.T) {
		var b bytes.Buffer
		h := []Op{op("", OpGet, "x", "", 0, 1)}
		err := WriteHTML(&b, h, CheckKV(h, 0), nil)
		require.ErrorIs(t, err, ErrInvalidHistory)
		assert.Zero(t, b.Len())
	})
	t.Run("result of another history", func(t *testing.T) {
		var b bytes.Buffer
		h := []Op{op("c1", OpGet, "x", "", 0, 1)}
		err := WriteHTML(&b, append(h, h...), CheckKV(h, 0), nil)
		require.ErrorContains(t, err, "not this one of 2")
		assert.Zero(t, b.Len())
	})
}

func TestAssignLanes(t *testing.T) {
	h := []Op{
		op("c10", OpGet, "x", "", 0, 10),
		op("c2", OpGet, "x", "", 0, 10),
		with(op("c2", OpPut, "x", "1", 20, 0), OutcomeIndeterminate), // never ends: c2 needs a second row
		op("c2", OpGet, "x", "", 30, 40),
		op("c2", OpGet, "x", "", 40, 50), // touches the previous op: closed intervals overlap
		op("c2", OpGet, "x", "", 60, 70),
		op("c1", OpGet, "x", "", 0, 10),
	}
	lanes, first := assignLanes(h)
	assert.Equal(t, map[string]int{"c1": 0, "c2": 1, "c10": 4}, first)
	assert.Equal(t, []int{4, 1, 1, 2, 3, 2, 0}, lanes)
}

func TestCompareNatural(t *testing.T) {
	got := []string{"c10", "c2", "c1", "b", "c01", "a10b", "a9z", "client", ""}
	slices.SortFunc(got, compareNatural)
	assert.Equal(t, []string{"", "a9z", "a10b", "b", "c01", "c1", "c2", "c10", "client"}, got)
}

// A history too long to draw is refused, not drawn in gigabytes.
func TestWriteHTMLRefusesWhatItCannotDraw(t *testing.T) {
	var ops []Op
	for i := range MaxDrawnPerKey + 1 {
		ops = append(ops, Op{Client: "c1", Kind: OpPut, Key: "k", Value: fmt.Sprintf("v%d", i), Call: int64(2 * i), Return: int64(2*i + 1), Outcome: OutcomeOK})
	}
	res := CheckKV(ops, 0)
	require.Equal(t, VerdictOK, res.Verdict)
	err := WriteHTML(io.Discard, ops, res, nil)
	assert.ErrorContains(t, err, `key "k" has more than 30000 ops to draw`)
}
