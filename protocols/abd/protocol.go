package abd

import (
	"embed"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes ABD to dsim: its options, bugs, probes, messages,
// display, catalogue of scenarios, and how a run is wired and checked.
var Protocol = &protocols.Protocol{
	Name:           "abd",
	Summary:        "ABD multi-writer atomic register over majorities (no leader); linearizable under a minority's failure",
	MinServers:     1,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           Bugs,
	Probes:         slices.Concat(Probes, kv.LeaderlessProbes),
	Messages:       []protocols.Message{Query{}, QueryReply{}, Store{}, StoreAck{}, kv.Request{}, kv.Reply{}},
	Options: []protocols.Option{
		{Name: "resend", Default: "20ms", Help: "how often a coordinator resends a phase's message to the servers that have not answered"},
		{Name: "abort-after", Default: "60ms", Help: "how long a query phase may wait for a majority before the coordinator gives up and sends the client elsewhere (nothing was stored yet)"},
	},
	Workload:    workload,
	Consistency: "linearizable",
	Display: protocols.Display{
		Commit: "stores",
		Log:    "registers (key: tag value)",
		Help:   "stores: how many values the server has replaced this incarnation. A tag is seq:writer; 0 is the initial empty value. ABD has no leader and no terms.",
		Roles: []protocols.Role{
			{Name: "replica", Kind: protocols.RoleFollows, Help: "holds every register and answers queries and stores; coordinates nothing right now"},
			{Name: "coordinator", Kind: protocols.RoleLeads, Help: "runs the two phases (query a majority, store at a majority) of client operations sent to it, and is a replica too"},
			kv.ClientRole,
		},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build:   build,
}

// workload is kv.Workload with ABD's defaults: gets and puts only, and a
// client that gives up on an operation after three timeouts at its
// coordinator.
var workload = func() []protocols.Option {
	w := slices.Clone(kv.Workload)
	for i := range w {
		switch w[i].Name {
		case "mix":
			w[i].Default = "1:1:0"
			w[i].Help = "get:put:append weights; an append is a read-modify-write over two phases, not atomic"
		case "give-up":
			w[i].Help = "abandon an operation (it stays indeterminate) after this many timeouts at its coordinator, then go to the next server (0: never; a coordinator answers every retry once it is back)"
		}
	}
	return w
}()

func build(s protocols.Setup) (protocols.Wiring, error) {
	o := Options{
		Resend:     s.Options.Duration("resend", 0),
		AbortAfter: s.Options.Duration("abort-after", 0),
		Bug:        s.Bug,
	}
	co := kv.ReadClientOptions(s.Workload)
	if _, ok := s.Workload.Raw("mix"); !ok {
		co.Mix = kv.Mix{Get: 1, Put: 1}
	}
	// A write retried at another coordinator would be a second write, with
	// its own tag, that may land after the first completed: retry at the
	// same one, which deduplicates.
	co.RetrySame = true
	if err := o.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	if err := co.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	checks := protocols.Checks{Monitors: Monitors(len(s.Servers)), History: true, Final: []func(protocols.Cluster) error{protocols.AllUp}}
	return protocols.Wiring{Server: New(o), Client: kv.NewClient(co), Checks: checks}, nil
}
