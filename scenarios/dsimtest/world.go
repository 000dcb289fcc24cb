package dsimtest

import (
	"errors"
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/byzantine"
	"github.com/dsimlab/dsim/scenarios"
)

// World describes what each run builds: the nodes, the checks, the network
// and the length of the two phases. A run is the world plus a seed and a
// fault schedule. Zero fields take the defaults their comments give.
type World struct {
	// Servers is how many servers run, named n1..nN. Zero means 3.
	Servers int
	// Server builds a server. Required, except in a world from FromScenario,
	// which builds its own nodes.
	Server protocols.Factory
	// Clients is how many clients run, named c1..cN. Zero means none.
	Clients int
	// Client builds a client; required when Clients is not zero.
	Client protocols.Factory
	// Checks builds one run's checks. It is called afresh for every run,
	// because monitors keep ghost state. Nil means only the kernel's own
	// checks: a node panic, a bad effect, the event budget. Set
	// Checks.History when the clients are protocols/kv clients: the run's
	// client history is then checked for linearizability, every operation
	// must complete after healing, and the report counts operations.
	Checks func() Checks
	// Protocol builds the world from a protocol's description instead of
	// Server, Client and Checks: its Build with every option at its
	// default, its checks, its byzantine strategies and admin commands for
	// the schedules. It need not be registered.
	Protocol *protocols.Protocol
	// Bug is the bug variant a Protocol world is built with; "" for
	// correct code.
	Bug string
	// Link is every link's initial settings. The zero value means
	// net.DefaultLink (1-10ms, no loss).
	Link net.LinkConfig
	// Chaos is the chaos phase: every fault of the schedule falls in
	// [0, Chaos). Zero means 5s.
	Chaos clock.Duration
	// Healing follows Chaos: a recover turns every fault off (the network
	// heals, crashed nodes restart, paused ones resume), the run goes on for
	// Healing, and then the final checks run. Zero means 5s.
	Healing clock.Duration
	// Faults shapes the schedules Property and Fuzz draw.
	Faults FaultOptions
	// MaxEvents is one run's event budget; zero sizes it from the world
	// (scenarios.EventBudget: its nodes and phases).
	// A run that exhausts it fails with "event-budget": a livelock.
	MaxEvents uint64

	scenario *scenarios.Scenario // set by FromScenario
}

// Checks are the checks of one run: monitors after every event, final
// checks after the healing phase, and whether to check the client history.
// It is the same type a protocol's description builds (protocols.Checks).
type Checks = protocols.Checks

// Defaults for zero World fields.
const (
	defaultServers = 3
	defaultChaos   = 5 * clock.Second
	defaultHealing = scenarios.DefaultHealing
)

// FromScenario returns the world of a built-in scenario (as `dsim list`
// names them, e.g. "raft/election") or of a scenario file: its protocol,
// bug, options, workload, nodes, clients, network, phases and checks, with
// linearizability and client liveness for KV protocols. The scenario's own
// "at" lines stay, as part of the world; swarm chaos gives way to the drawn
// schedule; an "expect" line is dropped, because a property holds when no
// check fails; and a scenario without a healing phase gets the default one. Servers, Clients, Link, Chaos, Healing, Faults and
// MaxEvents may be changed before use; Server, Client and Checks must stay
// nil, since the scenario builds its own.
func FromScenario(name string) (World, error) {
	s, err := scenarios.Load(name)
	if err != nil {
		return World{}, err
	}
	p, err := scenarios.Lookup(s.Protocol)
	if err != nil {
		return World{}, fmt.Errorf("%s: %w", name, err)
	}
	clients := s.Clients
	if clients < 0 {
		clients = p.DefaultClients
	}
	healing := s.Healing
	if healing < 0 {
		healing = scenarios.DefaultHealing
	}
	return World{
		Servers:  s.Nodes,
		Clients:  clients,
		Link:     s.Link,
		Chaos:    s.Duration,
		Healing:  healing,
		scenario: s,
	}, nil
}

// errWorld is wrapped by every complaint about a World.
var errWorld = errors.New("dsimtest: bad world")

// resolved returns w with its defaults filled in, or what is wrong with it.
func (w World) resolved() (World, error) {
	bad := func(format string, args ...any) (World, error) {
		return w, fmt.Errorf("%w: %s", errWorld, fmt.Sprintf(format, args...))
	}
	if w.Servers == 0 {
		w.Servers = defaultServers
	}
	if w.Chaos == 0 {
		w.Chaos = defaultChaos
	}
	if w.Healing == 0 {
		// Even for a scenario written with "healing 0s": a property's run
		// always has a healing phase, since liveness is judged there.
		w.Healing = defaultHealing
	}
	if w.Link == (net.LinkConfig{}) {
		w.Link = net.DefaultLink
	}
	switch {
	case w.Servers < 0 || w.Clients < 0:
		return bad("%d servers and %d clients", w.Servers, w.Clients)
	case w.Chaos < clock.Millisecond || w.Healing < 0:
		return bad("chaos %s and healing %s: want at least 1ms of chaos and no negative healing", clock.FormatDuration(w.Chaos), clock.FormatDuration(w.Healing))
	case w.Chaos+w.Healing > scenarios.MaxDuration:
		return bad("chaos and healing add up to over %s", clock.FormatDuration(scenarios.MaxDuration))
	case (w.scenario != nil || w.Protocol != nil) && (w.Server != nil || w.Client != nil || w.Checks != nil):
		return bad("a world from %s builds its own nodes and checks: leave Server, Client and Checks nil", w.name())
	case w.scenario == nil && w.Protocol == nil && w.Server == nil:
		return bad("no Server factory (or Protocol)")
	case w.scenario == nil && w.Protocol == nil && w.Clients > 0 && w.Client == nil:
		return bad("%d clients but no Client factory", w.Clients)
	}
	if err := w.Link.Validate(); err != nil {
		return bad("link: %v", err)
	}
	return w, nil
}

func (w World) servers() []protocols.NodeID { return protocols.Servers(w.Servers) }

// name says which world a report is about.
func (w World) name() string {
	switch {
	case w.scenario != nil:
		return w.scenario.Name
	case w.Protocol != nil:
		return w.Protocol.Name + " world"
	}
	return "world"
}

// description is the protocol a world of factories runs as: one built on
// the spot, whose Build returns the factories and a fresh Checks.
func (w World) description() *protocols.Protocol {
	if w.Protocol != nil {
		return w.Protocol
	}
	return &protocols.Protocol{
		Name:       "world",
		MinHealing: max(w.Healing, clock.Nanosecond),
		Build: func(protocols.Setup) (protocols.Wiring, error) {
			var checks Checks
			if w.Checks != nil {
				checks = w.Checks()
			}
			return protocols.Wiring{Server: w.Server, Client: w.Client, Checks: checks}, nil
		},
	}
}

// faultOptions are w.Faults with what a world's protocol adds: its
// byzantine strategies (and the generic ones) up to its bound, and its
// admin commands, unless the options already say.
func (w World) faultOptions() FaultOptions {
	o := w.Faults
	p := w.Protocol
	if w.scenario != nil {
		p, _ = scenarios.Lookup(w.scenario.Protocol)
	}
	if p == nil {
		return o
	}
	if p.MaxByzantine != nil && o.Byzantine == nil {
		o.MaxByzantine = p.MaxByzantine(w.Servers)
		for _, st := range slices.Concat(p.Strategies, byzantine.Generic) {
			o.Byzantine = append(o.Byzantine, st.Name)
		}
	}
	if p.Admin != nil && o.Admin == nil {
		o.Admin = p.Admin
	}
	return o
}
