package chain

import (
	"embed"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes chain replication to dsim.
var Protocol = &protocols.Protocol{
	Name:           "chain",
	Course:         28, // the learning path: after Paxos, before the commit protocols
	Summary:        "chain replication (van Renesse & Schneider): writes at the head, reads and replies at the tail, a master reconfigures; linearizable",
	MinServers:     3,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           ChainBugs,
	Probes:         slices.Concat(chainProbes(), kv.Probes),
	Violations:     Violations,
	Messages:       messages,
	Options:        options,
	Workload:       kv.Workload,
	Consistency:    "linearizable",
	Display:        display,
	Catalog:        protocols.CatalogDir(catalog, "catalog/chain"),
	Build:          build(false),
}

// CRAQProtocol describes CRAQ: chain replication with apportioned queries,
// every member answering reads.
var CRAQProtocol = &protocols.Protocol{
	Name:           "craq",
	Course:         29, // the learning path: after Paxos, before the commit protocols
	Summary:        "CRAQ (Terrace & Freedman): chain replication whose every member answers reads, asking the tail about dirty keys; linearizable",
	MinServers:     3,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           CRAQBugs,
	Probes:         slices.Concat(Probes, kv.Probes),
	Violations:     Violations,
	Messages:       slices.Concat(messages, []protocols.Message{VersionQuery{}, VersionReply{}}),
	Options:        options,
	Workload:       kv.Workload,
	Consistency:    "linearizable",
	Display:        display,
	Catalog:        protocols.CatalogDir(catalog, "catalog/craq"),
	Build:          build(true),
}

// chainProbes leaves out the probes only CRAQ's reads reach.
func chainProbes() []string {
	return slices.DeleteFunc(slices.Clone(Probes), func(p string) bool {
		return p == ProbeCleanRead || p == ProbeVersionQuery || p == ProbeReadAtHead || p == ProbeReadAtMiddle
	})
}

var messages = []protocols.Message{Ping{}, PingReply{}, Forward{}, Ack{}, Need{}, kv.Request{}, kv.Reply{}}

var options = []protocols.Option{
	{Name: "length", Default: "3", Help: "how many servers the master keeps in the chain, adding idle ones at the tail"},
	{Name: "ping-interval", Default: "50ms", Help: "how often servers ping the master, and how often it looks for dead ones"},
	{Name: "lease", Default: "100ms", Help: "a server answers reads for this long after a ping the master answered with a lease"},
	{Name: "dead-timeout", Default: "350ms", Help: "the master removes a server after this long without a ping; at least 3×lease + ping-interval"},
	{Name: "retry-interval", Default: "25ms", Help: "how often a server repeats a sync request or resends a stalled Sent list"},
	{Name: "max-batch", Default: "64", Help: "updates in one resent Forward at most"},
}

var display = protocols.Display{
	Term:   "epoch",
	Commit: "acked",
	Log:    "history (index/epoch)",
	Help: "epoch: the configuration the server knows (the master's current one for n1). " +
		"acked: updates up to here are in the tail's history; the ones after are the server's Sent list.",
	Roles: []protocols.Role{
		{Name: RoleHead, Kind: protocols.RoleLeads, Help: "takes every write, puts it in its history and forwards it down the chain"},
		{Name: RoleMiddle, Kind: protocols.RoleFollows, Help: "appends what its predecessor forwards and passes it on; keeps what the tail has not acknowledged (Sent)"},
		{Name: RoleTail, Kind: protocols.RoleFollows, Help: "commits each update it appends, answers its client, and answers reads"},
		{Name: RoleHeadTail, Kind: protocols.RoleLeads, Help: "the only server of the chain: head and tail at once"},
		{Name: RoleJoining, Kind: protocols.RoleFollows, Help: "added at the tail, catching up with its predecessor's history; it commits and answers nothing until it has"},
		{Name: RoleIdle, Kind: protocols.RoleOther, Help: "alive but not in the chain it knows: a spare the master can add at the tail"},
		{Name: RoleMaster, Kind: protocols.RoleOther, Help: "the master: decides the chain from pings, grants read leases, one configuration at a time"},
		kv.ClientRole,
	},
}

func build(craq bool) func(s protocols.Setup) (protocols.Wiring, error) {
	return func(s protocols.Setup) (protocols.Wiring, error) {
		o := Options{
			CRAQ:          craq,
			Length:        s.Options.Int("length", 0, 1, 100),
			PingInterval:  s.Options.Duration("ping-interval", 0),
			Lease:         s.Options.Duration("lease", 0),
			DeadTimeout:   s.Options.Duration("dead-timeout", 0),
			RetryInterval: s.Options.Duration("retry-interval", 0),
			MaxBatch:      s.Options.Int("max-batch", 0, 1, 100_000),
			Bug:           s.Bug,
		}
		co := kv.ReadClientOptions(s.Workload)
		// Writes go to the head, reads to the tail (or any member): the
		// client keeps a guess for each.
		co.SplitReads = true
		if err := o.Validate(); err != nil {
			return protocols.Wiring{}, err
		}
		if err := co.Validate(); err != nil {
			return protocols.Wiring{}, err
		}
		monitors, final := Monitors(craq, min(clock.Second, s.Healing/2))
		checks := protocols.Checks{
			Monitors: monitors,
			Final:    []func(protocols.Cluster) error{protocols.HasLeader, final},
			History:  true,
		}
		return protocols.Wiring{Server: New(o), Client: kv.NewClient(co), Checks: checks}, nil
	}
}
