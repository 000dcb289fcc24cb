package checker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// historyFormat names the file format of docs/history-format.md; a new
// incompatible format gets a new name, so old readers fail loudly.
const historyFormat = "dsim-kv-history/1"

// timeUnits converts a file's time unit into the nanoseconds of Op.
var timeUnits = map[string]int64{"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}

// ParseHistory reads a history in the JSON format of
// docs/history-format.md and returns its ops with times in nanoseconds.
//
// Every problem with the input is reported as an error matching
// [ErrInvalidHistory] that says where it is ("line 7 column 12: ops[3]:
// return 12 before call 20"), so that a person can fix a hand-written file.
// A history that parses is also valid for [CheckKV]. It reads as it
// checks, and stops at the first byte that cannot be JSON or past
// [MaxHistorySize] bytes, without reading the rest of the input.
func ParseHistory(r io.Reader) ([]Op, error) {
	data, err := readHistory(r, MaxHistorySize)
	if err != nil {
		return nil, err
	}
	p := &parser{data: data}
	return p.parse()
}

type parser struct {
	data []byte
}

// field is one member of a JSON object, with where its key and value start.
type field struct {
	key            string
	keyOff, valOff int64
	raw            json.RawMessage
}

func (p *parser) parse() ([]Op, error) {
	if len(bytes.TrimSpace(p.data)) == 0 {
		return nil, invalidf("empty file: want a JSON object {\"format\": %q, \"ops\": [...]}", historyFormat)
	}
	// Check syntax over the whole input first, so that the scanners below
	// can trust it, and because json.Unmarshal reports where the error is.
	if !json.Valid(p.data) {
		var whole json.RawMessage
		err := json.Unmarshal(p.data, &whole)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, p.syntaxError(se)
		}
		return nil, invalidf("invalid JSON: %v", err)
	}
	start := p.skip(0)
	if p.data[start] != '{' {
		return nil, p.errorf(start, "want a JSON object {\"format\": %q, \"ops\": [...]}, got %s", historyFormat, p.kindAt(start))
	}
	fields, err := p.object(start)
	if err != nil {
		return nil, err
	}
	// The format comes first so that a file of another kind, or of a later
	// version, is named as such instead of failing on its first odd field.
	i := slices.IndexFunc(fields, func(f field) bool { return f.key == "format" })
	if i < 0 {
		return nil, p.errorf(start, "missing \"format\" (want %q)", historyFormat)
	}
	format, err := p.stringField(fields[i], "format")
	if err != nil {
		return nil, err
	}
	if format != historyFormat {
		return nil, p.errorf(fields[i].valOff, "format %q is not supported (want %q)", format, historyFormat)
	}
	top := make(map[string]field, len(fields))
	for _, f := range fields {
		switch f.key {
		case "format", "time_unit", "ops":
		default:
			return nil, p.errorf(f.keyOff, "unknown field %q (want format, time_unit or ops)", f.key)
		}
		if _, dup := top[f.key]; dup {
			return nil, p.errorf(f.keyOff, "duplicate field %q", f.key)
		}
		top[f.key] = f
	}
	scale := int64(1)
	unit := "ns"
	if f, ok := top["time_unit"]; ok {
		if unit, err = p.stringField(f, "time_unit"); err != nil {
			return nil, err
		}
		if scale, ok = timeUnits[unit]; !ok {
			return nil, p.errorf(f.valOff, "time_unit %q is not supported (want ns, us, ms or s)", unit)
		}
	}
	f, ok := top["ops"]
	if !ok {
		return nil, p.errorf(start, "missing \"ops\" (an empty history is \"ops\": [])")
	}
	if p.data[f.valOff] != '[' {
		return nil, p.errorf(f.valOff, "ops: want an array, got %s", p.kindAt(f.valOff))
	}
	ops, offs, err := p.ops(f.valOff)
	if err != nil {
		return nil, err
	}
	if err := p.scale(ops, offs, unit, scale); err != nil {
		return nil, err
	}
	return ops, nil
}

// scale converts times to nanoseconds. It runs after every op has been
// read because "time_unit" may come after "ops" in the file; errors name
// times in the file's unit, as the person wrote them.
func (p *parser) scale(ops []Op, offs []int64, unit string, scale int64) error {
	for i := range ops {
		op := &ops[i]
		for _, t := range []struct {
			name string
			v    *int64
		}{{"call", &op.Call}, {"return", &op.Return}} {
			if *t.v > math.MaxInt64/scale {
				return p.errorf(offs[i], "ops[%d]: %s %d %s does not fit in int64 nanoseconds", i, t.name, *t.v, unit)
			}
			*t.v *= scale
		}
	}
	return nil
}

// object reads the members of the top-level object starting at off, keeping
// their values raw so that callers can look at them in any order.
func (p *parser) object(off int64) ([]field, error) {
	var fields []field
	pos := off + 1 // past {
	for {
		pos = p.skip(pos)
		if p.data[pos] == '}' {
			return fields, nil
		}
		keyOff := pos
		key, next, err := p.str(pos)
		if err != nil {
			return nil, err
		}
		valOff := p.skip(next)
		pos = p.skipValue(valOff)
		fields = append(fields, field{key: key, keyOff: keyOff, valOff: valOff, raw: p.data[valOff:pos]})
	}
}

// ops reads the array at off; offs[i] is where ops[i] starts, for errors
// found later. Ops are scanned by hand rather than with a json.Decoder,
// which costs ten times more per op here: the syntax is already known to
// be valid, and an op is a flat object of strings and numbers.
func (p *parser) ops(off int64) (ops []Op, offs []int64, err error) {
	pos := off + 1 // past [
	for i := 0; ; i++ {
		pos = p.skip(pos)
		if p.data[pos] == ']' {
			return ops, offs, nil
		}
		op, end, err := p.op(i, pos)
		if err != nil {
			return nil, nil, err
		}
		ops = append(ops, op)
		offs = append(offs, pos)
		pos = end
	}
}

// The fields of an op, in the order the error messages list them.
var opFields = [...]string{"client", "op", "key", "value", "output", "call", "return", "outcome"}

const (
	fClient = iota
	fOp
	fKey
	fValue
	fOutput
	fCall
	fReturn
	fOutcome
)

// opField records where a field of an op was, for errors about it.
type opField struct {
	present        bool
	keyOff, valOff int64
}

// op reads ops[i], which starts at off, and returns where it ends. Presence
// matters here, not just values: a file that gives a get a "value" or an
// indeterminate op a "return" was written with a wrong idea of the format,
// and saying so beats silently ignoring the field.
func (p *parser) op(i int, off int64) (op Op, end int64, err error) {
	if p.data[off] != '{' {
		return Op{}, 0, p.errorf(off, "ops[%d]: want an object, got %s", i, p.kindAt(off))
	}
	var at [len(opFields)]opField
	pos := off + 1
	for {
		pos = p.skip(pos)
		if p.data[pos] == '}' {
			end = pos + 1
			break
		}
		keyOff := pos
		key, next, err := p.str(pos)
		if err != nil {
			return Op{}, 0, err
		}
		f := slices.Index(opFields[:], key)
		if f < 0 {
			return Op{}, 0, p.errorf(keyOff, "ops[%d]: unknown field %q (want %s)", i, key, fieldList(opFields[:]))
		}
		if at[f].present {
			return Op{}, 0, p.errorf(keyOff, "ops[%d]: duplicate field %q", i, key)
		}
		pos = p.skip(next)
		at[f] = opField{present: true, keyOff: keyOff, valOff: pos}
		var s string
		switch f {
		case fCall:
			op.Call, pos, err = p.integer(pos, i, key)
		case fReturn:
			op.Return, pos, err = p.integer(pos, i, key)
		default:
			s, pos, err = p.stringValue(pos, i, key)
		}
		if err != nil {
			return Op{}, 0, err
		}
		switch f {
		case fClient:
			op.Client = s
		case fOp:
			op.Kind = OpKind(s)
		case fKey:
			op.Key = s
		case fValue:
			op.Value = s
		case fOutput:
			op.Output = s
		case fOutcome:
			op.Outcome = Outcome(s)
		}
	}
	for _, f := range []int{fClient, fOp, fKey, fCall} {
		if !at[f].present {
			return Op{}, 0, p.errorf(off, "ops[%d]: missing %q", i, opFields[f])
		}
	}
	switch op.Kind {
	case OpGet, OpPut, OpAppend:
	default:
		return Op{}, 0, p.errorf(at[fOp].valOff, "ops[%d].op: unknown op %q (want get, put or append)", i, op.Kind)
	}
	switch {
	case !at[fOutcome].present:
		op.Outcome = OutcomeOK
	case op.Outcome != OutcomeOK && op.Outcome != OutcomeFailed && op.Outcome != OutcomeIndeterminate:
		return Op{}, 0, p.errorf(at[fOutcome].valOff, "ops[%d].outcome: unknown outcome %q (want ok, failed or indeterminate)", i, op.Outcome)
	}
	indeterminate := op.Outcome == OutcomeIndeterminate
	switch {
	case indeterminate && at[fReturn].present:
		return Op{}, 0, p.errorf(at[fReturn].keyOff, "ops[%d]: an indeterminate op has no \"return\" (it may take effect at any time after its call)", i)
	case !indeterminate && !at[fReturn].present:
		return Op{}, 0, p.errorf(off, "ops[%d]: missing \"return\" (only an indeterminate op has none)", i)
	}
	switch {
	case op.Kind == OpGet && at[fValue].present:
		return Op{}, 0, p.errorf(at[fValue].keyOff, "ops[%d]: a get takes no \"value\" (did you mean \"output\"?)", i)
	case op.Kind != OpGet && !at[fValue].present:
		return Op{}, 0, p.errorf(off, "ops[%d]: missing \"value\" for %s", i, op.Kind)
	}
	okGet := op.Kind == OpGet && op.Outcome == OutcomeOK
	switch {
	case okGet && !at[fOutput].present:
		return Op{}, 0, p.errorf(off, "ops[%d]: missing \"output\" for an ok get (a missing key reads as \"\")", i)
	case !okGet && at[fOutput].present:
		return Op{}, 0, p.errorf(at[fOutput].keyOff, "ops[%d]: only an ok get has an \"output\", not %s %s", i, op.Outcome, op.Kind)
	}
	if err := op.validate(); err != nil {
		return Op{}, 0, p.errorf(off, "ops[%d]: %v", i, err)
	}
	return op, end, nil
}

func fieldList(names []string) string {
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// str reads the JSON string at off and returns it with the offset just
// past its closing quote.
func (p *parser) str(off int64) (string, int64, error) {
	end := p.stringEnd(off)
	body := p.data[off+1 : end-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body), end, nil
	}
	// Escapes, or bytes that encoding/json would replace with U+FFFD:
	// let it decide, so both paths agree.
	var s string
	if err := json.Unmarshal(p.data[off:end], &s); err != nil {
		return "", 0, p.errorf(off, "%v", err)
	}
	return s, end, nil
}

// The scanners below rely on the input being valid JSON, which parse
// checks before anything else; they only find where things end.

// stringEnd returns the offset just past the string starting at off.
func (p *parser) stringEnd(off int64) int64 {
	i := off + 1
	for p.data[i] != '"' {
		if p.data[i] == '\\' {
			i++
		}
		i++
	}
	return i + 1
}

// skipValue returns the offset just past the value starting at off.
func (p *parser) skipValue(off int64) int64 {
	switch p.data[off] {
	case '"':
		return p.stringEnd(off)
	case '{', '[':
		depth := 0
		for i := off; ; {
			switch p.data[i] {
			case '"':
				i = p.stringEnd(i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
	}
	i := off
	for i < int64(len(p.data)) && strings.IndexByte(",}] \t\r\n", p.data[i]) < 0 {
		i++
	}
	return i
}

func (p *parser) stringValue(off int64, i int, key string) (string, int64, error) {
	if p.data[off] != '"' {
		return "", 0, p.errorf(off, "ops[%d].%s: want a string, got %s", i, key, p.kindAt(off))
	}
	return p.str(off)
}

func (p *parser) integer(off int64, i int, key string) (int64, int64, error) {
	if p.kindAt(off) != "a number" {
		return 0, 0, p.errorf(off, "ops[%d].%s: want an integer, got %s", i, key, p.kindAt(off))
	}
	end := off
	for end < int64(len(p.data)) && strings.IndexByte("+-.eE0123456789", p.data[end]) >= 0 {
		end++
	}
	s := string(p.data[off:end])
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err == nil:
		return n, end, nil
	case strings.ContainsAny(s, ".eE"):
		return 0, 0, p.errorf(off, "ops[%d].%s: want an integer, got %s", i, key, s)
	}
	return 0, 0, p.errorf(off, "ops[%d].%s: %s is out of range", i, key, s)
}

// stringField reads a top-level string field.
func (p *parser) stringField(f field, name string) (string, error) {
	if p.data[f.valOff] != '"' {
		return "", p.errorf(f.valOff, "%s: want a string, got %s", name, p.kindAt(f.valOff))
	}
	var s string
	if err := json.Unmarshal(f.raw, &s); err != nil {
		return "", p.errorf(f.valOff, "%s: %v", name, err)
	}
	return s, nil
}

// kindAt names the JSON value starting at off, for "want X, got Y".
func (p *parser) kindAt(off int64) string {
	if off >= int64(len(p.data)) {
		return "nothing"
	}
	switch p.data[off] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// skip moves off past whitespace and the separators a Decoder leaves behind
// its InputOffset, onto the start of the next token.
func (p *parser) skip(off int64) int64 {
	for off < int64(len(p.data)) {
		switch p.data[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

func (p *parser) syntaxError(se *json.SyntaxError) error {
	off := se.Offset
	if off >= int64(len(p.data)) {
		// Point just after the last thing written, not at a blank last line.
		end := len(bytes.TrimRight(p.data, " \t\r\n"))
		return p.errorf(int64(end), "unexpected end of file: the history is truncated, or a bracket or quote is not closed")
	}
	// Offset counts the bytes read, including the one that was wrong.
	return p.errorf(max(off-1, 0), "%s", strings.TrimPrefix(se.Error(), "json: "))
}

func (p *parser) errorf(off int64, format string, args ...any) error {
	line, col := p.position(off)
	return invalidf("line %d column %d: %s", line, col, fmt.Sprintf(format, args...))
}

// position turns a byte offset into a 1-based line and a 1-based column
// counted in characters, as editors show them.
func (p *parser) position(off int64) (line, col int) {
	off = min(max(off, 0), int64(len(p.data)))
	before := p.data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCount(before[lineStart:])
}

// WriteHistory writes ops in the format that [ParseHistory] reads, one op per
// line, times in nanoseconds. Fields that hold their default (outcome ok) or
// mean nothing (the return of an indeterminate op) are left out.
// It refuses a malformed history, and strings that are not UTF-8 (JSON
// would silently replace their bytes), so that what it writes reads back
// as the same ops.
func WriteHistory(w io.Writer, ops []Op) error {
	if err := validateHistory(ops); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\n  \"format\": %q,\n  \"time_unit\": \"ns\",\n  \"ops\": [", historyFormat)
	var line bytes.Buffer
	for i, op := range ops {
		line.Reset()
		if err := writeOp(&line, op); err != nil {
			return invalidf("ops[%d]: %v", i, err)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(line.Bytes())
	}
	if len(ops) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}

func writeOp(b *bytes.Buffer, op Op) error {
	str := func(name, s string) error {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%s %q is not valid UTF-8", name, s)
		}
		fmt.Fprintf(b, "%q: ", name)
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false) // keep "<" readable; this is not HTML
		if err := enc.Encode(s); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // Encode ends with a newline
		b.WriteString(", ")
		return nil
	}
	b.WriteByte('{')
	if err := str("client", op.Client); err != nil {
		return err
	}
	fmt.Fprintf(b, "\"op\": %q, ", op.Kind)
	if err := str("key", op.Key); err != nil {
		return err
	}
	if op.Kind != OpGet {
		if err := str("value", op.Value); err != nil {
			return err
		}
	}
	if op.Kind == OpGet && op.Outcome == OutcomeOK {
		if err := str("output", op.Output); err != nil {
			return err
		}
	}
	fmt.Fprintf(b, "\"call\": %d", op.Call)
	if op.Outcome != OutcomeIndeterminate {
		fmt.Fprintf(b, ", \"return\": %d", op.Return)
	}
	if op.Outcome != OutcomeOK {
		fmt.Fprintf(b, ", \"outcome\": %q", op.Outcome)
	}
	b.WriteByte('}')
	return nil
}
