// Package kvtest holds what the protocols' datadriven scripts share for
// the KV service: the scripted test client "cx". It notes its invocations
// and its completions, so the history monitors judge scripted operations
// as they judge a real client's.
package kvtest

import (
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// ID is the scripted client's node ID.
const ID protocols.NodeID = "cx"

// Client is a scripted client's state: its ID, the sequence numbers it has
// used and its operations not yet completed.
type Client struct {
	id   protocols.NodeID
	seq  uint64
	open map[uint64]kv.Op
}

// NewClient returns the client cx, which has sent nothing.
func NewClient() *Client { return Named(ID) }

// Named returns a client called id, for scripts with more than one.
func Named(id protocols.NodeID) *Client { return &Client{id: id, open: map[uint64]kv.Op{}} }

// ID returns the client's node ID.
func (c *Client) ID() protocols.NodeID { return c.id }

// Scan reads a request from a script line's arguments: op=get|put|append,
// key=K, value=V for writes, and seq=N (by default one past the highest
// number used so far).
func (c *Client) Scan(t *testing.T, d *datadriven.TestData) kv.Request {
	var op, key, value string
	d.ScanArgs(t, "op", &op)
	d.ScanArgs(t, "key", &key)
	d.MaybeScanArgs(t, "value", &value)
	seq := c.seq + 1
	d.MaybeScanArgs(t, "seq", &seq)
	c.seq = max(c.seq, seq)
	r := kv.Request{Client: c.id, Seq: seq}
	switch op {
	case "get":
		r.Op = kv.GetOp(key)
	case "put":
		r.Op = kv.PutOp(key, value)
	case "append":
		r.Op = kv.AppendOp(key, value)
	default:
		d.Fatalf(t, "request: unknown op %q", op)
	}
	return r
}

// Invoke notes r's invocation, unless r retries an operation still open
// (the same sequence number and operation). A script may reuse the number
// of an operation that was turned away for a new one, which is noted.
func (c *Client) Invoke(h *prototest.Harness, r kv.Request) {
	if prev, again := c.open[r.Seq]; !again || prev != r.Op {
		c.open[r.Seq] = r.Op
		h.Observe(c.id, kv.Invoked{Client: c.id, Seq: r.Seq, Op: r.Op})
	}
}

// Request is a script's "request" command: it reads the request (Scan and
// to=NODE), notes it (Invoke) and sends it from the client to NODE.
func (c *Client) Request(t *testing.T, h *prototest.Harness, d *datadriven.TestData) string {
	var to string
	d.ScanArgs(t, "to", &to)
	r := c.Scan(t, d)
	c.Invoke(h, r)
	h.Inject(c.id, protocols.NodeID(to), r)
	return ""
}

// Open returns the operation invoked with seq and not yet completed.
func (c *Client) Open(seq uint64) (kv.Op, bool) {
	op, ok := c.open[seq]
	return op, ok
}

// Complete notes the completion of the open operation seq with the output
// a reply from server gave it, and closes it.
func (c *Client) Complete(out *protocols.Effects, seq uint64, output string, server protocols.NodeID) {
	op := c.open[seq]
	delete(c.open, seq)
	if op.Kind != kv.Get {
		output = ""
	}
	out.Note(kv.Completed{Client: c.id, Seq: seq, Op: op, Output: output, Server: server})
}

// Node returns the client as a node for the harness: the first OK reply
// to an open operation completes it.
func (c *Client) Node() protocols.Factory {
	return func(protocols.Config) protocols.Node { return sink{c} }
}

type sink struct{ c *Client }

func (s sink) Step(in protocols.Input, out *protocols.Effects) {
	r, ok := in.Msg.(kv.Reply)
	if !ok || r.Status != kv.OK {
		return
	}
	if _, open := s.c.Open(r.Seq); open {
		s.c.Complete(out, r.Seq, r.Value, in.From)
	}
}

func (sink) Status() protocols.Status { return protocols.Status{Role: "client"} }
