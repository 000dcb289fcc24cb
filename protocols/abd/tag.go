package abd

import (
	"cmp"
	"strconv"
)

// Tag orders the values of one register: (Seq, Writer), compared
// lexicographically. Writer is the ID of the write that chose the tag
// ("c1#7": the client and its sequence number), unique per write, so two
// writes that both saw sequence number 5 pick distinct tags (6, c1#7) and
// (6, c2#3) and every server orders them the same way (PROTOCOLS.md SC-A2).
// The zero Tag is the initial value's, lower than every written one.
type Tag struct {
	Seq    uint64
	Writer string
}

// Compare orders tags: by Seq, then by Writer.
func (t Tag) Compare(u Tag) int {
	if c := cmp.Compare(t.Seq, u.Seq); c != 0 {
		return c
	}
	return cmp.Compare(t.Writer, u.Writer)
}

// Less reports whether t orders before u.
func (t Tag) Less(u Tag) bool { return t.Compare(u) < 0 }

// String renders the tag as 6:c1#7, or 0 for the initial tag.
func (t Tag) String() string { return string(t.appendText(nil)) }

func (t Tag) appendText(b []byte) []byte {
	b = strconv.AppendUint(b, t.Seq, 10)
	if t.Writer != "" {
		b = append(b, ':')
		b = append(b, t.Writer...)
	}
	return b
}
