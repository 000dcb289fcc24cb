package checker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxHistorySize bounds a history file, in bytes: about four million
// operations as dsim writes them. ParseHistory holds the file in memory, so
// a bound keeps `dsim check` of an endless stream (a device, a pipe) from
// filling the machine's memory.
const MaxHistorySize = 512 << 20

// maxDepth bounds how deeply brackets nest, as encoding/json does.
const maxDepth = 10000

// readHistory reads a history file whole, checking its JSON syntax as the
// bytes arrive, so that it stops at the first byte that cannot be JSON (a
// binary file, /dev/zero) or at MaxHistorySize, instead of reading an
// endless input to its end. An error is returned ready to report.
func readHistory(r io.Reader, limit int) ([]byte, error) {
	var v validator
	data := make([]byte, 0, 64<<10)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):min(cap(data), limit+1)])
		start := len(data)
		data = data[:start+n]
		if off := v.feed(data[start:]); off >= 0 {
			if start+off == len(data)-1 && (errors.Is(err, io.EOF) || err == nil && atEOF(r)) {
				// The wrong byte is the last one: the file is cut short
				// (in a string, say), which the parser words better.
				return data, nil
			}
			p := &parser{data: data}
			return nil, p.streamError(int64(start + off))
		}
		if len(data) > limit {
			return nil, invalidf("the history is larger than %d MiB (about %d operations), more than dsim check reads; split it, by key or by time", limit>>20, limit/128)
		}
		if errors.Is(err, io.EOF) {
			return data, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading history: %w", err)
		}
	}
}

// atEOF reports whether r has nothing more to read.
func atEOF(r io.Reader) bool {
	var b [1]byte
	for range 100 {
		n, err := r.Read(b[:])
		if n > 0 {
			return false
		}
		if err != nil {
			return errors.Is(err, io.EOF)
		}
	}
	return false
}

// streamError reports the syntax error whose first wrong byte is at off,
// in the words encoding/json uses for the same mistake: the input up to and
// including that byte fails there too.
func (p *parser) streamError(off int64) error {
	var raw json.RawMessage
	var se *json.SyntaxError
	if err := json.Unmarshal(p.data[:off+1], &raw); errors.As(err, &se) && se.Offset == off+1 {
		return p.errorf(off, "%s", strings.TrimPrefix(se.Error(), "json: "))
	}
	return p.errorf(off, "invalid character %q: the file is not JSON", p.data[off])
}

// validator checks JSON syntax a byte at a time, keeping only a stack of
// open brackets: the state machine of RFC 8259's grammar.
type validator struct {
	state  vstate
	stack  []byte // '{' or '[' for each open bracket
	key    bool   // the string being read is an object key
	lit    string // the rest of a literal being read (true, false, null)
	hex    int    // hex digits still expected in a \u escape
	done   bool   // the top-level value is complete
	failed bool
}

type vstate uint8

const (
	vValue       vstate = iota // a value must come
	vArrayFirst                // just after [: a value or ]
	vObjectFirst               // just after {: a key or }
	vKey                       // after a comma in an object: a key
	vColon                     // after a key
	vAfter                     // after a value: a comma, a closing bracket, or the end
	vString
	vEscape
	vLiteral
	vNumMinus // after -
	vNumZero  // after a leading 0
	vNumInt   // in the integer digits
	vNumDot   // after .
	vNumFrac  // in the fraction digits
	vNumE     // after e or E
	vNumESign // after the exponent's sign
	vNumExp   // in the exponent digits
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// feed checks the next bytes and returns the index in b of the first byte
// that cannot continue valid JSON, or -1.
func (v *validator) feed(b []byte) int {
	if v.failed {
		return -1
	}
	for i := 0; i < len(b); i++ {
		if !v.step(b[i]) {
			v.failed = true
			return i
		}
	}
	return -1
}

// complete reports whether the bytes fed so far are one whole JSON value.
func (v *validator) complete() bool {
	if v.failed || len(v.stack) > 0 {
		return false
	}
	switch v.state {
	case vAfter:
		return v.done
	case vNumZero, vNumInt, vNumFrac, vNumExp:
		return true
	}
	return false
}

// endValue moves past a complete value.
func (v *validator) endValue() {
	v.state = vAfter
	if len(v.stack) == 0 {
		v.done = true
	}
}

// step takes one byte, reporting whether it may come here.
func (v *validator) step(c byte) bool {
	switch v.state {
	case vValue, vArrayFirst:
		switch {
		case isSpace(c):
			return true
		case c == ']' && v.state == vArrayFirst:
			return v.close(c)
		case v.done:
			return false // a second top-level value
		}
		return v.begin(c)
	case vObjectFirst, vKey:
		switch {
		case isSpace(c):
			return true
		case c == '}' && v.state == vObjectFirst:
			return v.close(c)
		case c == '"':
			v.state, v.key = vString, true
			return true
		}
		return false
	case vColon:
		switch {
		case isSpace(c):
			return true
		case c == ':':
			v.state = vValue
			return true
		}
		return false
	case vAfter:
		switch {
		case isSpace(c):
			return true
		case len(v.stack) == 0:
			return false // data after the top-level value
		case c == ',':
			if v.stack[len(v.stack)-1] == '{' {
				v.state = vKey
			} else {
				v.state = vValue
			}
			return true
		case c == '}' || c == ']':
			return v.close(c)
		}
		return false
	case vString:
		switch {
		case c == '"':
			if v.key {
				v.state, v.key = vColon, false
			} else {
				v.endValue()
			}
		case c == '\\':
			v.state = vEscape
		case c < 0x20:
			return false
		}
		return true
	case vEscape:
		if v.hex > 0 {
			if !isHex(c) {
				return false
			}
			v.hex--
			if v.hex == 0 {
				v.state = vString
			}
			return true
		}
		switch c {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			v.state = vString
		case 'u':
			v.hex = 4
		default:
			return false
		}
		return true
	case vLiteral:
		if c != v.lit[0] {
			return false
		}
		v.lit = v.lit[1:]
		if v.lit == "" {
			v.endValue()
		}
		return true
	}
	return v.number(c)
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// begin starts a value with its first byte.
func (v *validator) begin(c byte) bool {
	switch {
	case c == '{' || c == '[':
		if len(v.stack) == maxDepth {
			return false
		}
		v.stack = append(v.stack, c)
		v.state = vArrayFirst
		if c == '{' {
			v.state = vObjectFirst
		}
	case c == '"':
		v.state = vString
	case c == 't':
		v.state, v.lit = vLiteral, "rue"
	case c == 'f':
		v.state, v.lit = vLiteral, "alse"
	case c == 'n':
		v.state, v.lit = vLiteral, "ull"
	case c == '-':
		v.state = vNumMinus
	case c == '0':
		v.state = vNumZero
	case '1' <= c && c <= '9':
		v.state = vNumInt
	default:
		return false
	}
	return true
}

// close takes a closing bracket, which must match the open one.
func (v *validator) close(c byte) bool {
	open := byte('{')
	if c == ']' {
		open = '['
	}
	if len(v.stack) == 0 || v.stack[len(v.stack)-1] != open {
		return false
	}
	v.stack = v.stack[:len(v.stack)-1]
	v.endValue()
	return true
}

// number takes the next byte of a number, or the byte just after it.
func (v *validator) number(c byte) bool {
	switch v.state {
	case vNumMinus:
		switch {
		case c == '0':
			v.state = vNumZero
		case isDigit(c):
			v.state = vNumInt
		default:
			return false
		}
		return true
	case vNumDot:
		if !isDigit(c) {
			return false
		}
		v.state = vNumFrac
		return true
	case vNumE:
		switch {
		case c == '+' || c == '-':
			v.state = vNumESign
		case isDigit(c):
			v.state = vNumExp
		default:
			return false
		}
		return true
	case vNumESign:
		if !isDigit(c) {
			return false
		}
		v.state = vNumExp
		return true
	case vNumInt, vNumFrac, vNumExp:
		if isDigit(c) {
			return true
		}
	}
	switch {
	case c == '.' && (v.state == vNumZero || v.state == vNumInt):
		v.state = vNumDot
		return true
	case (c == 'e' || c == 'E') && (v.state == vNumZero || v.state == vNumInt || v.state == vNumFrac):
		v.state = vNumE
		return true
	}
	// The number is complete: this byte comes after it.
	v.endValue()
	return v.step(c)
}
