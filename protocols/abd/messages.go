package abd

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// The messages between servers. Every one carries the ID of the phase it
// belongs to: a coordinator counts a reply only for the phase it is in now
// (Stateright's linearizable-register does the same), so a late reply to
// an earlier phase, or to an earlier operation, is never counted twice
// (PROTOCOLS.md SC-A5). Phase IDs are unique across a coordinator's
// restarts (the incarnation is in the top half).

// Query asks a server for the tag and value it holds for Key: the first
// phase of every operation.
type Query struct {
	ID  uint64
	Key string
}

// QueryReply answers a Query.
type QueryReply struct {
	ID    uint64
	Key   string
	Tag   Tag
	Value string
}

// Store asks a server to keep Value under Tag unless it holds a higher
// tag: the second phase of a write, and a read's write-back.
type Store struct {
	ID    uint64
	Key   string
	Tag   Tag
	Value string
}

// StoreAck acknowledges a Store; it is sent whether or not the server
// replaced its value (it then holds a tag at least as high).
type StoreAck struct {
	ID  uint64
	Key string
	Tag Tag // the tag of the Store it acknowledges
}

// Kind implements protocols.Message.
func (Query) Kind() string { return "Query" }

// Kind implements protocols.Message.
func (QueryReply) Kind() string { return "QueryReply" }

// Kind implements protocols.Message.
func (Store) Kind() string { return "Store" }

// Kind implements protocols.Message.
func (StoreAck) Kind() string { return "StoreAck" }

// String renders the message as Query{#1.1 k1}.
func (m Query) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender), which
// the simulator's trace uses without allocating.
func (m Query) AppendText(b []byte) ([]byte, error) {
	return append(appendHead(b, "Query", m.ID, m.Key), '}'), nil
}

// String renders the message as QueryReply{#1.1 k1 6:c1#7 "c1.7"}.
func (m QueryReply) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m QueryReply) AppendText(b []byte) ([]byte, error) {
	b = append(appendHead(b, "QueryReply", m.ID, m.Key), ' ')
	b = append(m.Tag.appendText(b), ' ')
	return append(strconv.AppendQuote(b, m.Value), '}'), nil
}

// String renders the message as Store{#1.2 k1 6:c1#7 "c1.7"}.
func (m Store) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Store) AppendText(b []byte) ([]byte, error) {
	b = append(appendHead(b, "Store", m.ID, m.Key), ' ')
	b = append(m.Tag.appendText(b), ' ')
	return append(strconv.AppendQuote(b, m.Value), '}'), nil
}

// String renders the message as StoreAck{#1.2 k1 6:c1#7}.
func (m StoreAck) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m StoreAck) AppendText(b []byte) ([]byte, error) {
	b = append(appendHead(b, "StoreAck", m.ID, m.Key), ' ')
	return append(m.Tag.appendText(b), '}'), nil
}

// text renders a message through its AppendText.
func text(m interface {
	AppendText([]byte) ([]byte, error)
}) string {
	var buf [96]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// appendHead writes KIND{#ID KEY. A phase ID prints as incarnation.count.
func appendHead(b []byte, kind string, id uint64, key string) []byte {
	b = append(b, kind...)
	b = append(b, "{#"...)
	b = appendPhase(b, id)
	b = append(b, ' ')
	return append(b, key...)
}

func appendPhase(b []byte, id uint64) []byte {
	b = strconv.AppendUint(b, id>>32, 10)
	b = append(b, '.')
	return strconv.AppendUint(b, id&0xffffffff, 10)
}

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it. A phase ID folds as
// one number, which its incarnation.count shows whole.

// appendHash folds the tag as appendText shows it.
func (t Tag) appendHash(h *protocols.Hash) {
	h.Uint64(t.Seq)
	h.String(t.Writer)
}

// AppendHash implements protocols.HashAppender.
func (m Query) AppendHash(h *protocols.Hash) {
	h.Uint64(m.ID)
	h.String(m.Key)
}

// AppendHash implements protocols.HashAppender.
func (m QueryReply) AppendHash(h *protocols.Hash) {
	h.Uint64(m.ID)
	h.String(m.Key)
	m.Tag.appendHash(h)
	h.String(m.Value)
}

// AppendHash implements protocols.HashAppender.
func (m Store) AppendHash(h *protocols.Hash) {
	h.Uint64(m.ID)
	h.String(m.Key)
	m.Tag.appendHash(h)
	h.String(m.Value)
}

// AppendHash implements protocols.HashAppender.
func (m StoreAck) AppendHash(h *protocols.Hash) {
	h.Uint64(m.ID)
	h.String(m.Key)
	m.Tag.appendHash(h)
}
