package shardkv

import (
	"slices"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/raft"
)

// The shard controller: a Raft group whose state machine is the list of
// configurations. Joins and leaves (from operators, or the churn schedule)
// go through its log; each makes the next configuration, placed from
// scratch by the placement function, so that two replicas make the same
// one. Queries are answered by any controller server from what it has
// applied: a configuration, once made, never changes.

// The controller's timers.
const (
	timerTick  = raft.ServiceTimerPrefix + "tick"  // retry pending operator commands
	timerChurn = raft.ServiceTimerPrefix + "churn" // the next scheduled reconfiguration
)

type controller struct {
	h      raft.Host
	opts   Options
	layout Layout

	configs []Config // every configuration made, configs[i].Num == i; configs[0] is empty

	pending []pendingAdmin // operator commands this server received, retried until they hold (volatile)
}

type pendingAdmin struct {
	op    string
	gid   int
	tries int
}

// maxAdminTries bounds the retries of an operator's command.
const maxAdminTries = 50

func newController(opts Options, layout Layout) raft.ServiceFactory {
	return func(h raft.Host, _ protocols.Config) raft.Service {
		empty := Config{Shards: make([]int, opts.Shards)}
		return &controller{h: h, opts: opts, layout: layout, configs: []Config{empty, genesis(opts, len(layout.Groups))}}
	}
}

func (c *controller) latest() Config { return c.configs[len(c.configs)-1] }

// Start implements raft.Service.
func (c *controller) Start() {
	out := c.h.Out()
	out.SetTimer(timerTick, c.opts.Poll)
	if c.opts.Churn > 0 {
		out.SetTimer(timerChurn, c.opts.Churn)
	}
}

// Timer implements raft.Service.
func (c *controller) Timer(name string) {
	out := c.h.Out()
	switch name {
	case timerTick:
		out.SetTimer(timerTick, c.opts.Poll)
		c.retryAdmin()
	case timerChurn:
		if c.h.Now() >= c.opts.ChurnUntil {
			return
		}
		out.SetTimer(timerChurn, c.opts.Churn)
		if c.h.Leads() {
			c.h.Propose(Churn{From: c.latest().Num})
		}
	}
}

// Receive implements raft.Service.
func (c *controller) Receive(from protocols.NodeID, m protocols.Message) {
	out := c.h.Out()
	switch m := m.(type) {
	case Query:
		cfg := c.latest()
		if m.Num > 0 && m.Num < len(c.configs) {
			cfg = c.configs[m.Num]
		}
		out.Send(from, QueryReply{Config: cfg})
	case Forward:
		if c.h.Leads() {
			c.propose(m.Op, m.Gid)
		}
	case kv.Request:
		// Clients ask the groups, never the controller.
		out.Send(from, kv.Reply{Seq: m.Seq, Status: kv.WrongGroup, Attempt: m.Attempt})
	}
}

// Admin implements raft.AdminService: an operator's command: join G or leave G. It is retried
// until the latest configuration reflects it (or a bound of retries), by
// proposing it when this server leads, or passing it to the leader.
func (c *controller) Admin(cmd []string) bool {
	if len(cmd) != 2 || (cmd[0] != "join" && cmd[0] != "leave") {
		return false
	}
	g, err := strconv.Atoi(cmd[1])
	if err != nil && len(cmd[1]) > 1 && cmd[1][0] == 'g' {
		g, err = strconv.Atoi(cmd[1][1:])
	}
	if err != nil || g < 1 || g > len(c.layout.Groups) {
		return true // ours, but malformed: ignored
	}
	c.pending = append(c.pending, pendingAdmin{op: cmd[0], gid: g})
	c.retryAdmin()
	return true
}

func (c *controller) retryAdmin() {
	keep := c.pending[:0]
	for _, p := range c.pending {
		if done := c.latest().Has(p.gid) == (p.op == "join"); done || p.tries >= maxAdminTries {
			continue
		}
		p.tries++
		switch {
		case c.h.Leads():
			c.propose(p.op, p.gid)
		case c.h.LeaderHint() != "":
			c.h.Out().Send(c.h.LeaderHint(), Forward{Op: p.op, Gid: p.gid})
			c.h.Out().Probe(ProbeAdminForwarded)
		}
		keep = append(keep, p)
	}
	c.pending = keep
}

func (c *controller) propose(op string, g int) {
	if op == "join" {
		c.h.Propose(Join{Gid: g})
	} else {
		c.h.Propose(Leave{Gid: g})
	}
}

// Apply implements raft.Service.
func (c *controller) Apply(index int, e raft.Entry) (kv.Request, kv.Outcome) {
	cur := c.latest()
	groups := cur.Groups
	switch cmd := e.Cmd.(type) {
	case Join:
		if !cur.Has(cmd.Gid) {
			groups = append(slices.Clone(groups), cmd.Gid)
			slices.Sort(groups)
		}
	case Leave:
		if cur.Has(cmd.Gid) && len(groups) > 1 {
			groups = slices.DeleteFunc(slices.Clone(groups), func(g int) bool { return g == cmd.Gid })
		}
	case Churn:
		if cmd.From != cur.Num {
			break
		}
		// Step k of the cycle toggles group k mod G + 1: it leaves if it is
		// in (and not the last), else joins; when it is the last, the
		// first group out joins instead.
		g := cur.Num%len(c.layout.Groups) + 1
		switch {
		case cur.Has(g) && len(groups) > 1:
			groups = slices.DeleteFunc(slices.Clone(groups), func(x int) bool { return x == g })
		case cur.Has(g):
			for x := 1; x <= len(c.layout.Groups); x++ {
				if !cur.Has(x) {
					g = x
					break
				}
			}
			fallthrough
		default:
			if !cur.Has(g) {
				groups = append(slices.Clone(groups), g)
				slices.Sort(groups)
			}
		}
		if c.h.Leads() {
			c.h.Out().Probe(ProbeChurn)
		}
	}
	if !slices.Equal(groups, cur.Groups) {
		next := cur.next(groups, c.opts.Placement, c.opts.Shards, c.opts.VNodes)
		c.configs = append(c.configs, next)
		c.h.Out().Note(ConfigMade{Config: next})
		c.h.Out().Probe(ProbeConfigMade)
	}
	return kv.Request{}, kv.Executed
}

// Fields implements raft.Service.
func (c *controller) Fields() []protocols.Field {
	return []protocols.Field{{Name: "service", Value: "controller"}, {Name: "config", Value: c.latest().String()}}
}
