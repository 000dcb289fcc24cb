package shardkv

import (
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/raft"
)

// A replica group: a Raft group whose state machine is one kv.Machine per
// shard it holds (data and duplicate-detection table together), plus the
// configuration it has applied. Everything that changes that state goes
// through its log, so every replica makes the same decisions at the same
// index: client requests, moving to the next configuration, installing a
// shard handed over, deleting one handed off.
//
// Configurations are applied one at a time, in order, and only when no
// shard is in transit: a group moves to configuration N+1 only after it has
// installed every shard it gained in N and the new owners have acknowledged
// every shard it lost. A shard it loses is frozen at the index of the
// Reconfigure entry (that state, and nothing later, is handed over); a
// shard it gains is served only once installed. The leader does the
// talking: it polls the controller for configuration N+1 and pushes frozen
// shards to their new owners until they acknowledge.

// timerPoll is the group's timer: poll the controller, push shards.
const timerPoll = raft.ServiceTimerPrefix + "poll"

// shardStatus is what a group does with one shard in its configuration.
type shardStatus uint8

const (
	absent  shardStatus = iota // not ours
	serving                    // ours, and its data is here
	waiting                    // ours in this configuration, its data not yet installed
	handing                    // ours in the previous configuration: frozen, until the new owner acknowledges it
)

func (s shardStatus) String() string {
	return [...]string{"absent", "serving", "waiting", "handing"}[s]
}

type shardState struct {
	status shardStatus
	m      *kv.Machine  // serving (and, left behind, handing)
	frozen *kv.Snapshot // handing: the state to hand over
	early  bool         // BUG serve-before-install: serving without the data
	term   uint64       // handing: the term of the entry that froze it
}

type group struct {
	h      raft.Host
	opts   Options
	bugs   bugs
	layout Layout
	gid    int

	// Replicated state, rebuilt by applying the log.
	cur    Config
	shards []shardState

	// Volatile leader state: what was proposed in which term, so a poll
	// does not put the same command in the log again and again.
	nextCtrl int
	proposed map[string]uint64
}

func newGroup(opts Options, b bugs, layout Layout) raft.ServiceFactory {
	return func(h raft.Host, cfg protocols.Config) raft.Service {
		return &group{
			h: h, opts: opts, bugs: b, layout: layout, gid: layout.GroupOf(cfg.ID),
			cur:      Config{Shards: make([]int, opts.Shards)},
			shards:   make([]shardState, opts.Shards),
			proposed: map[string]uint64{},
		}
	}
}

// stable reports whether no shard is in transit: only then may the group
// move to the next configuration.
func (g *group) stable() bool {
	for _, s := range g.shards {
		if s.status == waiting || s.status == handing {
			return false
		}
	}
	return true
}

// Start implements raft.Service.
func (g *group) Start() { g.h.Out().SetTimer(timerPoll, g.opts.Poll) }

// Timer implements raft.Service: the leader's poll.
func (g *group) Timer(name string) {
	out := g.h.Out()
	out.SetTimer(timerPoll, g.opts.Poll)
	if !g.h.Leads() {
		return
	}
	if g.stable() {
		q := Query{Num: g.cur.Num + 1}
		if g.bugs.skipConfig {
			q.Num = 0 // BUG skip-config: ask for the latest
		}
		ctrls := g.layout.Controllers
		out.Send(ctrls[g.nextCtrl%len(ctrls)], q)
		g.nextCtrl++
	}
	for s, st := range g.shards {
		if st.status != handing {
			continue
		}
		if st.term < g.h.Term() {
			out.Probe(ProbeHandoffNewLeader)
		}
		out.Probe(ProbeShardPushed)
		out.Broadcast(g.layout.Members(g.cur.Owner(s)), ShardPush{Gid: g.gid, Num: g.cur.Num, Shard: s, State: *st.frozen})
	}
}

// once proposes cmd unless this leader already did in its term.
func (g *group) once(key string, cmd raft.Command) {
	if t, ok := g.proposed[key]; ok && t == g.h.Term() {
		return
	}
	if g.h.Propose(cmd) {
		g.proposed[key] = g.h.Term()
	}
}

// Receive implements raft.Service.
func (g *group) Receive(from protocols.NodeID, m protocols.Message) {
	out := g.h.Out()
	switch m := m.(type) {
	case kv.Request:
		g.request(from, m)
	case QueryReply:
		ok := m.Config.Num == g.cur.Num+1
		if g.bugs.skipConfig {
			ok = m.Config.Num > g.cur.Num // BUG skip-config: anything newer will do
		}
		if ok && g.h.Leads() && g.stable() {
			g.once("cfg"+strconv.Itoa(m.Config.Num), Reconfigure{Config: m.Config})
		}
	case ShardPush:
		if !g.h.Leads() {
			return
		}
		switch {
		case m.Num < g.cur.Num:
			out.Send(from, ShardPushAck{Gid: g.gid, Num: m.Num, Shard: m.Shard})
		case m.Num > g.cur.Num:
			out.Probe(ProbeGroupBehind) // it will get there; the pusher keeps pushing
		case g.cur.Owner(m.Shard) != g.gid:
		case g.shards[m.Shard].status == waiting || g.shards[m.Shard].early:
			g.once("install"+strconv.Itoa(m.Num)+"/"+strconv.Itoa(m.Shard), InstallShard{Num: m.Num, Shard: m.Shard, State: m.State})
		default:
			out.Send(from, ShardPushAck{Gid: g.gid, Num: m.Num, Shard: m.Shard})
		}
	case ShardPushAck:
		if g.h.Leads() && m.Num == g.cur.Num && m.Shard < len(g.shards) && g.shards[m.Shard].status == handing {
			g.once("handed"+strconv.Itoa(m.Num)+"/"+strconv.Itoa(m.Shard), HandedOff{Num: m.Num, Shard: m.Shard})
		}
	}
}

// request takes a client's request: a non-leader redirects it, a group
// that does not serve the key's shard now turns it away, a retry of a
// request already executed is answered from the shard's table, and
// anything else goes into the log. Ownership is checked again when the
// entry is applied: the configuration may change in between.
func (g *group) request(from protocols.NodeID, r kv.Request) {
	out := g.h.Out()
	if !g.h.Leads() {
		out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.NotLeader, LeaderHint: g.h.LeaderHint(), Attempt: r.Attempt})
		return
	}
	s := ShardOf(r.Op.Key, g.opts.Shards)
	st := &g.shards[s]
	if g.cur.Owner(s) != g.gid || st.status != serving {
		out.Probe(ProbeWrongGroupReply)
		out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.WrongGroup, Attempt: r.Attempt})
		return
	}
	if v, ok := st.m.Cached(r.Client, r.Seq); ok {
		out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: v, Attempt: r.Attempt})
		return
	}
	if r.Seq < st.m.LastSeq(r.Client) {
		return
	}
	g.h.ProposeRequest(r)
}

// Apply implements raft.Service.
func (g *group) Apply(index int, e raft.Entry) (kv.Request, kv.Outcome) {
	if e.Cmd == nil {
		return e.Req, g.applyRequest(index, e)
	}
	switch cmd := e.Cmd.(type) {
	case Reconfigure:
		g.reconfigure(index, e.Term, cmd.Config)
	case InstallShard:
		st := &g.shards[cmd.Shard]
		if cmd.Num == g.cur.Num && g.cur.Owner(cmd.Shard) == g.gid && (st.status == waiting || st.early) {
			st.m, st.status, st.early = cmd.State.Restore(), serving, false
			g.h.Out().Note(Installed{Gid: g.gid, Num: cmd.Num, Shard: cmd.Shard, Index: index, State: cmd.State})
			g.h.Out().Probe(ProbeShardInstalled)
		}
	case HandedOff:
		st := &g.shards[cmd.Shard]
		if cmd.Num == g.cur.Num && st.status == handing {
			*st = shardState{}
			g.h.Out().Probe(ProbeHandedOff)
		}
	}
	return kv.Request{}, kv.Executed
}

// applyRequest executes a client request if the group serves its shard in
// the configuration it has applied, and answers the client if this server
// leads the term the request was logged in.
func (g *group) applyRequest(index int, e raft.Entry) kv.Outcome {
	r := e.Req
	out := g.h.Out()
	s := ShardOf(r.Op.Key, g.opts.Shards)
	st := &g.shards[s]
	answer := g.h.Leads() && e.Term == g.h.Term()
	ok := g.cur.Owner(s) == g.gid && st.status == serving
	if g.bugs.checkAtPropose {
		ok = st.m != nil // BUG check-at-propose-only: whatever copy is here will do
	}
	if !ok {
		if answer {
			out.Probe(ProbeRejectedAtApply)
			out.Send(r.Client, kv.Reply{Seq: r.Seq, Status: kv.WrongGroup})
		}
		return kv.Stale
	}
	result, outcome := st.m.Apply(r)
	out.Note(Served{Gid: g.gid, Num: g.cur.Num, Shard: s, Index: index, Req: r, Outcome: outcome})
	if answer && outcome != kv.Stale {
		out.Send(r.Client, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: result})
	}
	return outcome
}

// reconfigure moves the group to cfg if it is the next configuration and
// nothing is in transit: shards it loses are frozen for hand-off, shards it
// gains wait for their data (or start empty when nobody held them).
func (g *group) reconfigure(index int, term uint64, cfg Config) {
	ok := cfg.Num == g.cur.Num+1
	if g.bugs.skipConfig {
		ok = cfg.Num > g.cur.Num // BUG skip-config
	}
	if !ok || !g.stable() {
		return
	}
	out := g.h.Out()
	for s := range g.shards {
		was, will := g.cur.Owner(s) == g.gid, cfg.Owner(s) == g.gid
		st := &g.shards[s]
		switch {
		case was && !will:
			snap := st.m.Snapshot()
			if g.bugs.noDedup {
				snap.Sessions = nil // BUG handoff-without-dedup
			}
			st.status, st.frozen, st.term = handing, &snap, term
		case !was && will && g.cur.Owner(s) == 0:
			*st = shardState{status: serving, m: kv.NewMachine()}
		case !was && will:
			*st = shardState{status: waiting}
			if g.bugs.serveBeforeInstall {
				// BUG serve-before-install: serve now, with an empty copy.
				*st = shardState{status: serving, m: kv.NewMachine(), early: true}
			}
			out.Probe(ProbeShardWaiting)
		}
	}
	g.cur = cfg
	out.Note(ConfigApplied{Gid: g.gid, Num: cfg.Num, Index: index})
	out.Probe(ProbeConfigApplied)
}

// Fields implements raft.Service.
func (g *group) Fields() []protocols.Field {
	var b strings.Builder
	for _, want := range []shardStatus{serving, waiting, handing} {
		var ids []string
		for s, st := range g.shards {
			if st.status == want {
				ids = append(ids, strconv.Itoa(s))
			}
		}
		if len(ids) > 0 {
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(want.String() + " " + strings.Join(ids, ","))
		}
	}
	return []protocols.Field{
		{Name: "service", Value: gname(g.gid)},
		{Name: "config", Value: strconv.Itoa(g.cur.Num)},
		{Name: "shards", Value: b.String()},
	}
}
