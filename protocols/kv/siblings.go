package kv

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Siblings and causal contexts: the client side of stores that keep
// concurrent versions of a key (version vectors, as Dynamo and Riak do)
// instead of picking one.
//
// A get may be answered with two or more sibling values (Reply.Siblings):
// versions written concurrently, none of which the store can order. The
// client records the read with the values encoded by EncodeSiblings, the
// encoding the consistency ladder (checker/consistency) reads. With every
// OK reply such a store also returns an opaque causal context for the key
// (Reply.Context: the merged version vector of what the client saw); the
// client keeps the latest one per key and sends it with its next write of
// that key (Request.Context). The store then replaces exactly the versions
// the context covers: the client has merged the siblings it read by writing
// over them. A write without a context supersedes nothing and becomes a
// sibling of whatever the key holds.
//
// Protocols that return neither siblings nor contexts see no change: the
// fields stay empty, and messages print as before.

// siblingPrefix opens an encoded sibling read. It is
// checker/consistency's, which kv may not import.
const siblingPrefix = "siblings"

// EncodeSiblings returns how a sibling read is written as a get's output
// (Completed.Output, and so the history's JSON): the word siblings followed
// by a JSON array of the values, sorted and without duplicates, e.g.
// siblings["c1.3","c2.5"]. Fewer than two distinct values encode as the
// single value itself ("" for none). It is exactly
// checker/consistency.EncodeSiblings.
func EncodeSiblings(values []string) string {
	vs := slices.Clone(values)
	slices.Sort(vs)
	vs = slices.Compact(vs)
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	b, err := json.Marshal(vs)
	if err != nil {
		panic(fmt.Sprintf("kv: marshal %q: %v", vs, err)) // strings always marshal
	}
	return siblingPrefix + string(b)
}

// contexts is the client's latest causal context per key, in the order
// keys were first seen (a few keys: a slice beats a map, and never leaks
// map order).
type contexts struct {
	keys, ctxs []string
}

func (c *contexts) get(key string) string {
	if i := slices.Index(c.keys, key); i >= 0 {
		return c.ctxs[i]
	}
	return ""
}

func (c *contexts) set(key, ctx string) {
	if i := slices.Index(c.keys, key); i >= 0 {
		c.ctxs[i] = ctx
		return
	}
	c.keys = append(c.keys, key)
	c.ctxs = append(c.ctxs, ctx)
}
