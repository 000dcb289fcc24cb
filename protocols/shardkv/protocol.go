package shardkv

import (
	"embed"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/raft"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes the sharded KV store to dsim.
var Protocol = &protocols.Protocol{
	Name: "shardkv",
	Summary: "a sharded KV store over Raft groups (MIT 6.5840 lab 5): a Raft-replicated shard controller, " +
		"consistent hashing with virtual nodes, shard hand-off with the duplicate table under faults; linearizable via porcupine",
	MinServers:     6,
	DefaultClients: 3,
	MinHealing:     2 * clock.Second,
	Bugs:           Bugs,
	// Its groups run basic Raft under their own service: the production
	// features' probes and Raft's KV service's are out of reach.
	Probes:     slices.Concat(raft.CoreProbes, kv.Probes, []string{kv.ProbeWrongGroup}, Probes),
	Violations: Violations,
	Messages: messages([]protocols.Message{
		raft.RequestVote{}, raft.RequestVoteReply{}, &raft.AppendEntries{}, &raft.AppendEntriesReply{}, kv.Request{}, kv.Reply{},
	}),
	Options: []protocols.Option{
		{Name: "controllers", Default: "3", Help: "servers n1..nC replicate the shard controller; the servers after them form the groups"},
		{Name: "group-size", Default: "3", Help: "servers per replica group: g1 is the next group-size servers after the controllers, then g2, ..."},
		{Name: "initial-groups", Default: "0", Help: "groups g1..gK in the first configuration; the rest wait to join (0: all)"},
		{Name: "shards", Default: "16", Help: "number of shards; a key's shard is a hash of the key modulo it"},
		{Name: "vnodes", Default: "20", Help: "virtual nodes per group on the consistent-hash ring"},
		{Name: "placement", Default: "ring", Help: "how a configuration assigns shards to groups: ring (consistent hashing) or modn (shard hash mod the number of groups: the baseline that moves most shards)"},
		{Name: "poll", Default: "100ms", Help: "how often a group leader asks for the next configuration and resends shards it hands off"},
		{Name: "churn", Default: "0s", Help: "the controller's leader reconfigures on its own this often during the chaos phase (g1 leaves, g1 joins, g2 leaves, ...); 0s: only by admin commands. Admin commands to a controller server: join G, leave G"},
		{Name: "heartbeat", Default: "50ms", Help: "Raft heartbeat of every group"},
		{Name: "election-timeout-min", Default: "150ms", Help: "the shortest Raft election timeout"},
		{Name: "election-timeout-max", Default: "300ms", Help: "the longest Raft election timeout"},
	},
	Workload: workload(),
	Display:  display(),
	Course:   25,
	Catalog:  protocols.CatalogDir(catalog, "catalog"),
	Build:    build,
}

// workload is the kv client's workload lines, with more keys by default:
// a few keys would land on a few shards.
func workload() []protocols.Option {
	w := slices.Clone(kv.Workload)
	for i := range w {
		if w[i].Name == "keys" {
			w[i].Default = "12"
			w[i].Help = "keys k1..kN, spread over the shards by hash"
		}
	}
	return w
}

func display() protocols.Display {
	d := raft.Protocol.Display
	d.Narrate = narrate
	d.Help = "Servers n1..n3 replicate the shard controller, the others form replica groups g1, g2, ... (see the service field). " + d.Help
	d.Fields = append(slices.Clone(d.Fields),
		protocols.FieldHelp{Name: "service", Help: "what the server's Raft group replicates: the controller, or replica group gN"},
		protocols.FieldHelp{Name: "config", Help: "the configuration the server has applied (the controller: its latest)"},
		protocols.FieldHelp{Name: "shards", Help: "a group's shards: serving (its data is here), waiting (ours, data not yet arrived), handing (frozen, until the new owner acknowledges it)"},
	)
	return d
}

func build(s protocols.Setup) (protocols.Wiring, error) {
	o := Options{
		Controllers:   s.Options.Int("controllers", 3, 1, 99),
		GroupSize:     s.Options.Int("group-size", 3, 1, 99),
		InitialGroups: s.Options.Int("initial-groups", 0, 0, 99),
		Shards:        s.Options.Int("shards", 16, 1, 4096),
		VNodes:        s.Options.Int("vnodes", 20, 1, 1000),
		Placement:     Placement(s.Options.Word("placement", string(Ring), string(Ring), string(ModN))),
		Poll:          s.Options.Duration("poll", 0),
		Churn:         s.Options.Duration("churn", 0),
		ChurnUntil:    s.HealingStart(),
		Raft: raft.Options{
			HeartbeatInterval:  s.Options.Duration("heartbeat", 0),
			ElectionTimeoutMin: s.Options.Duration("election-timeout-min", 0),
			ElectionTimeoutMax: s.Options.Duration("election-timeout-max", 0),
		},
		Bug: s.Bug,
	}
	co := kv.ReadClientOptions(s.Workload)
	if _, ok := s.Workload.Raw("keys"); !ok {
		co.Keys = 12
	}
	if err := o.Validate(len(s.Servers)); err != nil {
		return protocols.Wiring{}, err
	}
	if err := co.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	o = o.withDefaults()
	layout := NewLayout(s.Servers, o)
	co.Router = newRouter(o, layout)
	checks := perGroup(layout, min(clock.Second, s.Healing/2))
	checks.Monitors = append(checks.Monitors, newGhost(layout, o))
	checks.Final = append(checks.Final, migrated(layout))
	checks.History = true
	return protocols.Wiring{Server: New(o, s.Servers), Client: kv.NewClient(co), Checks: checks}, nil
}

// New returns the factory of a deployment's servers: each builds the Raft
// server of its group (the controller's, or a replica group's) with the
// group's service, its peers narrowed to its group. New panics if o is
// invalid for the servers; call Validate first.
func New(o Options, servers []protocols.NodeID) protocols.Factory {
	if err := o.Validate(len(servers)); err != nil {
		panic(err)
	}
	o = o.withDefaults()
	b, _ := parseBug(o.Bug)
	layout := NewLayout(servers, o)
	ctl := raft.NewService(o.Raft, newController(o, layout))
	grp := raft.NewService(o.Raft, newGroup(o, b, layout))
	return func(cfg protocols.Config) protocols.Node {
		g := layout.GroupOf(cfg.ID)
		cfg.Peers = protocols.Without(layout.Members(g), cfg.ID)
		if g == 0 {
			return ctl(cfg)
		}
		return grp(cfg)
	}
}
