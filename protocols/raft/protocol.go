package raft

import (
	"embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes Raft to dsim: its options, bugs, probes, messages,
// display, catalogue of scenarios, and how a run is wired and checked.
var Protocol = &protocols.Protocol{
	Name:           "raft",
	Summary:        "Raft (extended paper, Figure 2; PreVote, CheckQuorum, ReadIndex, leases, snapshots, membership changes) replicating the KV service; linearizable via porcupine",
	MinServers:     1,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           Bugs,
	Probes:         slices.Concat(Probes, kv.Probes),
	Violations:     Violations,
	Messages: []protocols.Message{
		RequestVote{}, RequestVoteReply{}, &AppendEntries{}, &AppendEntriesReply{}, kv.Request{}, kv.Reply{},
		PreVote{}, PreVoteReply{}, InstallSnapshot{}, InstallSnapshotReply{},
	},
	Options: []protocols.Option{
		{Name: "heartbeat", Default: "50ms", Help: "how often a leader sends AppendEntries to every follower"},
		{Name: "election-timeout-min", Default: "150ms", Help: "the shortest election timeout, drawn anew each time the timer is armed"},
		{Name: "election-timeout-max", Default: "300ms", Help: "the longest election timeout"},
		{Name: "max-append-entries", Default: "64", Help: "entries in one AppendEntries at most"},
		{Name: "prevote", Default: "off", Help: "ask for pre-votes before an election, so a server cut off does not inflate its term (thesis §9.6)"},
		{Name: "check-quorum", Default: "off", Help: "a leader steps down without a majority for an election timeout; servers ignore vote requests within one of hearing from a leader"},
		{Name: "read", Default: "log", Help: "how a leader serves gets: log (through the log), index (ReadIndex: a heartbeat round, then the commit index) or lease (at once within a lease, else ReadIndex); lease needs check-quorum"},
		{Name: "lease-margin", Default: "50%", Help: "the lease is election-timeout-min less this share of it, for clocks that run at different rates"},
		{Name: "snapshot-every", Default: "0", Help: "snapshot and compact the log after this many applied entries (0: never); a range such as 20-200 makes each server draw its own"},
		{Name: "snapshot-chunk", Default: "1024", Help: "bytes of a snapshot in one InstallSnapshot"},
		{Name: "members", Default: "0", Help: "servers in the initial configuration, n1..nK, as voters; the rest wait to be added (0: every server). Admin commands to the leader: add-server N (staging, promoted once caught up), add-learner N, promote N, remove-server N (or self); to any server: snapshot"},
	},
	Workload: kv.Workload,
	Admin:    func(r *rand.Rand, servers []protocols.NodeID) []string { return Admin(r, servers) },
	Display: protocols.Display{
		Term:   "term",
		Commit: "commit",
		Log:    "log (index/term; | = commit point)",
		Help:   "term: the server's current term. commit: the index of its last committed entry.",
		Roles: []protocols.Role{
			{Name: "leader", Kind: protocols.RoleLeads, Help: "replicates its log to the others and answers clients; one per term at most"},
			{Name: "candidate", Kind: protocols.RoleSeeks, Help: "its election timer fired: it asks for votes in a new term"},
			{Name: "pre-candidate", Kind: protocols.RoleSeeks, Help: "its election timer fired: it asks whether it could win before it starts a new term (PreVote)"},
			{Name: "follower", Kind: protocols.RoleFollows, Help: "accepts entries from the leader of its term and votes in elections"},
			{Name: "learner", Kind: protocols.RoleFollows, Help: "a member that receives the log but does not vote, until it is promoted"},
			{Name: "spare", Kind: protocols.RoleOther, Help: "outside its configuration: not yet added, or removed; it does not campaign"},
			kv.ClientRole,
		},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build:   build,
}

func build(s protocols.Setup) (protocols.Wiring, error) {
	o := Options{
		HeartbeatInterval:  s.Options.Duration("heartbeat", 0),
		ElectionTimeoutMin: s.Options.Duration("election-timeout-min", 0),
		ElectionTimeoutMax: s.Options.Duration("election-timeout-max", 0),
		MaxAppendEntries:   s.Options.Int("max-append-entries", 0, 1, 100_000),
		PreVote:            s.Options.Bool("prevote", false),
		CheckQuorum:        s.Options.Bool("check-quorum", false),
		Read:               ReadMode(s.Options.Word("read", string(ReadLog), string(ReadLog), string(ReadIndex), string(ReadLease))),
		SnapshotChunk:      s.Options.Int("snapshot-chunk", 0, 1, 1<<20),
		Members:            s.Options.Int("members", 0, 0, len(s.Servers)),
		Bug:                s.Bug,
	}
	if margin := s.Options.Percent("lease-margin", 0.5); margin < 1 {
		o.Lease = max(clock.Duration(float64(o.withDefaults().ElectionTimeoutMin)*(1-margin)), 1)
	} else {
		s.Options.Fail("lease-margin", "the margin must be below 100%%")
	}
	if raw, ok := s.Options.Raw("snapshot-every"); ok {
		lo, hi, err := parseRange(raw)
		if err != nil {
			s.Options.Fail("snapshot-every", "%v", err)
		}
		o.SnapshotMin, o.SnapshotMax = lo, hi
	}
	co := kv.ReadClientOptions(s.Workload)
	if err := o.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	if err := co.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	conv := protocols.Convergence(min(clock.Second, s.Healing/2))
	checks := protocols.Checks{Monitors: []protocols.Monitor{monitorSuiteWith(conv.Monitors[0])}, History: true}
	checks.Final = append(checks.Final, func(c protocols.Cluster) error { return protocols.HasLeader(members(c)) })
	for _, f := range conv.Final {
		checks.Final = append(checks.Final, func(c protocols.Cluster) error { return f(members(c)) })
	}
	return protocols.Wiring{Server: New(o), Client: kv.NewClient(co), Checks: checks}, nil
}

// parseRange reads N or LO-HI.
func parseRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = strconv.Atoi(a); err == nil && isRange {
		hi, err = strconv.Atoi(b)
	} else {
		hi = lo
	}
	if err != nil || lo < 0 || hi < lo || hi > 1_000_000 {
		return 0, 0, fmt.Errorf("want a count or a range such as 20-200, got %q", s)
	}
	return lo, hi, nil
}

// members narrows a cluster, for the end-of-run checks, to the servers of
// the configuration the current leader (the live leader of the highest
// term, else the live server of the highest term) holds: a server that was
// removed, or never added, is not expected to lead or to keep up.
func members(c protocols.Cluster) protocols.Cluster {
	var best *node
	for _, id := range c.Servers() {
		n, _ := c.Node(id).(*node)
		if n == nil || c.Byzantine(id) {
			continue
		}
		switch {
		case best == nil:
			best = n
		case (n.role == leader) != (best.role == leader):
			if n.role == leader {
				best = n
			}
		case n.term > best.term:
			best = n
		}
	}
	if best == nil {
		return c
	}
	cfg := best.log.config()
	var ids []protocols.NodeID
	for _, id := range c.Servers() {
		if cfg.Suffrage(id) != 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == len(c.Servers()) {
		return c
	}
	return memberView{Cluster: c, ids: ids}
}

type memberView struct {
	protocols.Cluster
	ids []protocols.NodeID
}

func (v memberView) Servers() []protocols.NodeID { return v.ids }
