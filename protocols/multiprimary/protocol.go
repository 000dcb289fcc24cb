package multiprimary

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

// Protocol describes multi-primary replication to dsim.
var Protocol = &protocols.Protocol{
	Name:           "multi-primary",
	Summary:        "multi-primary replication: every server accepts writes and replicates them asynchronously; conflicts resolved by last-writer-wins or version vectors with siblings; eventually consistent",
	MinServers:     1,
	DefaultClients: 3,
	MinHealing:     2 * clock.Second,
	Bugs:           Bugs,
	// Every replica serves every request and never answers NotLeader, so
	// its clients neither redirect nor back off (see kv.LeaderlessProbes).
	Probes:   slices.Concat(Probes, []string{kv.ProbeTimeout, kv.ProbeGiveUp}),
	Messages: []protocols.Message{Update{}, State{}, kv.Request{}, kv.Reply{}},
	Options: []protocols.Option{
		{Name: "resolve", Default: "lww", Help: "how concurrent writes are reconciled: lww (last writer wins, by the accepting server's clock), vv (version vectors, siblings kept for clients to merge) or mixed (odd-numbered keys vv, even lww)"},
		{Name: "anti-entropy", Default: "300ms", Help: "how often a server sends its whole state to one peer"},
		{Name: "push", Default: "on", Help: "push every write to every peer at once (off: anti-entropy alone replicates)"},
		{Name: "check-lost-updates", Default: "off", Help: "fail the run when an LWW write that began after another completed gets a lower stamp (clock skew makes it happen)"},
	},
	Workload:    workload,
	Consistency: "eventual",
	Display: protocols.Display{
		Commit: "writes",
		Log:    "versions per key (stamp or [version vector] = value; | between siblings)",
		Help:   "writes: client writes this server accepted this incarnation. LWW stamps are the accepting server's clock in ms and the writer; version vectors count each client's writes (by its sequence numbers). No leader, no terms.",
		Roles: []protocols.Role{
			{Name: "primary", Kind: protocols.RoleLeads, Help: "accepts reads and writes for every key on its own and replicates them to the others asynchronously; every server is one"},
			kv.ClientRole,
		},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build:   build,
}

var workload = func() []protocols.Option {
	w := slices.Clone(kv.Workload)
	for i := range w {
		if w[i].Name == "mix" {
			w[i].Default = "1:1:0"
			w[i].Help = "get:put:append weights; append must be 0 (it has no meaning over siblings)"
		}
	}
	return w
}()

func build(s protocols.Setup) (protocols.Wiring, error) {
	o := Options{
		Resolve:   Resolution(s.Options.Word("resolve", string(LWW), string(LWW), string(VVs), string(Mixed))),
		SyncEvery: s.Options.Duration("anti-entropy", 0),
		NoPush:    !s.Options.Bool("push", true),
		Bug:       s.Bug,
	}
	lost := s.Options.Bool("check-lost-updates", false)
	co := kv.ReadClientOptions(s.Workload)
	if _, ok := s.Workload.Raw("mix"); !ok {
		co.Mix = kv.Mix{Get: 1, Put: 1}
	} else if co.Mix.Append > 0 {
		return protocols.Wiring{}, fmt.Errorf("%w: workload mix %d:%d:%d: multi-primary serves gets and puts only (append must be 0)", ErrBadOptions, co.Mix.Get, co.Mix.Put, co.Mix.Append)
	}
	co.StopAt = quiescence(s)
	if err := o.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	if err := co.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	checks := Checks(o, lost, min(clock.Second, s.Healing/2))
	return protocols.Wiring{Server: New(o), Client: kv.NewClient(co), Checks: checks}, nil
}

// quiescence is when clients stop issuing operations: the middle of the
// healing phase, the time from which the eventual-convergence check wants
// every read to return the final state. The replicas then have half the
// healing phase to settle. Zero without a healing phase.
func quiescence(s protocols.Setup) clock.Time {
	if s.Healing <= 0 {
		return 0
	}
	return s.HealingStart().Add(s.Healing / 2)
}
