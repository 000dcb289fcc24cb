package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// Protocol describes how to build one protocol into a world.
type Protocol struct {
	Name           string
	Summary        string
	MinNodes       int
	DefaultClients int
	Bugs           []Bug
	Probes         []string
	Kinds          []string       // the message kinds it sends, to check targeted rules against
	MinHealing     clock.Duration // the shortest healing phase in which it can recover and be judged
	// Build wires a scenario: it reads the scenario's options and workload
	// (reporting unknown or malformed ones through the Settings) and returns
	// the node factories, the monitors and the end-of-run checks.
	Build func(w *Wiring) error
}

// Bug is a named defect a protocol can be built with.
type Bug struct {
	Protocol    string `json:"protocol"`
	Name        string `json:"bug"`
	Description string `json:"description"`
}

// Wiring is what a protocol's Build reads and fills in.
type Wiring struct {
	Scenario *Scenario
	Bug      string    // the bug to build in, "" for correct code
	Options  *Settings // the scenario's option lines
	Workload *Settings // the scenario's workload lines

	Server   protocols.Factory
	Client   protocols.Factory
	Monitors []protocols.Monitor
	// Final runs after the healing phase, when every fault is off and every
	// node up: convergence, durability and liveness checks.
	Final []func(c protocols.Cluster) error
	// KV is set by protocols whose clients record a KV history (kv notes):
	// the runner then checks it with porcupine and judges client liveness.
	KV bool
	// Observers see every event (ghost state that is not a monitor's).
	Observers []sim.Observer
}

var registry = map[string]*Protocol{}

// Register adds a protocol. It panics on a duplicate name: registration
// happens at init and a clash is a programming error.
func Register(p *Protocol) {
	if _, dup := registry[p.Name]; dup {
		panic("scenarios: protocol " + p.Name + " registered twice")
	}
	registry[p.Name] = p
}

// Lookup returns a registered protocol.
func Lookup(name string) (*Protocol, error) {
	if p, ok := registry[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("unknown protocol %q (known: %s)", name, strings.Join(ProtocolNames(), ", "))
}

// ProtocolNames lists registered protocols, sorted.
func ProtocolNames() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// AllBugs lists every bug variant of every protocol, sorted.
func AllBugs() []Bug {
	var out []Bug
	for _, name := range ProtocolNames() {
		out = append(out, registry[name].Bugs...)
	}
	return out
}

// HasBug reports whether p has a bug variant called name.
func (p *Protocol) HasBug(name string) bool {
	return slices.ContainsFunc(p.Bugs, func(b Bug) bool { return b.Name == name })
}

func (p *Protocol) bugNames() string {
	var names []string
	for _, b := range p.Bugs {
		names = append(names, b.Name)
	}
	if len(names) == 0 {
		return "it has none"
	}
	return "known: " + strings.Join(names, ", ")
}
