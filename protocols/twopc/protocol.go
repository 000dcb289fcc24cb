package twopc

import (
	"embed"
	"slices"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes two-phase commit to dsim.
var Protocol = &protocols.Protocol{
	Name:           "2pc",
	Summary:        "two-phase commit over a sharded bank, with presumed abort; blocks when the coordinator dies",
	MinServers:     3,
	DefaultClients: 2,
	MinHealing:     bank.MinHealing,
	Bugs:           Bugs,
	Probes:         Probes,
	Violations:     bank.Violations,
	Messages: []protocols.Message{
		Prepare{}, Vote{}, Decision{}, Ack{}, Query{}, bank.Submit{}, bank.Result{}, bank.Order{},
	},
	Options: slices.Concat(bank.Options, []protocols.Option{
		{Name: "vote-timeout", Default: "200ms", Help: "the coordinator aborts a transaction without every vote by then"},
		{Name: "resend-every", Default: "200ms", Help: "how often the coordinator resends a decision until every participant acknowledges it"},
		{Name: "query-every", Default: "300ms", Help: "how often a prepared participant asks the coordinator for the decision"},
	}),
	Workload: bank.Workload,
	Display:  bank.Display("2PC"),
	Catalog:  protocols.CatalogDir(catalog, "catalog"),
	Build: func(s protocols.Setup) (protocols.Wiring, error) {
		o := Options{
			World:          bank.ReadWorld(s),
			VoteTimeout:    s.Options.Duration("vote-timeout", 0),
			ResendInterval: s.Options.Duration("resend-every", 0),
			QueryInterval:  s.Options.Duration("query-every", 0),
			Bug:            s.Bug,
		}
		if err := o.Validate(); err != nil {
			return protocols.Wiring{}, err
		}
		return bank.Wire(s, New(o), NewClient(o)), nil
	},
}
