package checker

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Every file under testdata/malformed, with the exact message a person
// would see. The positions are part of the contract: they must point at the
// offending token (or, for whole-op problems, at the op's opening brace).
var malformedFixtures = map[string]string{
	"bad-time-unit.json":             `line 3 column 16: time_unit "sec" is not supported (want ns, us, ms or s)`,
	"duplicate-field.json":           `line 4 column 87: ops[0]: duplicate field "call"`,
	"empty-client.json":              `line 4 column 5: ops[0]: client is empty`,
	"empty-file.json":                `empty file: want a JSON object {"format": "dsim-kv-history/1", "ops": [...]}`,
	"failed-get-with-output.json":    `line 4 column 47: ops[0]: only an ok get has an "output", not failed get`,
	"fractional-time.json":           `line 5 column 69: ops[0].call: want an integer, got 1.5`,
	"get-with-value.json":            `line 4 column 47: ops[0]: a get takes no "value" (did you mean "output"?)`,
	"indeterminate-with-return.json": `line 4 column 73: ops[0]: an indeterminate op has no "return" (it may take effect at any time after its call)`,
	"missing-format.json":            `line 1 column 1: missing "format" (want "dsim-kv-history/1")`,
	"missing-key.json":               `line 4 column 5: ops[0]: missing "key"`,
	"missing-ops.json":               `line 1 column 1: missing "ops" (an empty history is "ops": [])`,
	"missing-return.json":            `line 4 column 5: ops[0]: missing "return" (only an indeterminate op has none)`,
	"negative-call.json":             `line 4 column 5: ops[0]: negative call -5`,
	"null-client.json":               `line 4 column 16: ops[0].client: want a string, got null`,
	"ok-get-without-output.json":     `line 4 column 5: ops[0]: missing "output" for an ok get (a missing key reads as "")`,
	"op-not-object.json":             `line 4 column 5: ops[0]: want an object, got an array`,
	"ops-not-array.json":             `line 3 column 10: ops: want an array, got an object`,
	"put-without-value.json":         `line 4 column 5: ops[0]: missing "value" for put`,
	"return-before-call.json":        `line 5 column 5: ops[1]: return 11 before call 20`,
	"syntax-missing-comma.json":      `line 5 column 5: invalid character '{' after array element`,
	"syntax-trailing-comma.json":     `line 5 column 3: invalid character ']' looking for beginning of value`,
	"time-as-string.json":            `line 4 column 69: ops[0].call: want an integer, got a string`,
	"time-out-of-range.json":         `line 4 column 83: ops[0].return: 99999999999999999999 is out of range`,
	"time-overflow.json":             `line 5 column 5: ops[0]: return 9223372036854775807 s does not fit in int64 nanoseconds`,
	"top-level-array.json":           `line 1 column 1: want a JSON object {"format": "dsim-kv-history/1", "ops": [...]}, got an array`,
	"trailing-data.json":             `line 2 column 1: invalid character '{' after top-level value`,
	"truncated.json":                 `line 5 column 51: unexpected end of file: the history is truncated, or a bracket or quote is not closed`,
	"unicode-column.json":            `line 4 column 90: invalid character 'x' looking for beginning of value`,
	"unknown-op-field.json":          `line 5 column 47: ops[1]: unknown field "vaule" (want client, op, key, value, output, call, return or outcome)`,
	"unknown-op.json":                `line 4 column 28: ops[0].op: unknown op "cas" (want get, put or append)`,
	"unknown-outcome.json":           `line 4 column 98: ops[0].outcome: unknown outcome "timeout" (want ok, failed or indeterminate)`,
	"unknown-top-field.json":         `line 3 column 3: unknown field "operations" (want format, time_unit or ops)`,
	"wrong-format.json":              `line 2 column 13: format "dsim-kv-history/2" is not supported (want "dsim-kv-history/1")`,
}

func TestParseHistoryMalformed(t *testing.T) {
	files, err := filepath.Glob("testdata/malformed/*.json")
	require.NoError(t, err)
	require.Len(t, files, len(malformedFixtures), "every malformed fixture needs its expected message here, and back")
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			want, ok := malformedFixtures[name]
			require.True(t, ok, "no expected message for %s", name)
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			ops, err := ParseHistory(bytes.NewReader(data))
			assert.Nil(t, ops)
			require.ErrorIs(t, err, ErrInvalidHistory)
			assert.EqualError(t, err, want)
		})
	}
}

func TestParseHistoryReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := ParseHistory(iotest.ErrReader(boom))
	require.ErrorIs(t, err, boom)
	assert.NotErrorIs(t, err, ErrInvalidHistory, "an I/O failure is not the file's fault")
}

func TestParseHistoryFields(t *testing.T) {
	in := `{
  "time_unit": "us",
  "ops": [
    {"client": "c1", "op": "put", "key": "x", "value": "1", "call": 10, "return": 25},
    {"outcome": "ok", "return": 30, "call": 12, "output": "1", "key": "x", "op": "get", "client": "c2"},
    {"client": "c3", "op": "append", "key": "y", "value": "<&>", "call": 40, "outcome": "indeterminate"},
    {"client": "c3", "op": "get", "key": "y", "call": 41, "return": 41, "outcome": "failed"}
  ],
  "format": "dsim-kv-history/1"
}`
	ops, err := ParseHistory(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []Op{
		{Client: "c1", Kind: OpPut, Key: "x", Value: "1", Call: 10_000, Return: 25_000, Outcome: OutcomeOK},
		{Client: "c2", Kind: OpGet, Key: "x", Output: "1", Call: 12_000, Return: 30_000, Outcome: OutcomeOK},
		{Client: "c3", Kind: OpAppend, Key: "y", Value: "<&>", Call: 40_000, Outcome: OutcomeIndeterminate},
		{Client: "c3", Kind: OpGet, Key: "y", Call: 41_000, Return: 41_000, Outcome: OutcomeFailed},
	}, ops)
}

func TestParseHistoryTimeUnits(t *testing.T) {
	for unit, ns := range map[string]int64{"": 1, "ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9} {
		t.Run("unit="+unit, func(t *testing.T) {
			field := ""
			if unit != "" {
				field = `"time_unit": "` + unit + `", `
			}
			in := `{"format": "dsim-kv-history/1", ` + field +
				`"ops": [{"client": "c", "op": "get", "key": "k", "output": "", "call": 3, "return": 7}]}`
			ops, err := ParseHistory(strings.NewReader(in))
			require.NoError(t, err)
			require.Len(t, ops, 1)
			assert.Equal(t, 3*ns, ops[0].Call)
			assert.Equal(t, 7*ns, ops[0].Return)
		})
	}
}

// The documented example must parse and check as the document says.
func TestHistoryFormatDocExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/history-format.md")
	require.NoError(t, err)
	_, example, ok := strings.Cut(string(doc), "```json\n")
	require.True(t, ok, "docs/history-format.md has no ```json example")
	example, _, ok = strings.Cut(example, "```")
	require.True(t, ok)
	ops, err := ParseHistory(strings.NewReader(example))
	require.NoError(t, err)
	assert.Len(t, ops, 6)
	assert.Equal(t, VerdictOK, CheckKV(ops, 0).Verdict)
}

func TestWriteHistoryLayout(t *testing.T) {
	var b strings.Builder
	require.NoError(t, WriteHistory(&b, []Op{
		op("c1", OpPut, "x", "<1>", 10, 25),
		op("c2", OpGet, "x", "", 12, 30),
		with(op("c3", OpAppend, "x", "2", 40, 0), OutcomeIndeterminate),
		with(op("c3", OpGet, "x", "", 50, 60), OutcomeFailed),
	}))
	assert.Equal(t, `{
  "format": "dsim-kv-history/1",
  "time_unit": "ns",
  "ops": [
    {"client": "c1", "op": "put", "key": "x", "value": "<1>", "call": 10, "return": 25},
    {"client": "c2", "op": "get", "key": "x", "output": "", "call": 12, "return": 30},
    {"client": "c3", "op": "append", "key": "x", "value": "2", "call": 40, "outcome": "indeterminate"},
    {"client": "c3", "op": "get", "key": "x", "call": 50, "return": 60, "outcome": "failed"}
  ]
}
`, b.String())

	b.Reset()
	require.NoError(t, WriteHistory(&b, nil))
	assert.Equal(t, "{\n  \"format\": \"dsim-kv-history/1\",\n  \"time_unit\": \"ns\",\n  \"ops\": []\n}\n", b.String())
}

func TestWriteHistoryRefuses(t *testing.T) {
	var b strings.Builder
	err := WriteHistory(&b, []Op{op("c1", OpPut, "x", "1", 10, 5)})
	require.ErrorIs(t, err, ErrInvalidHistory)
	assert.EqualError(t, err, "ops[0]: return 5 before call 10")

	err = WriteHistory(&b, []Op{op("c1", OpPut, "x", "\xff", 10, 20)})
	require.ErrorIs(t, err, ErrInvalidHistory)
	assert.EqualError(t, err, `ops[0]: value "\xff" is not valid UTF-8`)
	assert.Empty(t, b.String(), "nothing is written for a refused history")
}

// opGen draws any valid op: every kind and outcome, any UTF-8 text, times
// across the whole int64 range.
var opGen = rapid.Custom(func(t *rapid.T) Op {
	o := Op{
		Client:  rapid.StringN(1, 6, -1).Draw(t, "client"),
		Kind:    rapid.SampledFrom([]OpKind{OpGet, OpPut, OpAppend}).Draw(t, "kind"),
		Key:     rapid.StringN(1, 6, -1).Draw(t, "key"),
		Outcome: rapid.SampledFrom([]Outcome{OutcomeOK, OutcomeFailed, OutcomeIndeterminate}).Draw(t, "outcome"),
		Call:    rapid.Int64Min(0).Draw(t, "call"),
	}
	if o.Kind != OpGet {
		o.Value = rapid.String().Draw(t, "value")
	} else if o.Outcome == OutcomeOK {
		o.Output = rapid.String().Draw(t, "output")
	}
	if o.Outcome != OutcomeIndeterminate {
		o.Return = rapid.Int64Range(o.Call, math.MaxInt64).Draw(t, "return")
	}
	return o
})

func TestWriteParseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := rapid.SliceOfN(opGen, 0, 20).Draw(t, "ops")
		var b bytes.Buffer
		require.NoError(t, WriteHistory(&b, ops))
		got, err := ParseHistory(&b)
		require.NoError(t, err, "written:\n%s", b.String())
		if len(ops) == 0 {
			assert.Empty(t, got)
			return
		}
		assert.Equal(t, ops, got)
	})
}

// FuzzParseHistory: no input makes the parser panic; every rejection is an
// ErrInvalidHistory that says where; whatever it accepts is a valid history
// that writes and reads back unchanged.
func FuzzParseHistory(f *testing.F) {
	files, err := filepath.Glob("testdata/*/*.json")
	require.NoError(f, err)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(data)
	}
	for _, s := range []string{"", "{", "null", "[]", `{"format": "dsim-kv-history/1", "ops": [{}]}`, "\xef\xbb\xbf{}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := ParseHistory(bytes.NewReader(data))
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidHistory)
			if !strings.HasPrefix(err.Error(), "empty file") {
				assert.Regexp(t, `^line \d+ column \d+: `, err.Error())
			}
			return
		}
		require.NoError(t, validateHistory(ops))
		var b bytes.Buffer
		require.NoError(t, WriteHistory(&b, ops))
		again, err := ParseHistory(&b)
		require.NoError(t, err)
		if len(ops) > 0 {
			require.Equal(t, ops, again)
		}
	})
}

// The streaming validator that lets ParseHistory stop at the first wrong
// byte agrees with encoding/json on every input: on whether it is JSON, and
// on where the first wrong byte is.
func FuzzStreamingValidator(f *testing.F) {
	for _, s := range []string{`{"a": [1, -2.5e+3, true, null, "x\u00e9\n"]}`, `[`, `{"a" 1}`, `01`, `1.`, `-`, "\x00", `"\x01"`,
		`{"ops": [{}],}`, `[1,]`, `{} {}`, `  7  `, `"\ud800"`, `[[[[]]]]`, `{"a":{"b":[]}}`, `tru`, `nulll`, `1e`, `1e+`, `-0.0E-0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v validator
		off := -1
		// Feed in two pieces, as reads would.
		cut := len(data) / 3
		if o := v.feed(data[:cut]); o >= 0 {
			off = o
		} else if o := v.feed(data[cut:]); o >= 0 {
			off = cut + o
		}
		valid := json.Valid(data)
		switch {
		case off < 0 && v.complete() != valid:
			t.Fatalf("%q: validator says complete=%v, encoding/json valid=%v", data, v.complete(), valid)
		case off >= 0 && valid:
			t.Fatalf("%q: validator rejects byte %d, encoding/json accepts it all", data, off)
		case off >= 0:
			var raw json.RawMessage
			err := json.Unmarshal(data, &raw)
			var se *json.SyntaxError
			if !errors.As(err, &se) || se.Offset != int64(off+1) {
				t.Fatalf("%q: validator rejects byte %d, encoding/json says %v", data, off, err)
			}
		}
	})
}

// An endless or binary input is refused at its first wrong byte, without
// being read to the end.
func TestParseHistoryStopsAtTheFirstWrongByte(t *testing.T) {
	zeros := &countingReader{r: zeroReader{}}
	_, err := ParseHistory(zeros)
	assert.EqualError(t, err, `line 1 column 1: invalid character '\x00' looking for beginning of value`)
	assert.Less(t, zeros.n, int64(1<<20), "read %d bytes", zeros.n)

	endless := &countingReader{r: io.MultiReader(strings.NewReader(`{"format": "dsim-kv-history/1", "ops": [`), spaceReader{})}
	_, err = readHistory(endless, 4<<20)
	assert.EqualError(t, err, "the history is larger than 4 MiB (about 32768 operations), more than dsim check reads; split it, by key or by time")
	assert.LessOrEqual(t, endless.n, int64(5<<20))
	assert.ErrorIs(t, err, ErrInvalidHistory)

	deep := strings.Repeat("[", 20000)
	_, err = ParseHistory(strings.NewReader(deep))
	assert.ErrorContains(t, err, "line 1 column 10001: ")
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) { clear(b); return len(b), nil }

type spaceReader struct{}

func (spaceReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = ' '
	}
	return len(b), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
