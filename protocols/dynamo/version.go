package dynamo

import (
	"cmp"
	"strconv"
)

// Version orders the values of one key: (Counter, Writer), compared
// lexicographically. Writer is the ID of the write that made it ("c1#7"),
// unique per write. The zero Version is the initial empty value's.
type Version struct {
	Counter uint64
	Writer  string
}

// Compare orders versions: by Counter, then by Writer.
func (v Version) Compare(u Version) int {
	if c := cmp.Compare(v.Counter, u.Counter); c != 0 {
		return c
	}
	return cmp.Compare(v.Writer, u.Writer)
}

// Less reports whether v orders before u.
func (v Version) Less(u Version) bool { return v.Compare(u) < 0 }

// String renders the version as 6:c1#7, or 0 for the initial one.
func (v Version) String() string { return string(v.appendText(nil)) }

func (v Version) appendText(b []byte) []byte {
	b = strconv.AppendUint(b, v.Counter, 10)
	if v.Writer != "" {
		b = append(b, ':')
		b = append(b, v.Writer...)
	}
	return b
}
