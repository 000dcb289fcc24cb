package kv

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
)

// What monitors that follow requests across servers share (ExactlyOnce
// here, Raft's acked-write-lost): requests keyed by two integers instead
// of a client's name, and their positions kept in slices per client
// instead of a map. Every server applies each request within a few
// milliseconds, and the checks run after every event, so hashing names,
// and then keys, into maps of thousands showed in profiles.

// RequestKey names a request by its client's number (ClientNumbers) and
// its sequence number.
type RequestKey struct {
	Client int32
	Seq    uint64
}

// ClientNumbers numbers clients in the order they are first seen. The
// monitors that follow requests number a client at every request applied,
// and the names in requests and notes are the clients' own strings, so a
// number is nearly always found by where the name lies (recent), and
// otherwise by a scan: a run has a handful of clients. Monitors of one run
// may share one. The zero value is empty.
type ClientNumbers struct {
	ids    []protocols.NodeID
	recent protocols.NameCache[int32]
}

// Of returns id's number, giving it the next one if it is new.
func (c *ClientNumbers) Of(id protocols.NodeID) int32 {
	if x, ok := c.recent.Get(string(id)); ok {
		return x
	}
	x := int32(slices.IndexFunc(c.ids, func(y protocols.NodeID) bool { return protocols.SameString(y, id) }))
	if x < 0 {
		x = int32(len(c.ids))
		c.ids = append(c.ids, id)
	}
	c.recent.Put(string(id), x)
	return x
}

// Name returns the client numbered x.
func (c *ClientNumbers) Name(x int32) protocols.NodeID { return c.ids[x] }

// RequestPositions maps requests to positions (log indexes), as a
// map[RequestKey]int would, without hashing: each client's sequence numbers
// are dense, so an IndexMap per client holds them. The zero value is
// empty.
type RequestPositions struct {
	clients []IndexMap[int] // by client number
	n       int             // requests held
}

// Len returns how many requests p holds.
func (p *RequestPositions) Len() int { return p.n }

// Get returns the position of request k, if p holds it.
func (p *RequestPositions) Get(k RequestKey) (int, bool) {
	if int(k.Client) >= len(p.clients) {
		return 0, false
	}
	return p.clients[k.Client].Get(k.Seq)
}

// Add records that request k is at position v; p must not hold k.
func (p *RequestPositions) Add(k RequestKey, v int) {
	for int(k.Client) >= len(p.clients) {
		p.clients = append(p.clients, IndexMap[int]{})
	}
	p.n++
	p.clients[k.Client].Set(k.Seq, v)
}

// Forget drops each client's requests whose sequence number is more than
// window below top[client]'s.
func (p *RequestPositions) Forget(window uint64, top []uint64) {
	for ci := range p.clients {
		if top[ci] > window {
			c := &p.clients[ci]
			before := c.Len()
			c.ForgetBelow(top[ci] - window)
			p.n -= before - c.Len()
		}
	}
}
