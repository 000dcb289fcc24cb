package broadcast

import (
	"slices"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// The node's timers.
const (
	timerGossip    = "gossip"    // resend every peer what it has not acknowledged
	timerOriginate = "originate" // make up the next value
)

// Node is one gossiping node.
type Node struct {
	cfg        protocols.Config
	opts       Options
	values     map[string]bool
	order      []string                      // values in the order learned, for display
	pending    map[protocols.NodeID][]string // per peer: values not yet acknowledged, in order
	originated int
}

// New returns a factory for gossip nodes.
func New(opts Options) protocols.Factory {
	opts = opts.withDefaults()
	return func(cfg protocols.Config) protocols.Node {
		n := &Node{cfg: cfg, opts: opts, values: map[string]bool{}, pending: map[protocols.NodeID][]string{}}
		if opts.Bug == BugForgetOnRestart {
			return n
		}
		for _, r := range cfg.Store {
			l := r.(Learned)
			n.learn(l.Value, "")
			if l.Origin {
				n.originated++
			}
		}
		return n
	}
}

// Step implements protocols.Node.
func (n *Node) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		if len(n.values) > 0 {
			out.Probe(ProbeRecoveredValues)
		}
		out.SetTimer(timerGossip, n.opts.GossipEvery)
		if n.originated < n.opts.Values {
			out.SetTimer(timerOriginate, n.nextOrigination())
		}
	case protocols.Timer:
		switch in.Timer {
		case timerOriginate:
			n.originated++
			v := string(n.cfg.ID) + "." + strconv.Itoa(n.originated)
			n.learn(v, "")
			out.Persist(Learned{Value: v, Origin: true})
			out.Note(Learned{Value: v, Origin: true})
			n.gossip(out, false)
			if n.originated < n.opts.Values {
				out.SetTimer(timerOriginate, n.nextOrigination())
			}
		case timerGossip:
			n.gossip(out, true)
			out.SetTimer(timerGossip, n.opts.GossipEvery)
		}
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case Gossip:
			for _, v := range m.Values {
				if !n.values[v] {
					n.learn(v, in.From)
					out.Persist(Learned{Value: v})
				}
			}
			// The values are persisted (synced before this Ack leaves), so the
			// sender may forget them.
			out.Send(in.From, Ack{Values: slices.Clone(m.Values)})
			n.forget(in.From, m.Values)
		case Ack:
			n.forget(in.From, m.Values)
		}
	}
}

// nextOrigination draws the gap to the next value: uniform around the mean.
func (n *Node) nextOrigination() clock.Duration {
	mean := int64(n.opts.OriginateEvery)
	return clock.Duration(mean/2 + n.cfg.Rand.Int64N(mean+1))
}

// learn records a value and queues it for every peer except its sender.
func (n *Node) learn(v string, from protocols.NodeID) {
	n.values[v] = true
	n.order = append(n.order, v)
	for _, p := range n.cfg.Peers {
		if p != from {
			n.pending[p] = append(n.pending[p], v)
		}
	}
}

// gossip sends each peer a batch of its unacknowledged values. Retransmits
// count as such only on the periodic timer.
func (n *Node) gossip(out *protocols.Effects, periodic bool) {
	for _, p := range n.cfg.Peers {
		vs := n.pending[p]
		if len(vs) == 0 {
			continue
		}
		batch := vs[:min(len(vs), n.opts.Batch)]
		out.Send(p, Gossip{Values: slices.Clone(batch)})
		if periodic {
			out.Probe(ProbeRetransmit)
		}
		if n.opts.Bug == BugNoRetry {
			n.pending[p] = vs[len(batch):]
		}
	}
}

func (n *Node) forget(peer protocols.NodeID, acked []string) {
	vs := n.pending[peer]
	if len(vs) == 0 {
		return
	}
	kept := vs[:0]
	for _, v := range vs {
		if !slices.Contains(acked, v) {
			kept = append(kept, v)
		}
	}
	n.pending[peer] = kept
}

// Values returns the values the node holds, sorted.
func (n *Node) Values() []string {
	vs := slices.Clone(n.order)
	slices.Sort(vs)
	return vs
}

// Has reports whether the node holds v.
func (n *Node) Has(v string) bool { return n.values[v] }

// Role implements protocols.RoleReporter.
func (n *Node) Role() string { return "gossiper" }

// Status implements protocols.Node.
func (n *Node) Status() protocols.Status {
	st := protocols.Status{Role: "gossiper", Commit: len(n.values), LogLen: len(n.order)}
	from := max(0, len(n.order)-8)
	for i, v := range n.order[from:] {
		st.Log = append(st.Log, protocols.LogEntry{Index: from + i + 1, Text: v})
	}
	unacked := 0
	for _, p := range n.cfg.Peers {
		unacked += len(n.pending[p])
	}
	st.Fields = []protocols.Field{
		{Name: "values", Value: strconv.Itoa(len(n.values))},
		{Name: "originated", Value: strconv.Itoa(n.originated)},
		{Name: "unacked", Value: strconv.Itoa(unacked)},
	}
	return st
}
