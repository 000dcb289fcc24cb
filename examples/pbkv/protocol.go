package pbkv

import (
	"embed"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes the store to dsim. Registering it (cli.Main does, and
// scenarios.Register) gives it the command line, the terminal UI, sweeps,
// shrinking and dsimtest, as dsim's own protocols have.
var Protocol = &protocols.Protocol{
	Name:           "pbkv",
	Summary:        "a primary-backup KV store with a fixed primary, written as a user's own protocol",
	MinServers:     2,
	DefaultClients: 3,
	MinHealing:     clock.Second,
	Bugs:           Bugs,
	Messages:       []protocols.Message{Replicate{}, Ack{}, kv.Request{}, kv.Reply{}},
	Probes:         kv.Probes,
	Workload:       kv.Workload,
	Display: protocols.Display{
		Commit: "log",
		Log:    "status",
		Help:   "log: how many writes the server has in its log (the primary orders them; backups copy them).",
		Roles: []protocols.Role{
			{Name: "primary", Kind: protocols.RoleLeads, Help: "orders every write, and answers once every backup has it"},
			{Name: "backup", Kind: protocols.RoleFollows, Help: "applies the primary's writes in order and sends clients to the primary"},
			kv.ClientRole,
		},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build: func(s protocols.Setup) (protocols.Wiring, error) {
		co := kv.ReadClientOptions(s.Workload)
		if err := co.Validate(); err != nil {
			return protocols.Wiring{}, err
		}
		checks := protocols.Checks{
			// A user's own protocol gets linearizability from History alone.
			History:  true,
			Monitors: []protocols.Monitor{kv.ExactlyOnce()},
			Final:    []func(protocols.Cluster) error{protocols.AllUp},
		}
		checks = checks.Join(protocols.Convergence(min(clock.Second, s.Healing/2)))
		return protocols.Wiring{Server: newServer(s.Bug), Client: kv.NewClient(co), Checks: checks}, nil
	},
}
