package pbkv

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Replicate carries log entries from the primary to a backup, starting at
// index From.
type Replicate struct {
	From    int
	Entries []kv.Request
}

// Kind implements protocols.Message.
func (Replicate) Kind() string { return "Replicate" }

// String renders the message as Replicate{from=3 n=2}.
func (m Replicate) String() string {
	return "Replicate{from=" + strconv.Itoa(m.From) + " n=" + strconv.Itoa(len(m.Entries)) + "}"
}

// AppendHash folds what String shows into the trace hash without
// rendering it (protocols.HashAppender, optional): the entries as their
// count. prototest.CheckHash holds it to that.
func (m Replicate) AppendHash(h *protocols.Hash) {
	h.Int(m.From)
	h.Int(len(m.Entries))
}

// Ack tells the primary that a backup has applied its log up to Index.
type Ack struct{ Index int }

// Kind implements protocols.Message.
func (Ack) Kind() string { return "Ack" }

// String renders the message as Ack{4}.
func (m Ack) String() string { return "Ack{" + strconv.Itoa(m.Index) + "}" }

// AppendHash implements protocols.HashAppender.
func (m Ack) AppendHash(h *protocols.Hash) { h.Int(m.Index) }

// Entry is the durable record of one log entry.
type Entry struct {
	Index int
	Req   kv.Request
}

// String renders the record as Entry{3 c1#2 put(k1,c1.2)}.
func (e Entry) String() string {
	return "Entry{" + strconv.Itoa(e.Index) + " " + e.Req.ID() + " " + e.Req.Op.String() + "}"
}
