package primarybackup

import (
	"embed"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes synchronous primary-backup replication to dsim.
var Protocol = &protocols.Protocol{
	Name:           "primary-backup",
	Course:         26, // the learning path: after Paxos, before the commit protocols
	Summary:        "primary-backup with a view service (6.824-style): the primary answers after its backup acknowledges; linearizable",
	MinServers:     3,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           SyncBugs,
	Probes:         slices.Concat(syncProbes(), kv.Probes),
	Violations:     Violations,
	Messages:       messages,
	Options:        options(false),
	Workload:       workload(false),
	Consistency:    "linearizable",
	Display:        display,
	Catalog:        protocols.CatalogDir(catalog, "catalog/sync"),
	Build:          build(false),
}

// AsyncProtocol describes asynchronous primary-backup replication: the
// primary answers before its backup has the operation, so a failover loses
// what the backup had not received. Without failovers it behaves as the
// synchronous protocol; with them its replicas still converge, which is all
// it promises.
var AsyncProtocol = &protocols.Protocol{
	Name:           "primary-backup-async",
	Course:         27, // the learning path: after Paxos, before the commit protocols
	Summary:        "primary-backup, asynchronous: the primary answers before its backup has the write, so a failover can lose acknowledged writes",
	MinServers:     3,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           AsyncBugs,
	Probes:         slices.Concat(Probes, kv.Probes),
	Violations:     Violations,
	Messages:       messages,
	Options:        options(true),
	Workload:       workload(true),
	Consistency:    "eventual",
	Display:        display,
	Catalog:        protocols.CatalogDir(catalog, "catalog/async"),
	Build:          build(true),
}

// syncProbes leaves out the probes only the asynchronous protocol reaches.
func syncProbes() []string {
	return slices.DeleteFunc(slices.Clone(Probes), func(p string) bool {
		return p == ProbeTransferReset || p == ProbeAsyncBackupBehind
	})
}

// workload is the kv client's workload lines and one more: stop, so that
// a run can end quiet and the replicas' final states be compared. The
// asynchronous protocol, which promises only eventual convergence, stops
// its clients in the middle of the healing phase unless told otherwise
// (as kv's doc asks of such stores); the synchronous one never does.
func workload(async bool) []protocols.Option {
	stop := protocols.Option{Name: "stop", Default: "0s", Help: "clients issue no new operation after this time (0s: never), so that the run ends with the replicas' copies at rest"}
	if async {
		stop.Help = "clients issue no new operation after this time (0s: the middle of the healing phase), so that the run ends with the replicas' copies at rest for the eventual-convergence check"
	}
	return slices.Concat(kv.Workload, []protocols.Option{stop})
}

var messages = []protocols.Message{Ping{}, ViewReply{}, Transfer{}, Forward{}, ForwardReply{}, kv.Request{}, kv.Reply{}}

func options(async bool) []protocols.Option {
	acked := "on"
	if async {
		acked = "off"
	}
	return []protocols.Option{
		{Name: "ping-interval", Default: "50ms", Help: "how often servers ping the view service, and how often it looks for dead ones"},
		{Name: "dead-timeout", Default: "250ms", Help: "the view service declares a server dead after this long without a ping"},
		{Name: "retry-interval", Default: "20ms", Help: "how often a primary resends what its backup has not acknowledged"},
		{Name: "max-batch", Default: "64", Help: "entries in one Forward at most"},
		{Name: "check-acked-writes", Default: acked, Help: "run the acked-write-lost monitor (the asynchronous protocol breaks it by design: switch it on to watch)"},
	}
}

var display = protocols.Display{
	Term:   "view",
	Commit: "commit",
	Log:    "log (index/view)",
	Help: "view: the latest view the server knows (the view service's current one for n1). " +
		"commit: entries up to here are on the backup too (the primary's), or known to be (the backup's).",
	Roles: []protocols.Role{
		{Name: RolePrimary, Kind: protocols.RoleLeads, Help: "orders client operations, forwards each to the backup and answers (after the backup's acknowledgement, when synchronous)"},
		{Name: RoleBackup, Kind: protocols.RoleFollows, Help: "takes the primary's state transfer and forwards, from the primary of its view only, and acknowledges them"},
		{Name: RoleIdle, Kind: protocols.RoleOther, Help: "alive but in no role of the view it knows: a spare the view service can make backup"},
		{Name: RoleDeposed, Kind: protocols.RoleOther, Help: "was primary, and heard from its backup that a later view exists; serves nobody until it learns that view"},
		{Name: RoleViewService, Kind: protocols.RoleOther, Help: "the view service: decides who is primary and backup from pings, one view at a time"},
		kv.ClientRole,
	},
}

func build(async bool) func(s protocols.Setup) (protocols.Wiring, error) {
	return func(s protocols.Setup) (protocols.Wiring, error) {
		o := Options{
			Async:         async,
			PingInterval:  s.Options.Duration("ping-interval", 0),
			DeadTimeout:   s.Options.Duration("dead-timeout", 0),
			RetryInterval: s.Options.Duration("retry-interval", 0),
			MaxBatch:      s.Options.Int("max-batch", 0, 1, 100_000),
			Bug:           s.Bug,
		}
		acked := s.Options.Bool("check-acked-writes", !async)
		co := kv.ReadClientOptions(s.Workload)
		co.StopAt = clock.Time(s.Workload.Duration("stop", 0))
		if async && co.StopAt == 0 && s.Healing > 0 {
			co.StopAt = s.HealingStart().Add(s.Healing / 2)
		}
		if err := o.Validate(); err != nil {
			return protocols.Wiring{}, err
		}
		if err := co.Validate(); err != nil {
			return protocols.Wiring{}, err
		}
		conv := newConverged(min(clock.Second, s.Healing/2))
		checks := protocols.Checks{
			Monitors: append(Monitors(MonitorOptions{Async: async, AckedWrites: acked}), conv),
			Final:    []func(protocols.Cluster) error{protocols.HasLeader, conv.final},
			History:  true,
		}
		return protocols.Wiring{Server: New(o), Client: kv.NewClient(co), Checks: checks}, nil
	}
}
