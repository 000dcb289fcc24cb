package kv

import (
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// OpKind is the type of a KV operation.
type OpKind uint8

// The operations. The zero OpKind is invalid, so a zero Op is recognisable.
const (
	// Get reads a key; a missing key reads as "".
	Get OpKind = iota + 1
	// Put overwrites a key.
	Put
	// Append concatenates a value onto a key's current value. Executing one
	// twice leaves the value twice, so duplicate execution is visible.
	Append
)

// String names the operation: get, put or append.
func (k OpKind) String() string {
	switch k {
	case Get:
		return "get"
	case Put:
		return "put"
	case Append:
		return "append"
	}
	return "op?"
}

// Op is one KV operation.
type Op struct {
	Kind  OpKind
	Key   string
	Value string // Put and Append only
}

// GetOp returns a get of key.
func GetOp(key string) Op { return Op{Kind: Get, Key: key} }

// PutOp returns a put of value at key.
func PutOp(key, value string) Op { return Op{Kind: Put, Key: key, Value: value} }

// AppendOp returns an append of value at key.
func AppendOp(key, value string) Op { return Op{Kind: Append, Key: key, Value: value} }

// IsWrite reports whether the operation changes state.
func (o Op) IsWrite() bool { return o.Kind == Put || o.Kind == Append }

// String renders the op as get(k1), put(k1,c1.7) or append(k1,c1.7).
func (o Op) String() string {
	var buf [48]byte // on the stack: the string is the only allocation
	return string(o.appendBytes(buf[:0]))
}

// appendBytes appends the String form to b.
func (o Op) appendBytes(b []byte) []byte {
	b = append(b, o.Kind.String()...)
	b = append(b, '(')
	b = append(b, o.Key...)
	if o.Kind != Get {
		b = append(b, ',')
		b = append(b, o.Value...)
	}
	return append(b, ')')
}

// appendTo writes the String form to b.
func (o Op) appendTo(b *strings.Builder) {
	var buf [48]byte
	b.Write(o.appendBytes(buf[:0]))
}

// AppendHash folds what String shows into a trace hash (a get has no
// value), for the AppendHash of messages that show an operation.
func (o Op) AppendHash(h *protocols.Hash) { o.appendHash(h) }

// appendHash is AppendHash of the op o points to: a Request's AppendHash
// folds its op where the request holds it, not a copy.
func (o *Op) appendHash(h *protocols.Hash) {
	h.Uint64(uint64(o.Kind))
	h.String(o.Key)
	if o.Kind != Get {
		h.String(o.Value)
	}
}
