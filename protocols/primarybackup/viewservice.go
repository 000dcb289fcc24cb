package primarybackup

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The view service is one fixed node (the lowest-numbered server, n1): an
// oracle, as in MIT 6.824's primary/backup lab, rather than a replicated
// configuration service. It can crash and restart (its view is durable),
// and while it is down no view changes: a primary that dies then is not
// replaced. That single point of failure is the price of its simplicity,
// and design.md says why dsim pays it here.
//
// It decides views from pings alone. Every tick (PingInterval) it counts a
// missed ping for every server; a server that missed DeadTimeout's worth is
// dead. A dead primary is replaced by its backup, a dead backup by an idle
// server, a missing backup is filled by an idle server. It moves to a new
// view only once the primary of the current one has acknowledged it (rule
// 5), and the new primary is always the old primary or the old backup
// (rule 3): the only servers sure to hold every acknowledged operation.
// Failure detection by timeouts is wrong under partitions and pauses (a
// live, cut-off primary is declared dead); the views' numbers fence the
// old primary out, so safety never depends on the detector being right.

// The view service's timer.
const timerTick = "tick"

type viewService struct {
	id      protocols.NodeID
	servers []protocols.NodeID // the replicas, sorted
	opts    Options
	bugs    bugs
	out     *protocols.Effects

	view  View
	acked bool // the primary of view has acknowledged it

	// Volatile: what this incarnation has heard, by server position.
	heard  []bool // it pinged (or was in the recovered view)
	missed []int  // ticks since its last ping
	stuck  uint64 // the view whose stuck probe was reported, to report it once
}

func newViewService(cfg protocols.Config, opts Options, b bugs) *viewService {
	vs := &viewService{id: cfg.ID, servers: cfg.Peers, opts: opts, bugs: b,
		heard: make([]bool, len(cfg.Peers)), missed: make([]int, len(cfg.Peers))}
	for _, r := range cfg.Store {
		if s, ok := r.(ViewState); ok {
			vs.view, vs.acked = s.View, s.Acked
		}
	}
	return vs
}

// Step implements protocols.Node.
func (vs *viewService) Step(in protocols.Input, out *protocols.Effects) {
	vs.out = out
	switch in.Kind {
	case protocols.Start:
		if vs.view.Num > 0 {
			vs.out.Probe(ProbeViewServiceReboot)
			// Give the servers of the recovered view a full timeout to
			// ping before they count as dead.
			for _, id := range []protocols.NodeID{vs.view.Primary, vs.view.Backup} {
				if i := vs.index(id); i >= 0 {
					vs.heard[i] = true
				}
			}
		}
		vs.out.SetTimer(timerTick, vs.opts.PingInterval)
	case protocols.Timer:
		if in.Timer == timerTick {
			for i := range vs.missed {
				vs.missed[i]++
			}
			vs.decide()
			vs.out.SetTimer(timerTick, vs.opts.PingInterval)
		}
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case Ping:
			vs.ping(in.From, m)
		case kv.Request:
			vs.out.Send(in.From, kv.Reply{Seq: m.Seq, Status: kv.NotLeader, LeaderHint: vs.view.Primary})
		}
	}
	vs.out = nil
}

func (vs *viewService) index(id protocols.NodeID) int {
	if id == "" {
		return -1
	}
	return slices.Index(vs.servers, id)
}

// ping records that a server is alive, takes the primary's acknowledgement
// of the current view, and answers with the current view. Views change
// only at ticks, so that the first view waits for every server's first
// ping and names the lowest-numbered one primary: scenarios can rely on
// n2 being the first primary and n3 its backup.
func (vs *viewService) ping(from protocols.NodeID, m Ping) {
	i := vs.index(from)
	if i < 0 {
		return
	}
	vs.heard[i], vs.missed[i] = true, 0
	if from == vs.view.Primary && m.View == vs.view.Num && !vs.acked {
		vs.acked = true
		vs.out.Persist(ViewState{View: vs.view, Acked: true})
		vs.out.Note(ViewAcked{Num: vs.view.Num})
	}
	vs.out.Send(from, ViewReply{View: vs.view})
}

func (vs *viewService) alive(id protocols.NodeID) bool {
	i := vs.index(id)
	return i >= 0 && vs.heard[i] && vs.missed[i] < vs.opts.deadTicks()
}

// idle returns the live server with the lowest name that is in neither
// role of v, or "".
func (vs *viewService) idle(v View) protocols.NodeID {
	for _, id := range vs.servers {
		if id != v.Primary && id != v.Backup && vs.alive(id) {
			return id
		}
	}
	return ""
}

// decide moves to the next view if one is due and allowed.
func (vs *viewService) decide() {
	next, probe, ok := vs.next()
	if !ok {
		return
	}
	if vs.view.Num > 0 && !vs.acked {
		// Rule 5: the primary of this view may not know of it yet, and its
		// backup may not have the state; moving on could promote a server
		// without it. Wait, however long it takes.
		if vs.stuck != vs.view.Num {
			vs.stuck = vs.view.Num
			vs.out.Probe(ProbeStuckUnacked)
		}
		return
	}
	vs.view, vs.acked = next, false
	vs.out.Persist(ViewState{View: next})
	vs.out.Note(NewView{View: next})
	vs.out.Probe(ProbeViewChange)
	if probe != "" {
		vs.out.Probe(probe)
	}
	// Tell the new view's servers now rather than at their next ping.
	for _, id := range []protocols.NodeID{next.Primary, next.Backup} {
		if id != "" {
			vs.out.Send(id, ViewReply{View: next})
		}
	}
}

// next returns the view that should follow the current one, with the
// probe that names the change, or false when none is due.
func (vs *viewService) next() (View, string, bool) {
	v := vs.view
	switch {
	case v.Num == 0:
		if p := vs.idle(v); p != "" {
			return View{Num: 1, Primary: p}, "", true
		}
	case !vs.alive(v.Primary):
		if vs.bugs.anyLivePrimary {
			// BUG any-live-primary: the lowest live server, whatever it was.
			for _, id := range vs.servers {
				if id != v.Primary && vs.alive(id) {
					nv := View{Num: v.Num + 1, Primary: id}
					nv.Backup = vs.idle(nv)
					return nv, ProbeFailover, true
				}
			}
			return View{}, "", false
		}
		if v.Backup == "" || !vs.alive(v.Backup) {
			if vs.stuck != v.Num {
				vs.stuck = v.Num
				vs.out.Probe(ProbeStuckNoBackup)
			}
			return View{}, "", false
		}
		nv := View{Num: v.Num + 1, Primary: v.Backup}
		nv.Backup = vs.idle(View{Primary: v.Primary, Backup: v.Backup})
		return nv, ProbeFailover, true
	case v.Backup != "" && !vs.alive(v.Backup):
		nv := View{Num: v.Num + 1, Primary: v.Primary}
		nv.Backup = vs.idle(v)
		return nv, ProbeBackupReplaced, true
	case v.Backup == "":
		if b := vs.idle(v); b != "" {
			return View{Num: v.Num + 1, Primary: v.Primary, Backup: b}, ProbeBackupAdded, true
		}
	}
	return View{}, "", false
}

// Status implements protocols.Node.
func (vs *viewService) Status() protocols.Status {
	var alive []string
	for _, id := range vs.servers {
		if vs.alive(id) {
			alive = append(alive, string(id))
		}
	}
	acked := "no"
	if vs.acked || vs.view.Num == 0 {
		acked = "yes"
	}
	return protocols.Status{
		Role: RoleViewService,
		Term: vs.view.Num,
		Fields: []protocols.Field{
			{Name: "view", Value: vs.view.String()},
			{Name: "acked", Value: acked},
			{Name: "alive", Value: strings.Join(alive, " ")},
			{Name: "dead-after", Value: strconv.Itoa(vs.opts.deadTicks()) + " missed pings"},
		},
	}
}
