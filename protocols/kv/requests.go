package kv

import "github.com/dsimlab/dsim/protocols"

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

// ClientNumbers numbers clients in the order they are first seen. A run
// has a handful of clients, so a scan beats hashing their names.
type ClientNumbers []protocols.NodeID

// Of returns id's number, giving it the next one if it is new.
func (c *ClientNumbers) Of(id protocols.NodeID) int32 {
	for i, x := range *c {
		if protocols.SameString(x, id) {
			return int32(i)
		}
	}
	*c = append(*c, id)
	return int32(len(*c) - 1)
}

// RequestPositions maps requests to positions (log indexes), as a
// map[RequestKey]int would, without hashing: each client's sequence numbers
// are dense, so a slice per client indexed by sequence number holds them.
// A sequence number below the slice's start (a request seen again long
// after its client moved on) or far past its end goes into a map instead.
// The zero value is empty.
type RequestPositions struct {
	clients []clientPositions // by client number
	n       int               // requests held
}

type clientPositions struct {
	base uint64 // pos[i] is the position of sequence number base+i, plus one; 0 when absent
	pos  []int
	far  map[uint64]int // positions of the sequence numbers outside pos
}

// farAhead bounds how far past its slice's end a sequence number may lie
// and still extend the slice.
const farAhead = 4096

// Len returns how many requests p holds.
func (p *RequestPositions) Len() int { return p.n }

// Get returns the position of request k, if p holds it.
func (p *RequestPositions) Get(k RequestKey) (int, bool) {
	if int(k.Client) >= len(p.clients) {
		return 0, false
	}
	c := &p.clients[k.Client]
	if k.Seq >= c.base && k.Seq-c.base < uint64(len(c.pos)) {
		if v := c.pos[k.Seq-c.base]; v != 0 {
			return v - 1, true
		}
		return 0, false
	}
	v, ok := c.far[k.Seq]
	return v, ok
}

// Add records that request k is at position v; p must not hold k.
func (p *RequestPositions) Add(k RequestKey, v int) {
	for int(k.Client) >= len(p.clients) {
		p.clients = append(p.clients, clientPositions{})
	}
	p.n++
	c := &p.clients[k.Client]
	if len(c.pos) == 0 && len(c.far) == 0 {
		c.base = k.Seq
	}
	switch i := k.Seq - c.base; {
	case k.Seq >= c.base && i < uint64(len(c.pos)):
		c.pos[i] = v + 1
	case k.Seq >= c.base && i < uint64(len(c.pos))+farAhead:
		c.pos = append(c.pos, make([]int, i+1-uint64(len(c.pos)))...)
		c.pos[i] = v + 1
	default:
		if c.far == nil {
			c.far = map[uint64]int{}
		}
		c.far[k.Seq] = v
	}
}

// Forget drops each client's requests whose sequence number is more than
// window below top[client]'s. Only deletions depend on the map's order,
// so the result does not.
func (p *RequestPositions) Forget(window uint64, top []uint64) {
	for ci := range p.clients {
		c := &p.clients[ci]
		for seq := range c.far {
			if seq+window < top[ci] {
				delete(c.far, seq)
				p.n--
			}
		}
		// Sequence numbers below keep go; the slice then starts at keep.
		if top[ci] <= window || c.base+window >= top[ci] {
			continue
		}
		keep := top[ci] - window
		drop := min(keep-c.base, uint64(len(c.pos)))
		for _, v := range c.pos[:drop] {
			if v != 0 {
				p.n--
			}
		}
		c.pos = append([]int(nil), c.pos[drop:]...)
		c.base = keep
	}
}
