package kv

import "github.com/dsimlab/dsim/protocols"

// What monitors that follow requests across servers share (ExactlyOnce
// here, Raft's acked-write-lost): requests keyed by two integers instead
// of a client's name, and a small cache in front of the big maps. Every
// server applies each request within a few milliseconds, and the checks
// run after every event, so hashing names into maps of thousands showed
// in profiles.

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
		if x == id {
			return int32(i)
		}
	}
	*c = append(*c, id)
	return int32(len(*c) - 1)
}

// RequestCache holds a few entries of a map from requests to positions, in
// front of it: most lookups are of a request seen just before, and a small
// array answers them without hashing into a map of thousands. It holds
// only entries the map holds, with their values; the map never changes an
// entry, and whoever deletes from the map clears the cache (sets it to
// its zero value).
type RequestCache [256]struct {
	k  RequestKey
	v  int
	ok bool
}

func (c *RequestCache) slot(k RequestKey) int {
	return int((uint64(k.Client)*0x9e3779b9 + k.Seq) & 255)
}

// Get returns the cached position of k, if the cache holds it.
func (c *RequestCache) Get(k RequestKey) (int, bool) {
	e := &c[c.slot(k)]
	if e.ok && e.k == k {
		return e.v, true
	}
	return 0, false
}

// Put caches k's position v, in place of whatever shared its slot.
func (c *RequestCache) Put(k RequestKey, v int) {
	c[c.slot(k)] = struct {
		k  RequestKey
		v  int
		ok bool
	}{k, v, true}
}
