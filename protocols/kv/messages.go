package kv

import (
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// Request asks a server to execute one operation. Client must be the
// sending node's ID: servers reply to it. Seq numbers one client's
// operations in increasing order; a retry of an operation reuses its Seq,
// which is what lets a Machine execute it at most once.
type Request struct {
	Client protocols.NodeID
	Seq    uint64
	Op     Op
	// Deadline is when the client stops waiting for the operation, on its
	// own clock; every retry carries the same one (ClientOptions.Deadline).
	// A server with a service model drops a request past it unprocessed.
	// Zero means none.
	Deadline clock.Time
	// Context is the causal context the client last read for the key of a
	// write (see Reply.Context), sent back so that a store keeping
	// siblings can tell which versions the write supersedes. Empty for
	// gets and for protocols that never return one; opaque to the client.
	Context string
	// Attempt counts the sends of this operation by the client, from 1. A
	// retry has a higher Attempt than every copy sent before it, so a
	// server can tell a fresh retry from a late duplicate of an earlier
	// copy (leaderless stores restart an operation they gave up on only
	// for a fresh retry). Not shown in traces.
	Attempt uint32
}

// Kind implements protocols.Message.
func (Request) Kind() string { return "Request" }

// Expires implements protocols.Expiring: the request's deadline.
func (r Request) Expires() clock.Time { return r.Deadline }

// Rejection implements protocols.Rejectable: a server whose queue is full
// answers Overloaded.
func (r Request) Rejection() protocols.Message {
	return Reply{Seq: r.Seq, Status: Overloaded, Attempt: r.Attempt}
}

// String renders the request as Request{c1#7 put(k1,c1.7)}.
func (r Request) String() string {
	var buf [64]byte
	b, _ := r.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b without allocating; the simulator
// uses it for trace lines (encoding.TextAppender).
func (r Request) AppendText(b []byte) ([]byte, error) {
	b = append(b, "Request{"...)
	b = append(r.appendIDBytes(b), ' ')
	b = r.Op.appendBytes(b)
	if r.Context != "" {
		b = append(b, " ctx="...)
		b = append(b, r.Context...)
	}
	if r.Deadline > 0 {
		b = append(b, " deadline="...)
		b = r.Deadline.AppendTo(b)
	}
	return append(b, '}'), nil
}

// appendID writes the request's identity, c1#7, to b.
func (r Request) appendID(b *strings.Builder) {
	var buf [32]byte
	b.Write(r.appendIDBytes(buf[:0]))
}

// appendIDBytes appends the request's identity, c1#7, to b.
func (r Request) appendIDBytes(b []byte) []byte {
	b = append(b, r.Client...)
	b = append(b, '#')
	return strconv.AppendUint(b, r.Seq, 10)
}

// ID renders the request's identity as c1#7.
func (r Request) ID() string {
	var buf [32]byte // on the stack: the string is the only allocation
	return string(r.appendIDBytes(buf[:0]))
}

// Label renders the request's identity and operation as c1#7 put(k1,c1.7),
// as logs show their entries, in one allocation.
func (r Request) Label() string {
	var buf [64]byte
	b := append(r.appendIDBytes(buf[:0]), ' ')
	return string(r.Op.appendBytes(b))
}

// Status is a server's answer to a Request. Outcomes a client can act on are
// values, not errors.
type Status uint8

// The statuses. A client retries on anything but OK.
const (
	// OK: the operation was executed (now or earlier); Value holds its result.
	OK Status = iota + 1
	// NotLeader: this server cannot order operations; LeaderHint names the
	// server it believes can, or is empty when it does not know. The
	// operation may still take effect through another server.
	NotLeader
	// WrongGroup: this server's group does not serve the key in the
	// configuration it has applied (a sharded store): the client asks its
	// directory for the owner and tries there (ClientOptions.Router). The
	// operation did not take effect here.
	WrongGroup
	// Overloaded: the server's queue was full and it refused the request
	// unread (protocols.Rejectable); the operation did not take effect
	// through this attempt.
	Overloaded
)

// String names the status as traces show it: ok or not-leader.
func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case NotLeader:
		return "not-leader"
	case WrongGroup:
		return "wrong-group"
	case Overloaded:
		return "overloaded"
	}
	return "status?"
}

// Reply answers the Request with the same Seq from the receiving client.
type Reply struct {
	Seq        uint64
	Status     Status
	Value      string           // the result: a get's value; "" for writes
	LeaderHint protocols.NodeID // NotLeader: the likely leader, or ""
	// Siblings, when it holds two or more values, is a get's result from
	// a store that keeps concurrent versions (version vectors): the
	// client records it as a sibling read (see EncodeSiblings) and Value
	// is ignored. Nil for every other reply.
	Siblings []string
	// Context is an opaque causal context (a version vector) for the
	// key, returned with OK by stores that keep siblings. The client
	// keeps the latest per key and sends it with its next write of that
	// key (Request.Context). Empty for protocols that do not use one.
	Context string
	// Attempt is the Request.Attempt this reply answers, or 0 when the
	// server does not say. A client ignores a not-leader reply to a send
	// other than its latest: a server that gave up on one send may be
	// running a later one. Not shown in traces.
	Attempt uint32
}

// Kind implements protocols.Message.
func (Reply) Kind() string { return "Reply" }

// String renders the reply as Reply{#7 ok value=c1.3} or
// Reply{#7 not-leader hint=n2}.
func (r Reply) String() string {
	var buf [64]byte
	b, _ := r.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (r Reply) AppendText(b []byte) ([]byte, error) {
	b = append(b, "Reply{#"...)
	b = strconv.AppendUint(b, r.Seq, 10)
	b = append(b, ' ')
	b = append(b, r.Status.String()...)
	if r.Status == OK {
		if len(r.Siblings) > 1 {
			b = append(b, " siblings="...)
			for i, v := range r.Siblings {
				if i > 0 {
					b = append(b, '|')
				}
				b = strconv.AppendQuote(b, v)
			}
		} else {
			b = append(b, " value="...)
			b = strconv.AppendQuote(b, r.Value)
		}
	}
	if r.Context != "" {
		b = append(b, " ctx="...)
		b = append(b, r.Context...)
	}
	if r.LeaderHint != "" {
		b = append(b, " hint="...)
		b = append(b, r.LeaderHint...)
	}
	return append(b, '}'), nil
}

// AppendHash implements protocols.HashAppender: exactly what String shows
// (not Attempt), folded into the trace hash without rendering it.
func (r Request) AppendHash(h *protocols.Hash) {
	h.String(string(r.Client))
	h.Uint64(r.Seq)
	r.Op.appendHash(h)
	if r.Context == "" {
		h.Uint64(0) // as h.String folds "", the word of its length, without a call: nearly every context is empty
	} else {
		h.String(r.Context)
	}
	h.Uint64(uint64(max(r.Deadline, 0))) // String shows a deadline only when positive
}

// AppendHash implements protocols.HashAppender: exactly what String shows
// (the value or siblings only with OK, not Attempt).
func (r Reply) AppendHash(h *protocols.Hash) {
	h.Uint64(r.Seq)
	h.Uint64(uint64(r.Status))
	if r.Status == OK {
		if len(r.Siblings) > 1 {
			h.Int(len(r.Siblings))
			for _, v := range r.Siblings {
				h.String(v)
			}
		} else {
			h.Int(0)
			h.String(r.Value)
		}
	}
	// Nearly every context and most hints are empty, which fold as the word
	// of their length, 0, as h.String folds them, without a call.
	if r.Context == "" {
		h.Uint64(0)
	} else {
		h.String(r.Context)
	}
	if r.LeaderHint == "" {
		h.Uint64(0)
	} else {
		h.String(string(r.LeaderHint))
	}
}
