package consistency

import (
	"slices"
	"testing"

	"github.com/dsimlab/dsim/checker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSiblingEncoding(t *testing.T) {
	enc := EncodeSiblings([]string{"c2.5", "c1.3", "c2.5"})
	assert.Equal(t, `siblings["c1.3","c2.5"]`, enc)
	vs, err := ParseOutput(enc)
	require.NoError(t, err)
	assert.Equal(t, []string{"c1.3", "c2.5"}, vs)

	assert.Equal(t, "c1.3", EncodeSiblings([]string{"c1.3"}), "one value is just the value")
	assert.Equal(t, "", EncodeSiblings(nil))
	vs, err = ParseOutput("c1.3c1.4")
	require.NoError(t, err)
	assert.Equal(t, []string{"c1.3c1.4"}, vs)
	vs, err = ParseOutput("siblings") // not followed by [: an ordinary value
	require.NoError(t, err)
	assert.Equal(t, []string{"siblings"}, vs)

	for _, bad := range []string{`siblings[`, `siblings["a"]`, `siblings["b","a"]`, `siblings["a","a"]`, `siblings[1,2]`, `siblings["a","b"]x`} {
		_, err := ParseOutput(bad)
		assert.ErrorIs(t, err, checker.ErrInvalidHistory, "%q", bad)
	}
}

func TestFromCheckerAndBack(t *testing.T) {
	ops := []checker.Op{
		{Client: "c1", Kind: checker.OpPut, Key: "x", Value: "a", Call: 0, Return: 10, Outcome: checker.OutcomeOK},
		{Client: "c2", Kind: checker.OpGet, Key: "x", Output: `siblings["a","b"]`, Call: 20, Return: 30, Outcome: checker.OutcomeOK},
		{Client: "c3", Kind: checker.OpGet, Key: "x", Output: "", Call: 20, Return: 30, Outcome: checker.OutcomeOK},
		{Client: "c3", Kind: checker.OpAppend, Key: "x", Value: "b", Call: 40, Outcome: checker.OutcomeIndeterminate},
	}
	h, err := FromChecker(ops)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, h[1].Values)
	assert.Equal(t, []string{""}, h[2].Values)
	assert.Nil(t, h[3].Values)
	assert.Equal(t, ops, ToChecker(h))

	bad := slices.Clone(ops)
	bad[1].Output = `siblings["a"]`
	_, err = FromChecker(bad)
	assert.ErrorIs(t, err, checker.ErrInvalidHistory)
	assert.Contains(t, err.Error(), "ops[1]")

	bad = slices.Clone(ops)
	bad[0].Output = "a"
	_, err = FromChecker(bad)
	assert.ErrorContains(t, err, "ops[0]: output")

	bad = slices.Clone(ops)
	bad[2].Return = 5
	_, err = FromChecker(bad)
	assert.ErrorContains(t, err, "ops[2]: return 5 before call 20")
}

func TestMalformedHistoriesAreErrors(t *testing.T) {
	cases := map[string]Op{
		"ok get without values":   {Client: "c1", Kind: checker.OpGet, Key: "x", Outcome: checker.OutcomeOK},
		"values on a put":         {Client: "c1", Kind: checker.OpPut, Key: "x", Value: "a", Values: []string{"a"}, Outcome: checker.OutcomeOK},
		"siblings repeat a value": {Client: "c1", Kind: checker.OpGet, Key: "x", Values: []string{"a", "a"}, Outcome: checker.OutcomeOK},
		"no client":               {Kind: checker.OpPut, Key: "x", Value: "a", Outcome: checker.OutcomeOK},
		"unknown kind":            {Client: "c1", Kind: "cas", Key: "x", Outcome: checker.OutcomeOK},
	}
	for name, o := range cases {
		for _, m := range append(Models(), Session) {
			r := Check(m, []Op{o}, Options{})
			assert.ErrorIs(t, r.Err, checker.ErrInvalidHistory, "%s: %s", name, m)
			assert.Equal(t, checker.VerdictUnknown, r.Verdict)
		}
		l := Ladder([]Op{o}, Options{})
		assert.Empty(t, l.Strongest)
		for _, r := range l.Results {
			assert.Error(t, r.Err)
		}
	}
	r := Check("strong", nil, Options{})
	assert.ErrorIs(t, r.Err, ErrUnknownModel)
}

// FuzzParseOutput: the parser never panics, accepts exactly what it can
// re-encode, and EncodeSiblings round-trips every accepted sibling read.
func FuzzParseOutput(f *testing.F) {
	for _, s := range []string{"", "c1.3", `siblings["a","b"]`, `siblings[`, `siblings["b","a"]`, `siblings[""," "]`, "siblings"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := ParseOutput(s)
		if err != nil {
			if len(vs) != 0 {
				t.Fatalf("error %v with values %q", err, vs)
			}
			return
		}
		if len(vs) == 1 {
			if vs[0] != s {
				t.Fatalf("ordinary value %q read as %q", s, vs[0])
			}
			return
		}
		if !slices.IsSorted(vs) || len(slices.Compact(slices.Clone(vs))) != len(vs) {
			t.Fatalf("%q gave unsorted or repeated values %q", s, vs)
		}
		again, err := ParseOutput(EncodeSiblings(vs))
		if err != nil || !slices.Equal(again, vs) {
			t.Fatalf("%q: re-encoding %q gives %q, %v", s, vs, again, err)
		}
	})
}
