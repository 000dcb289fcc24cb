package dynamo

import (
	"embed"
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes the Dynamo-style store to dsim.
var Protocol = &protocols.Protocol{
	Name:           "dynamo",
	Summary:        "Dynamo-style quorum store: N replicas per key, R/W quorums, sloppy quorums with hinted handoff, read repair, anti-entropy; eventually consistent",
	MinServers:     1,
	DefaultClients: 3,
	MinHealing:     3 * clock.Second,
	Bugs:           Bugs,
	Probes:         slices.Concat(Probes, kv.LeaderlessProbes),
	Messages: []protocols.Message{
		Read{}, ReadReply{}, Write{}, WriteAck{}, Handoff{}, HandoffAck{}, Digest{}, Sync{}, kv.Request{}, kv.Reply{},
	},
	Options: []protocols.Option{
		{Name: "n", Default: "3", Help: "replicas per key: the first N servers of its preference list"},
		{Name: "r", Default: "2", Help: "replicas that must answer a read (and a write's version read)"},
		{Name: "w", Default: "2", Help: "replicas that must acknowledge a write"},
		{Name: "sloppy", Default: "on", Help: "sloppy quorums: a silent home replica is stood in for by the next server of the preference list, which keeps a hint"},
		{Name: "read-repair", Default: "on", Help: "a read sends the newest version it saw to home replicas that answered older"},
		{Name: "anti-entropy", Default: "500ms", Help: "how often a server compares versions with another replica of its keys (0s: never)"},
		{Name: "handoff", Default: "200ms", Help: "how often a server offers its hints to their home replicas"},
		{Name: "sloppy-after", Default: "40ms", Help: "how long a coordinator waits for a home replica before asking a stand-in"},
		{Name: "resend", Default: "20ms", Help: "how often a coordinator resends a phase's message to the servers that have not answered"},
		{Name: "abort-after", Default: "60ms", Help: "how long a first phase may wait for R answers before the client is sent elsewhere"},
		{Name: "op-timeout", Default: "500ms", Help: "how long a coordinator works on an operation before forgetting it"},
		{Name: "check-fresh", Default: "auto", Help: "judge reads and writes against every write decided before them (stale-read, lost-update): on, off, or auto (on exactly when R + W > N and sloppy is off)"},
	},
	Workload:    workload,
	Consistency: "eventual",
	Display: protocols.Display{
		Commit: "writes",
		Log:    "store (key: version value), hints",
		Help:   "writes: versions this server stored this incarnation. A version is counter:writer. Dynamo has no leader and no terms.",
		Roles: []protocols.Role{
			{Name: "replica", Kind: protocols.RoleFollows, Help: "stores the keys it is home for, and hints for others; coordinates nothing right now"},
			{Name: "coordinator", Kind: protocols.RoleLeads, Help: "runs client operations sent to it over the key's replicas (R answers to read, W to write), and is a replica too"},
			kv.ClientRole,
		},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build:   build,
}

var workload = func() []protocols.Option {
	w := slices.Clone(kv.Workload)
	for i := range w {
		switch w[i].Name {
		case "mix":
			w[i].Default = "1:1:0"
			w[i].Help = "get:put:append weights; an append is a read-modify-write over two phases, not atomic"
		case "give-up":
			w[i].Default = "10"
			w[i].Help = "abandon an operation (it stays indeterminate) after this many timeouts at its coordinator, then go to the next server; at least 1, as clients retry at the same coordinator"
		}
	}
	return w
}()

func build(s protocols.Setup) (protocols.Wiring, error) {
	n := len(s.Servers)
	o := Options{
		N:            s.Options.Int("n", 0, 1, 100),
		R:            s.Options.Int("r", 0, 1, 100),
		W:            s.Options.Int("w", 0, 1, 100),
		Strict:       !s.Options.Bool("sloppy", true),
		NoReadRepair: !s.Options.Bool("read-repair", true),
		SyncEvery:    s.Options.Duration("anti-entropy", 0),
		HandoffEvery: s.Options.Duration("handoff", 0),
		SloppyAfter:  s.Options.Duration("sloppy-after", 0),
		Resend:       s.Options.Duration("resend", 0),
		AbortAfter:   s.Options.Duration("abort-after", 0),
		OpTimeout:    s.Options.Duration("op-timeout", 0),
		Bug:          s.Bug,
	}
	if raw, ok := s.Options.Raw("anti-entropy"); ok && o.SyncEvery == 0 && raw != "" {
		o.SyncEvery = -1 // 0s: off
	}
	check := s.Options.Word("check-fresh", "auto", "auto", "on", "off")
	co := kv.ReadClientOptions(s.Workload)
	if _, ok := s.Workload.Raw("mix"); !ok {
		co.Mix = kv.Mix{Get: 1, Put: 1}
	}
	if _, ok := s.Workload.Raw("give-up"); !ok {
		co.GiveUpAfter = 10
	} else if co.GiveUpAfter == 0 {
		return protocols.Wiring{}, fmt.Errorf("%w: workload give-up 0: clients retry at the same coordinator, so they must give up on it some time", ErrBadOptions)
	}
	co.RetrySame = true
	co.StopAt = quiescence(s)
	if err := o.Validate(n); err != nil {
		return protocols.Wiring{}, err
	}
	if err := co.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	d := o.withDefaults(n)
	fresh := check == "on" || check == "auto" && d.R+d.W > d.N && d.Strict
	checks := Checks(o, s.Servers, fresh, min(2*clock.Second, s.Healing/2))
	return protocols.Wiring{Server: New(o, n), Client: kv.NewClient(co), Checks: checks}, nil
}

// quiescence is when clients stop issuing operations: the middle of the
// healing phase, the time from which the eventual-convergence check wants
// every read to return the final state. The store then has half the
// healing phase to settle (anti-entropy, hinted handoff). Zero without a
// healing phase: nothing is judged then.
func quiescence(s protocols.Setup) clock.Time {
	if s.Healing <= 0 {
		return 0
	}
	return s.HealingStart().Add(s.Healing / 2)
}
