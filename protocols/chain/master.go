package chain

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The master is one fixed node (the lowest-numbered server, n1): an oracle
// standing in for the paper's Paxos-replicated master. It can crash and
// restart (its configuration is durable); while it is down nothing is
// reconfigured and, since leases lapse, nobody answers reads.
//
// It decides from pings alone. Every tick (PingInterval) it counts a missed
// ping for every server; a member that missed DeadTimeout's worth is
// removed, keeping the others in order: the head's successor becomes head,
// the tail's predecessor tail, a middle server's neighbours are joined
// (they repair the gap between them themselves, Figure 3). When the chain
// is shorter than Length and nobody is joining, it appends an idle server,
// which catches up from the tail before it counts. Timeouts suspect live
// servers under partitions and pauses: epochs fence a removed server's
// messages, and leases its reads, so a false suspicion costs availability,
// never safety.

const timerTick = "tick"

type master struct {
	id      protocols.NodeID
	servers []protocols.NodeID // the chain servers, sorted
	opts    Options
	out     *protocols.Effects

	cfg    Config
	length int // the chain length it keeps: Options.Length, or an operator's
	// pending is the member that may not yet hold every committed update:
	// a joiner catching up, then, once promoted to tail, until it has
	// synced with its predecessor in the new epoch (its predecessor
	// committed as tail until then). Removals always keep some other
	// member. done says it reported that it holds them.
	pending protocols.NodeID
	done    bool

	heard  []bool // by server position: it pinged this incarnation (or was a member)
	missed []int  // ticks since its last ping
	stuck  uint64 // the epoch whose stuck probe was reported
}

func newMaster(cfg protocols.Config, opts Options) *master {
	m := &master{id: cfg.ID, servers: cfg.Peers, opts: opts, length: opts.Length,
		heard: make([]bool, len(cfg.Peers)), missed: make([]int, len(cfg.Peers))}
	for _, r := range cfg.Store {
		if s, ok := r.(MasterState); ok {
			m.cfg, m.pending = s.Config, s.Pending
			if s.Length > 0 {
				m.length = s.Length
			}
		}
	}
	return m
}

// Step implements protocols.Node.
func (m *master) Step(in protocols.Input, out *protocols.Effects) {
	m.out = out
	switch in.Kind {
	case protocols.Start:
		if m.cfg.Epoch > 0 {
			m.out.Probe(ProbeMasterRestart)
			// The members get a full timeout to ping before they count as
			// dead; any lease granted before the crash lapses meanwhile.
			for _, mem := range m.cfg.Chain {
				if i := m.index(mem.ID); i >= 0 {
					m.heard[i] = true
				}
			}
		}
		m.out.SetTimer(timerTick, m.opts.PingInterval)
	case protocols.Timer:
		if in.Timer == timerTick {
			for i := range m.missed {
				m.missed[i]++
			}
			m.decide()
			m.out.SetTimer(timerTick, m.opts.PingInterval)
		}
	case protocols.Admin:
		m.admin(in.Command)
	case protocols.Receive:
		switch msg := in.Msg.(type) {
		case Ping:
			m.ping(in.From, msg)
		case kv.Request:
			hint := m.cfg.head()
			if msg.Op.Kind == kv.Get {
				hint = m.cfg.reader(m.opts.CRAQ, msg.Seq)
			}
			m.out.Send(in.From, kv.Reply{Seq: msg.Seq, Status: kv.NotLeader, LeaderHint: hint})
		}
	}
	m.out = nil
}

// admin takes an operator's command. The master knows one, "length N":
// keep N servers in the chain from now on. A longer chain is reached by
// extensions at the tail, one server at a time; a shorter one only as
// members fail (the master never removes a live server to shorten it).
func (m *master) admin(words []string) {
	if len(words) != 2 || words[0] != "length" {
		return
	}
	if l, err := strconv.Atoi(words[1]); err == nil && l > 0 {
		m.length = l
		m.out.Persist(MasterState{Config: m.cfg, Pending: m.pending, Length: l})
	}
}

func (m *master) index(id protocols.NodeID) int { return slices.Index(m.servers, id) }

func (m *master) alive(id protocols.NodeID) bool {
	i := m.index(id)
	return i >= 0 && m.heard[i] && m.missed[i] < m.opts.deadTicks()
}

// ping records that a server is alive, takes the pending member's report
// that it holds the history, and answers with the configuration, and a
// lease for a member.
func (m *master) ping(from protocols.NodeID, p Ping) {
	i := m.index(from)
	if i < 0 {
		return
	}
	m.heard[i], m.missed[i] = true, 0
	j := m.cfg.index(from)
	if from == m.pending && p.Ready && p.Epoch == m.cfg.Epoch && p.Since == m.cfg.Chain[j].Since && !m.done {
		m.done = true
		if m.cfg.Joining {
			m.out.Note(JoinerReady{ID: from})
			m.out.Probe(ProbeJoinerReady)
		}
	}
	m.out.Send(from, PingReply{Config: m.cfg, Seq: p.Seq, Lease: j >= 0})
}

// decide makes the next configuration if one is due: first the initial
// chain, then removals of dead members, then a joiner's promotion to tail,
// then an extension.
func (m *master) decide() {
	c := m.cfg
	if c.Epoch == 0 {
		var chain []Member
		for _, id := range m.servers {
			if len(chain) < m.length && m.alive(id) {
				chain = append(chain, Member{ID: id, Since: 1})
			}
		}
		if len(chain) > 0 {
			m.install(Config{Epoch: 1, Chain: chain}, "")
		}
		return
	}
	var keep []Member
	ready := false
	for _, mem := range c.Chain {
		if m.alive(mem.ID) {
			keep = append(keep, mem)
			ready = ready || m.holdsCommitted(mem.ID)
		}
	}
	if len(keep) < len(c.Chain) {
		if !ready {
			// Every member sure to hold the committed history is dead:
			// removing them would leave a chain that lost some. Wait for
			// one to return.
			if m.stuck != c.Epoch {
				m.stuck = c.Epoch
				m.out.Probe(ProbeStuck)
			}
			return
		}
		for i, mem := range c.Chain {
			if !m.alive(mem.ID) {
				switch {
				case i == 0:
					m.out.Probe(ProbeHeadRemoved)
				case i == len(c.Chain)-1:
					m.out.Probe(ProbeTailRemoved)
				default:
					m.out.Probe(ProbeMiddleRemoved)
				}
			}
		}
		joining := c.Joining && keep[len(keep)-1].ID == c.joiner()
		pending := m.pending
		if !slices.ContainsFunc(keep, func(x Member) bool { return x.ID == pending }) || (m.done && !c.Joining) {
			// Gone, or a promoted tail that synced: it needs no care now.
			pending = ""
		}
		m.install(Config{Epoch: c.Epoch + 1, Chain: keep, Joining: joining}, pending)
		return
	}
	switch {
	case m.pending != "" && !m.done:
		// Wait for the pending member.
	case c.Joining:
		// The new server holds the history: it becomes the tail. It
		// syncs once more with its predecessor, which stops committing
		// when it takes up the new epoch, and stays pending until then.
		m.install(Config{Epoch: c.Epoch + 1, Chain: c.Chain}, c.joiner())
	case m.pending != "":
		m.pending = ""
		m.out.Persist(MasterState{Config: c, Length: m.length})
	case len(c.Chain) < m.length:
		for _, id := range m.servers {
			if c.index(id) < 0 && m.alive(id) {
				chain := append(slices.Clip(c.Chain), Member{ID: id, Since: c.Epoch + 1})
				m.out.Probe(ProbeExtended)
				m.install(Config{Epoch: c.Epoch + 1, Chain: chain, Joining: true}, id)
				return
			}
		}
	}
}

// holdsCommitted reports whether member id is sure to hold every committed
// update, so that a chain of it alone loses none: any member but the
// pending one, and the pending one once it reported that it synced as the
// promoted tail (it serves as tail from then on). A joiner that caught up
// is not enough: its predecessor goes on committing as tail, and a joiner
// may lag behind what it committed.
func (m *master) holdsCommitted(id protocols.NodeID) bool {
	return id != m.pending || (m.done && !m.cfg.Joining)
}

// install makes c the configuration and tells its members at once.
func (m *master) install(c Config, pending protocols.NodeID) {
	old := m.cfg
	m.cfg, m.pending, m.done = c, pending, false
	m.out.Persist(MasterState{Config: c, Pending: pending, Length: m.length})
	m.out.Note(NewConfig{Config: c})
	for _, mem := range c.Chain {
		m.out.Send(mem.ID, PingReply{Config: c})
	}
	for _, mem := range old.Chain {
		if c.index(mem.ID) < 0 {
			m.out.Send(mem.ID, PingReply{Config: c})
		}
	}
}

// Status implements protocols.Node.
func (m *master) Status() protocols.Status {
	var alive []string
	for _, id := range m.servers {
		if m.alive(id) {
			alive = append(alive, string(id))
		}
	}
	return protocols.Status{
		Role: RoleMaster,
		Term: m.cfg.Epoch,
		Fields: []protocols.Field{
			{Name: "config", Value: m.cfg.String()},
			{Name: "pending", Value: pendingText(m.pending, m.done)},
			{Name: "length", Value: strconv.Itoa(m.length)},
			{Name: "alive", Value: strings.Join(alive, " ")},
		},
	}
}

func pendingText(id protocols.NodeID, done bool) string {
	switch {
	case id == "":
		return "-"
	case done:
		return string(id) + " (holds the history)"
	}
	return string(id) + " (catching up)"
}
