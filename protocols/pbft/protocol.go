package pbft

import (
	"embed"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes PBFT to dsim: its options, bugs, probes, messages,
// byzantine strategies, display, catalogue of scenarios, and how a run is
// wired and checked.
var Protocol = &protocols.Protocol{
	Name:           "pbft",
	Summary:        "PBFT (Castro and Liskov, OSDI 1999) with signatures: n = 3f+1 replicas tolerate f byzantine ones; linearizable KV",
	MinServers:     4,
	DefaultClients: 3,
	MinHealing:     3 * clock.Second,
	Bugs:           Bugs,
	Probes:         slices.Concat(Probes, []string{kv.ProbeTimeout, kv.ProbeGiveUp}), // replicas never answer not-leader: no redirects, no backoff
	Messages: []protocols.Message{
		Request{}, PrePrepare{}, Prepare{}, Commit{}, Reply{}, Checkpoint{}, ViewChange{}, NewView{},
		Status{}, CommitCert{}, State{},
	},
	Options: []protocols.Option{
		{Name: "checkpoint-interval", Default: "16", Help: "K: a checkpoint every K sequence numbers; the log below a stable one is discarded"},
		{Name: "window", Default: "4K", Help: "L: sequence numbers a replica accepts above its stable checkpoint (the watermarks); at least 2K"},
		{Name: "request-timeout", Default: "200ms", Help: "how long a backup waits for a request it received to execute before it starts a view change"},
		{Name: "view-change-timeout", Default: "400ms", Help: "how long a replica waits for the new view once 2f+1 asked for it; doubles with each failed view change, up to 8 times"},
		{Name: "status-interval", Default: "100ms", Help: "how often a replica tells the others where it is, so they resend what it missed"},
	},
	Workload:     workload(),
	MaxByzantine: func(n int) int { return (n - 1) / 3 },
	Strategies:   Strategies,
	Display: protocols.Display{
		Term:   "view",
		Commit: "executed",
		Log:    "log (seq/view request, how far it got)",
		Help:   "view: the replica's view; its primary is replica view mod n. executed: the last sequence number it executed.",
		Roles: []protocols.Role{
			{Name: "primary", Kind: protocols.RoleLeads, Help: "assigns sequence numbers to requests in pre-prepares; one per view, replica view mod n"},
			{Name: "backup", Kind: protocols.RoleFollows, Help: "accepts the primary's pre-prepares, votes with prepares and commits, executes and replies"},
			{Name: "view-change", Kind: protocols.RoleSeeks, Help: "suspects the primary and waits for the next view's new-view message"},
			kv.ClientRole,
		},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build:   build,
}

// workload is the generic client's workload lines, with what they mean for
// a PBFT client.
func workload() []protocols.Option {
	out := slices.Clone(kv.Workload)
	for i, o := range out {
		switch o.Name {
		case "timeout":
			out[i].Help = "send the request to every replica after this long without f+1 matching replies"
		case "backoff":
			out[i].Help = "unused: PBFT replicas never answer not-leader"
		case "target":
			out[i].Help = "unused: a new request goes to the primary of the highest view f+1 replicas reported, a retry to every replica"
		}
	}
	return out
}

func build(s protocols.Setup) (protocols.Wiring, error) {
	o := Options{
		CheckpointInterval: s.Options.Int("checkpoint-interval", 0, 1, 10_000),
		Window:             s.Options.Int("window", 0, 2, 1_000_000),
		RequestTimeout:     s.Options.Duration("request-timeout", 0),
		ViewChangeTimeout:  s.Options.Duration("view-change-timeout", 0),
		StatusInterval:     s.Options.Duration("status-interval", 0),
		Bug:                s.Bug,
	}
	co := kv.ReadClientOptions(s.Workload)
	if err := o.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	if err := co.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	b, _ := parseBug(o.Bug)
	checks := protocols.Checks{Monitors: Monitors(), History: true, Final: []func(protocols.Cluster) error{primaryAfterHealing}}
	checks = checks.Join(protocols.Convergence(min(clock.Second, s.Healing/2)))
	return protocols.Wiring{Server: New(o), Client: NewClient(co, b.trustFirstReply), Checks: checks}, nil
}
