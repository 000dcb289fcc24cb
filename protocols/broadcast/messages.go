package broadcast

import "strings"

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
