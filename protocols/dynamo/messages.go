package dynamo

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// The messages between servers. A coordinator's Read and Write carry the
// ID of the phase they belong to; it counts a reply only for the phase it
// is in now. Phase IDs are unique across a coordinator's restarts.

// Read asks a replica for its version and value of Key.
type Read struct {
	ID  uint64
	Key string
}

// ReadReply answers a Read from the replica's own store (a server standing
// in for another holds the hinted data apart and does not serve it).
type ReadReply struct {
	ID      uint64
	Key     string
	Version Version
	Value   string
}

// Write asks a server to keep Value under Version unless it holds a higher
// version. Hint, when set, names the home replica this server stands in
// for (a sloppy quorum): it keeps the write as a hint for that server
// rather than in its own store. Repair marks a read repair, which nobody
// waits for.
type Write struct {
	ID      uint64
	Key     string
	Version Version
	Value   string
	Hint    protocols.NodeID
	Repair  bool
}

// WriteAck acknowledges a Write, whether or not it replaced anything.
type WriteAck struct {
	ID      uint64
	Key     string
	Version Version
}

// Handoff delivers a hinted write to its home replica.
type Handoff struct {
	Key     string
	Version Version
	Value   string
}

// HandoffAck tells the hint's holder it may forget the hint.
type HandoffAck struct {
	Key     string
	Version Version
}

// Digest lists the sender's versions of the keys it shares with the
// receiver (anti-entropy). The receiver sends a Sync for every key where
// it holds a newer version, and, unless Reply is set, its own Digest of the
// keys where the sender is newer, so that both sides converge.
type Digest struct {
	Keys     []string
	Versions []Version
	Reply    bool
}

// Sync carries one key's newer version, in answer to a Digest.
type Sync struct {
	Key     string
	Version Version
	Value   string
}

// Kind implements protocols.Message.
func (Read) Kind() string { return "Read" }

// Kind implements protocols.Message.
func (ReadReply) Kind() string { return "ReadReply" }

// Kind implements protocols.Message.
func (Write) Kind() string { return "Write" }

// Kind implements protocols.Message.
func (WriteAck) Kind() string { return "WriteAck" }

// Kind implements protocols.Message.
func (Handoff) Kind() string { return "Handoff" }

// Kind implements protocols.Message.
func (HandoffAck) Kind() string { return "HandoffAck" }

// Kind implements protocols.Message.
func (Digest) Kind() string { return "Digest" }

// Kind implements protocols.Message.
func (Sync) Kind() string { return "Sync" }

// String renders the message as Read{#1.4 k1}.
func (m Read) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender), which
// the simulator's trace uses without allocating.
func (m Read) AppendText(b []byte) ([]byte, error) {
	return append(head(b, "Read", m.ID, m.Key), '}'), nil
}

// String renders the message as ReadReply{#1.4 k1 6:c1#7 "c1.7"}.
func (m ReadReply) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m ReadReply) AppendText(b []byte) ([]byte, error) {
	return append(versioned(head(b, "ReadReply", m.ID, m.Key), m.Version, m.Value), '}'), nil
}

// String renders the message as Write{#1.5 k1 6:c1#7 "c1.7" hint=n2 repair}.
func (m Write) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Write) AppendText(b []byte) ([]byte, error) {
	b = versioned(head(b, "Write", m.ID, m.Key), m.Version, m.Value)
	if m.Hint != "" {
		b = append(b, " hint="...)
		b = append(b, m.Hint...)
	}
	if m.Repair {
		b = append(b, " repair"...)
	}
	return append(b, '}'), nil
}

// String renders the message as WriteAck{#1.5 k1 6:c1#7}.
func (m WriteAck) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m WriteAck) AppendText(b []byte) ([]byte, error) {
	b = append(head(b, "WriteAck", m.ID, m.Key), ' ')
	return append(m.Version.appendText(b), '}'), nil
}

// text renders a message through its AppendText.
func text(m interface {
	AppendText([]byte) ([]byte, error)
}) string {
	var buf [96]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// String renders the message as Handoff{k1 6:c1#7 "c1.7"}.
func (m Handoff) String() string {
	b := append([]byte("Handoff{"), m.Key...)
	return string(append(versioned(b, m.Version, m.Value), '}'))
}

// String renders the message as HandoffAck{k1 6:c1#7}.
func (m HandoffAck) String() string {
	b := append(append([]byte("HandoffAck{"), m.Key...), ' ')
	return string(append(m.Version.appendText(b), '}'))
}

// String renders the message as Digest{k1=6:c1#7 k2=0 reply}.
func (m Digest) String() string {
	b := []byte("Digest{")
	for i, k := range m.Keys {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, k...)
		b = append(b, '=')
		b = m.Versions[i].appendText(b)
	}
	if m.Reply {
		b = append(b, " reply"...)
	}
	return string(append(b, '}'))
}

// String renders the message as Sync{k1 6:c1#7 "c1.7"}.
func (m Sync) String() string {
	b := append([]byte("Sync{"), m.Key...)
	return string(append(versioned(b, m.Version, m.Value), '}'))
}

func head(b []byte, kind string, id uint64, key string) []byte {
	b = append(b, kind...)
	b = append(b, "{#"...)
	b = strconv.AppendUint(b, id>>32, 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, id&0xffffffff, 10)
	b = append(b, ' ')
	return append(b, key...)
}

func versioned(b []byte, v Version, value string) []byte {
	b = append(b, ' ')
	b = v.appendText(b)
	b = append(b, ' ')
	return strconv.AppendQuote(b, value)
}

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it. A phase ID folds as
// one number, which its incarnation.count shows whole.

// appendHash folds the version as appendText shows it.
func (v Version) appendHash(h *protocols.Hash) {
	h.Uint64(v.Counter)
	h.String(v.Writer)
}

// AppendHash implements protocols.HashAppender.
func (m Read) AppendHash(h *protocols.Hash) {
	h.Uint64(m.ID)
	h.String(m.Key)
}

// AppendHash implements protocols.HashAppender.
func (m ReadReply) AppendHash(h *protocols.Hash) {
	h.Uint64(m.ID)
	h.String(m.Key)
	m.Version.appendHash(h)
	h.String(m.Value)
}

// AppendHash implements protocols.HashAppender.
func (m Write) AppendHash(h *protocols.Hash) {
	h.Uint64(m.ID)
	h.String(m.Key)
	m.Version.appendHash(h)
	h.String(m.Value)
	h.String(string(m.Hint))
	h.Bool(m.Repair)
}

// AppendHash implements protocols.HashAppender.
func (m WriteAck) AppendHash(h *protocols.Hash) {
	h.Uint64(m.ID)
	h.String(m.Key)
	m.Version.appendHash(h)
}

// AppendHash implements protocols.HashAppender.
func (m Handoff) AppendHash(h *protocols.Hash) {
	h.String(m.Key)
	m.Version.appendHash(h)
	h.String(m.Value)
}

// AppendHash implements protocols.HashAppender.
func (m HandoffAck) AppendHash(h *protocols.Hash) {
	h.String(m.Key)
	m.Version.appendHash(h)
}

// AppendHash implements protocols.HashAppender: each key with its
// version, as far as Keys goes, as String shows them.
func (m Digest) AppendHash(h *protocols.Hash) {
	h.Int(len(m.Keys))
	for i, k := range m.Keys {
		h.String(k)
		m.Versions[i].appendHash(h)
	}
	h.Bool(m.Reply)
}

// AppendHash implements protocols.HashAppender.
func (m Sync) AppendHash(h *protocols.Hash) {
	h.String(m.Key)
	m.Version.appendHash(h)
	h.String(m.Value)
}
