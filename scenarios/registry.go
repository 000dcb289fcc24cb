package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/abd"
	"github.com/dsimlab/dsim/protocols/broadcast"
	"github.com/dsimlab/dsim/protocols/chain"
	"github.com/dsimlab/dsim/protocols/dynamo"
	"github.com/dsimlab/dsim/protocols/mapreduce"
	"github.com/dsimlab/dsim/protocols/multiprimary"
	"github.com/dsimlab/dsim/protocols/paxos/multi"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
	"github.com/dsimlab/dsim/protocols/pbft"
	"github.com/dsimlab/dsim/protocols/primarybackup"
	"github.com/dsimlab/dsim/protocols/raft"
	"github.com/dsimlab/dsim/protocols/shardkv"
	"github.com/dsimlab/dsim/protocols/threepc"
	"github.com/dsimlab/dsim/protocols/twopc"
)

// BuiltinProtocols lists the protocols dsim ships, one line each. A protocol enters
// dsim through its description alone: adding one here gives it the
// command line, the terminal UI, sweeps, shrinking and dsimtest.
var BuiltinProtocols = []*protocols.Protocol{
	raft.Protocol,
	abd.Protocol,
	dynamo.Protocol,
	multiprimary.Protocol,
	twopc.Protocol,
	threepc.Protocol,
	broadcast.Protocol,
	synod.Protocol,
	multi.Protocol,
	mapreduce.Protocol,
	pbft.Protocol,
	shardkv.Protocol,
	primarybackup.Protocol,
	primarybackup.AsyncProtocol,
	chain.Protocol,
	chain.CRAQProtocol,
}

func init() {
	for _, p := range BuiltinProtocols {
		if err := Register(p); err != nil {
			panic(err)
		}
	}
}

// Bug is one bug variant of one protocol, as `dsim list --bugs` prints it.
type Bug struct {
	Protocol    string `json:"protocol"`
	Name        string `json:"bug"`
	Description string `json:"description"`
}

// ErrUnknownProtocol is matched by errors for a protocol name that is not
// registered.
var ErrUnknownProtocol = errors.New("unknown protocol")

// The registry: protocols by name, in registration order, and the built-in
// scenarios their catalogues hold.
var registry struct {
	sync.RWMutex
	protocols []*protocols.Protocol
	scenarios []catalogEntry // sorted by name
}

// catalogEntry is one built-in scenario: its name and where its file is.
type catalogEntry struct {
	name     string
	protocol *protocols.Protocol
	path     string // in protocol.Catalog
}

// Register adds a protocol: its name, its catalogue of scenarios and
// everything its description says. It fails on a description that cannot
// work (no name, no Build, a name or scenario name already taken).
func Register(p *protocols.Protocol) error {
	if err := validateDescription(p); err != nil {
		return err
	}
	entries, err := catalogOf(p)
	if err != nil {
		return err
	}
	registry.Lock()
	defer registry.Unlock()
	if slices.ContainsFunc(registry.protocols, func(q *protocols.Protocol) bool { return q.Name == p.Name }) {
		return fmt.Errorf("protocol %q is registered twice", p.Name)
	}
	for _, e := range entries {
		if i, dup := slices.BinarySearchFunc(registry.scenarios, e.name, byName); dup {
			return fmt.Errorf("protocol %s: scenario %s is already in the catalogue of %s", p.Name, e.name, registry.scenarios[i].protocol.Name)
		}
	}
	registry.protocols = append(registry.protocols, p)
	registry.scenarios = append(registry.scenarios, entries...)
	slices.SortFunc(registry.scenarios, func(a, b catalogEntry) int { return strings.Compare(a.name, b.name) })
	return nil
}

func byName(e catalogEntry, name string) int { return strings.Compare(e.name, name) }

func validateDescription(p *protocols.Protocol) error {
	switch {
	case p == nil:
		return errors.New("register: nil protocol")
	case p.Name == "" || strings.ContainsAny(p.Name, " \t/"):
		return fmt.Errorf("register: protocol name %q: want one word without slashes", p.Name)
	case p.Build == nil:
		return fmt.Errorf("register: protocol %s has no Build", p.Name)
	}
	for _, b := range p.Bugs {
		if b.Name == "" || strings.ContainsAny(b.Name, " \t") {
			return fmt.Errorf("register: protocol %s: bug name %q: want one word", p.Name, b.Name)
		}
	}
	return nil
}

// catalogOf lists the scenario files of p's catalogue: DIR/NAME.scn is the
// scenario DIR/NAME.
func catalogOf(p *protocols.Protocol) ([]catalogEntry, error) {
	if p.Catalog == nil {
		return nil, nil
	}
	var out []catalogEntry
	err := fs.WalkDir(p.Catalog, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".scn") {
			out = append(out, catalogEntry{name: strings.TrimSuffix(path, ".scn"), protocol: p, path: path})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("protocol %s: catalogue: %w", p.Name, err)
	}
	return out, nil
}

// Lookup returns a registered protocol.
func Lookup(name string) (*protocols.Protocol, error) {
	registry.RLock()
	defer registry.RUnlock()
	for _, p := range registry.protocols {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w %q (known: %s; a protocol from another module runs under a binary built with cli.Main, see docs/testing-your-protocol.md)",
		ErrUnknownProtocol, name, strings.Join(protocolNames(), ", "))
}

// Protocols returns the registered protocols, sorted by name.
func Protocols() []*protocols.Protocol {
	registry.RLock()
	defer registry.RUnlock()
	out := slices.Clone(registry.protocols)
	slices.SortFunc(out, func(a, b *protocols.Protocol) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ProtocolNames lists registered protocols, sorted.
func ProtocolNames() []string {
	registry.RLock()
	defer registry.RUnlock()
	return protocolNames()
}

func protocolNames() []string {
	names := make([]string, len(registry.protocols))
	for i, p := range registry.protocols {
		names[i] = p.Name
	}
	slices.Sort(names)
	return names
}

// AllBugs lists every bug variant of every protocol, sorted by protocol.
func AllBugs() []Bug {
	var out []Bug
	for _, p := range Protocols() {
		for _, b := range p.Bugs {
			out = append(out, Bug{Protocol: p.Name, Name: b.Name, Description: b.Description})
		}
	}
	return out
}

func bugNames(p *protocols.Protocol) string {
	var names []string
	for _, b := range p.Bugs {
		names = append(names, b.Name)
	}
	if len(names) == 0 {
		return "it has none"
	}
	return "known: " + strings.Join(names, ", ")
}
