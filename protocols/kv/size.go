package kv

import "github.com/dsimlab/dsim/protocols"

// Size is the size in bytes a KV client's message would take on a real
// wire (a compact binary encoding: fixed fields, then the strings), for a
// protocol's MessageSize; ok is false for other messages.
func Size(m protocols.Message) (n int, ok bool) {
	switch m := m.(type) {
	case Request:
		return RequestSize(m), true
	case Reply:
		return 8 + 1 + len(m.Value) + len(m.LeaderHint), true
	}
	return 0, false
}

// RequestSize is the wire size of one request, also as carried in a log
// entry: client, sequence number, op kind, key and value.
func RequestSize(r Request) int {
	return len(r.Client) + 8 + 1 + len(r.Op.Key) + len(r.Op.Value)
}
