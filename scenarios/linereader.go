package scenarios

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// lineReader splits a scenario file into lines as it reads, and refuses at
// the first wrong byte what cannot be a scenario: a binary file (a NUL or a
// control character, bytes that are not UTF-8), a line over MaxLineSize or
// a file over MaxFileSize. Parse stops there, so `dsim run /dev/zero` ends
// after its first read instead of filling memory.
type lineReader struct {
	r     *bufio.Reader
	read  int // bytes read so far
	first bool
	buf   []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), first: true}
}

// utf8BOM is the byte order mark some editors put at the start of a UTF-8
// file; it is not part of the first setting's name.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// next returns the next line without its line ending, or io.EOF after the
// last one.
func (l *lineReader) next() (string, error) {
	l.buf = l.buf[:0]
	for {
		frag, err := l.r.ReadSlice('\n')
		l.read += len(frag)
		if l.first {
			frag = bytes.TrimPrefix(frag, utf8BOM)
		}
		if bad := badByte(frag); bad >= 0 && frag[bad] == '\r' {
			return "", fmt.Errorf("a carriage return in column %d, inside the line: end lines with \\n (or \\r\\n), not \\r alone", len(l.buf)+bad+1)
		} else if bad >= 0 {
			return "", fmt.Errorf("byte %#02x in column %d: a scenario is a UTF-8 text file (is this a binary file?)", frag[bad], len(l.buf)+bad+1)
		}
		l.buf = append(l.buf, frag...)
		switch {
		case l.read > MaxFileSize:
			return "", fmt.Errorf("the file is larger than %d MiB: a scenario is a short text file", MaxFileSize>>20)
		case len(l.buf) > MaxLineSize+2:
			return "", fmt.Errorf("the line is longer than %d MiB: a scenario is a short text file", MaxLineSize>>20)
		case errors.Is(err, bufio.ErrBufferFull):
			l.first = len(l.buf) == 0
			continue
		case err == io.EOF && len(l.buf) == 0:
			return "", io.EOF
		case err != nil && err != io.EOF:
			return "", fmt.Errorf("reading: %w", err)
		}
		l.first = false
		line := bytes.TrimSuffix(bytes.TrimSuffix(l.buf, []byte{'\n'}), []byte{'\r'})
		if !utf8.Valid(line) {
			col := 1
			for len(line) > 0 {
				r, size := utf8.DecodeRune(line)
				if r == utf8.RuneError && size <= 1 {
					return "", fmt.Errorf("byte %#02x in column %d is not UTF-8: a scenario is a UTF-8 text file", line[0], col)
				}
				line = line[size:]
				col++
			}
		}
		return string(line), nil
	}
}

// badByte returns the index of the first byte in b that no scenario line
// holds (a NUL or another control character; tab, and the carriage return
// of a Windows line ending, are fine), or -1.
func badByte(b []byte) int {
	for i, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return i
		}
		if c == '\r' && !(i+1 == len(b) || (i+2 == len(b) && b[i+1] == '\n')) {
			return i
		}
	}
	return -1
}
