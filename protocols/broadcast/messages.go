package broadcast

import (
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// The messages are values: a node never changes a slice it has sent.

// Gossip carries values to a peer.
type Gossip struct{ Values []string }

// Ack acknowledges values received.
type Ack struct{ Values []string }

// Kind implements protocols.Message.
func (Gossip) Kind() string { return "Gossip" }

// Kind implements protocols.Message.
func (Ack) Kind() string { return "Ack" }

// String renders the message as Gossip{n1.1 n2.3}.
func (m Gossip) String() string { return "Gossip{" + strings.Join(m.Values, " ") + "}" }

// String renders the message as Ack{n1.1}.
func (m Ack) String() string { return "Ack{" + strings.Join(m.Values, " ") + "}" }

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it: each value, as String
// shows them between spaces. Values are node.count (n1.3), never empty
// and without spaces, so values that join alike are the same values.

// hashValues folds values as String shows them.
func hashValues(h *protocols.Hash, values []string) {
	h.Int(len(values))
	for _, v := range values {
		h.String(v)
	}
}

// AppendHash implements protocols.HashAppender.
func (m Gossip) AppendHash(h *protocols.Hash) { hashValues(h, m.Values) }

// AppendHash implements protocols.HashAppender.
func (m Ack) AppendHash(h *protocols.Hash) { hashValues(h, m.Values) }
