package shardkv

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// router is the clients' kv.Router: it keeps the latest configuration it
// heard of from the controller, sends each key to the servers of the group
// that owns its shard there, and asks the controller again when a group
// says it does not serve the key. It starts knowing nothing; a restarted
// client asks again.
type router struct {
	opts   Options
	layout Layout
	cfg    Config // Num 0: none yet
	stale  bool   // a group turned a key away: ask before routing again
	ctrl   int    // the controller server to ask next
	start  []int  // by group: the member to try first (the last one routed to)
}

func newRouter(opts Options, layout Layout) func(protocols.NodeID, []protocols.NodeID) kv.Router {
	return func(protocols.NodeID, []protocols.NodeID) kv.Router {
		return &router{opts: opts, layout: layout, start: make([]int, len(layout.Groups)+1)}
	}
}

// Route implements kv.Router.
func (r *router) Route(key string, prev protocols.NodeID, out *protocols.Effects) protocols.NodeID {
	g := r.cfg.Owner(ShardOf(key, r.opts.Shards))
	if r.cfg.Num == 0 || r.stale || g == 0 {
		r.ask(out)
		return ""
	}
	members := r.layout.Members(g)
	i := r.start[g]
	if j := slices.Index(members, prev); j >= 0 {
		i = (j + 1) % len(members)
	}
	r.start[g] = i
	return members[i]
}

// ask sends a query for the latest configuration to the next controller
// server.
func (r *router) ask(out *protocols.Effects) {
	ctrls := r.layout.Controllers
	out.Send(ctrls[r.ctrl%len(ctrls)], Query{})
	r.ctrl++
}

// WrongGroup implements kv.Router.
func (r *router) WrongGroup(string, protocols.NodeID) { r.stale = true }

// Receive implements kv.Router: a configuration at least as new as the one
// it has replaces it. One no newer than its own means the group that
// turned it away is behind, not the router: it routes as before.
func (r *router) Receive(_ protocols.NodeID, m protocols.Message, _ *protocols.Effects) {
	if q, ok := m.(QueryReply); ok && q.Config.Num >= r.cfg.Num && q.Config.Num > 0 {
		r.cfg, r.stale = q.Config, false
	}
}
