package pbft

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The client (§4.1) is the generic kv client with PBFT's three rules:
//
//   - it signs each request, so no replica can make one up (an Adapter
//     holding the client's keys wraps kv.Request in a signed Request);
//   - it accepts a result once f+1 replicas sent the same one
//     (ReplyQuorum), so at least one correct replica vouches for it;
//   - it sends a new request to the primary of the latest view it knows,
//     and a retry to every replica: a faulty primary cannot then keep the
//     request from the backups, whose timers will replace it.
//
// The view comes from the replies: the highest view that f+1 replicas
// reported, so that no faulty replica alone can send the client astray.

// NewClient returns a factory for PBFT clients of a cluster of n replicas
// (servers being the clients' Peers). opts are the generic client's;
// Adapter, Broadcast and ReplyQuorum are set here (ReplyQuorum to f+1
// unless trustFirstReply). NewClient panics if opts is invalid.
func NewClient(opts kv.ClientOptions, trustFirstReply bool) protocols.Factory {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	return func(cfg protocols.Config) protocols.Node {
		n := len(cfg.Peers)
		f := (n - 1) / 3
		o := opts
		o.Broadcast = false
		o.ReplyQuorum = f + 1
		if trustFirstReply {
			o.ReplyQuorum = 1 // BUG trust-first-reply: one replica's word is the service's
		}
		o.Adapter = signer{id: cfg.ID, keys: cfg.Keys}
		return &client{inner: kv.NewClient(o)(cfg), servers: cfg.Peers, f: f, views: make([]uint64, n)}
	}
}

// signer is the client's Adapter: it signs requests and unwraps the replies
// addressed to it.
type signer struct {
	id   protocols.NodeID
	keys protocols.Keys
}

func (s signer) WrapRequest(r kv.Request) protocols.Message {
	return Request{Req: r, Sig: s.keys.Sign(requestDigest(r))}
}

func (s signer) UnwrapReply(m protocols.Message) (kv.Reply, bool) {
	r, ok := m.(Reply)
	if !ok || r.Client != s.id {
		return kv.Reply{}, false
	}
	return kv.Reply{Seq: r.Seq, Status: kv.OK, Value: r.Value}, true
}

// client wraps the generic client and decides where its requests go.
type client struct {
	inner   protocols.Node
	servers []protocols.NodeID
	f       int
	views   []uint64 // the latest view each replica reported, by position
}

// Step implements protocols.Node.
func (c *client) Step(in protocols.Input, out *protocols.Effects) {
	if in.Kind == protocols.Receive {
		if r, ok := in.Msg.(Reply); ok {
			if i := slices.Index(c.servers, in.From); i >= 0 {
				c.views[i] = max(c.views[i], r.View)
			}
		}
	}
	sends, notes := len(out.Sends), len(out.Notes)
	c.inner.Step(in, out)
	if len(out.Sends) == sends {
		return
	}
	// The generic client sent its request to one server. A new request
	// (it noted the invocation in this step) goes to the primary; a retry
	// goes to every replica.
	fresh := false
	for _, n := range out.Notes[notes:] {
		if _, ok := n.(kv.Invoked); ok {
			fresh = true
		}
	}
	msgs := make([]protocols.Message, 0, len(out.Sends)-sends)
	for _, s := range out.Sends[sends:] {
		msgs = append(msgs, s.Msg)
	}
	out.Sends = out.Sends[:sends]
	for _, m := range msgs {
		if fresh {
			out.Send(c.primary(), m)
			continue
		}
		out.Probe(ProbeClientBroadcast)
		out.Broadcast(c.servers, m)
	}
}

// primary is the primary of the highest view f+1 replicas reported.
func (c *client) primary() protocols.NodeID {
	vs := slices.Clone(c.views)
	slices.Sort(vs)
	v := vs[len(vs)-(c.f+1)]
	return c.servers[v%uint64(len(c.servers))]
}

// Status implements protocols.Node.
func (c *client) Status() protocols.Status {
	st := c.inner.Status()
	st.Fields = append(st.Fields, protocols.Field{Name: "primary", Value: string(c.primary())})
	return st
}
