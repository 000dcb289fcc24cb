package kv

import "github.com/dsimlab/dsim/protocols"

// Size is the size in bytes a KV client's message would take on a real
// wire (a compact binary encoding: fixed fields, then the strings), for a
// protocol's MessageSize; ok is false for other messages.
func Size(m protocols.Message) (n int, ok bool) {
	// The message is read where it holds its value, not copied out as a
	// switch on its value would: the network sizes every message it sends.
	switch m.(type) {
	case Request:
		held := protocols.Note(m)
		return requestSize(protocols.NoteValue[Request](&held)), true
	case Reply:
		held := protocols.Note(m)
		r := protocols.NoteValue[Reply](&held)
		return 8 + 1 + len(r.Value) + len(r.LeaderHint), true
	}
	return 0, false
}

// RequestSize is the wire size of one request, also as carried in a log
// entry: client, sequence number, op kind, key and value.
func RequestSize(r Request) int { return requestSize(&r) }

func requestSize(r *Request) int {
	return len(r.Client) + 8 + 1 + len(r.Op.Key) + len(r.Op.Value)
}
