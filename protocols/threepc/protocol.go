package threepc

import (
	"embed"
	"slices"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes three-phase commit to dsim.
var Protocol = &protocols.Protocol{
	Name:           "3pc",
	Summary:        "three-phase commit with its termination protocol; does not block on crashes, breaks under partitions",
	MinServers:     3,
	DefaultClients: 2,
	MinHealing:     bank.MinHealing,
	Bugs:           Bugs,
	Probes:         Probes,
	Violations:     bank.Violations,
	Messages: []protocols.Message{
		CanCommit{}, Vote{}, PreCommit{}, Ack{}, DoCommit{}, Abort{}, HaveCommitted{}, StateReq{}, State{}, Query{},
		bank.Submit{}, bank.Result{}, bank.Order{},
	},
	Options: slices.Concat(bank.Options, []protocols.Option{
		{Name: "vote-timeout", Default: "200ms", Help: "the coordinator aborts a transaction without every vote by then"},
		{Name: "ack-timeout", Default: "200ms", Help: "the coordinator commits after this long without every PreCommit ack (if any acked)"},
		{Name: "resend-every", Default: "200ms", Help: "how often the coordinator resends DoCommit until confirmed"},
		{Name: "termination-timeout", Default: "400ms", Help: "a prepared participant suspects its coordinator after this long and runs the termination protocol"},
		{Name: "collect-timeout", Default: "200ms", Help: "how long a recovery coordinator waits for states, then for acks"},
	}),
	Workload: bank.Workload,
	Display:  bank.Display("3PC"),
	Catalog:  protocols.CatalogDir(catalog, "catalog"),
	Build: func(s protocols.Setup) (protocols.Wiring, error) {
		o := Options{
			World:              bank.ReadWorld(s),
			VoteTimeout:        s.Options.Duration("vote-timeout", 0),
			AckTimeout:         s.Options.Duration("ack-timeout", 0),
			ResendInterval:     s.Options.Duration("resend-every", 0),
			TerminationTimeout: s.Options.Duration("termination-timeout", 0),
			CollectTimeout:     s.Options.Duration("collect-timeout", 0),
			Bug:                s.Bug,
		}
		if err := o.Validate(); err != nil {
			return protocols.Wiring{}, err
		}
		return bank.Wire(s, New(o), NewClient(o)), nil
	},
}
