package protocols

import "github.com/dsimlab/dsim/clock"

// Load: a node's step may take virtual service time (Effects.Work, and the
// per-step time of the service model a scenario gives the node), inputs
// that arrive while it is busy wait in its queue in arrival order, and the
// queue may be bounded. The two interfaces below let a message take part
// in what a node's runtime does with its queue, without the protocol's
// code seeing any of it.

// Expiring is implemented by messages that carry a deadline, such as a
// client request whose caller stops waiting at some point. A node with a
// service model drops such a message, unprocessed, when it would start on
// it after the deadline: work nobody waits for any more is not done. Zero
// means no deadline.
type Expiring interface {
	Message
	// Expires is the deadline, read on the receiving node's local clock.
	Expires() clock.Time
}

// Rejectable is implemented by messages a node's runtime may refuse on its
// behalf when its queue is full and its service model says to answer
// rather than drop silently (as a gRPC server answers RESOURCE_EXHAUSTED,
// or an HTTP server 503): the sender gets the rejection at once instead of
// waiting for a timeout.
type Rejectable interface {
	Message
	// Rejection is the answer sent back to the sender; nil sends nothing.
	Rejection() Message
}
