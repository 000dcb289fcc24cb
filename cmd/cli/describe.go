package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios"
)

// Everything `dsim show PROTOCOL`, `dsim list --protocols` and
// docs/protocols.md say about a protocol comes from its description.

// protocolRow is one protocol as `dsim list --protocols` shows it.
type protocolRow struct {
	Name        string `json:"name"`
	Summary     string `json:"summary"`
	MinServers  int    `json:"min_servers"`
	Clients     int    `json:"default_clients"`
	Consistency string `json:"consistency,omitempty"`
	Bugs        int    `json:"bugs"`
	Scenarios   int    `json:"scenarios"`
	Byzantine   bool   `json:"byzantine,omitempty"`
}

func protocolRows() []protocolRow {
	var rows []protocolRow
	for _, p := range scenarios.Protocols() {
		n := 0
		for _, s := range scenarios.Names() {
			if sc, err := scenarios.Builtin(s); err == nil && sc.Protocol == p.Name {
				n++
			}
		}
		rows = append(rows, protocolRow{
			Name: p.Name, Summary: p.Summary, MinServers: max(p.MinServers, 1), Clients: p.DefaultClients,
			Consistency: historyModel(p), Bugs: len(p.Bugs), Scenarios: n, Byzantine: p.MaxByzantine != nil,
		})
	}
	return rows
}

// historyModel is the model a protocol's client history is judged against,
// or "" for a protocol without clients' history.
func historyModel(p *protocols.Protocol) string {
	if p.Consistency != "" {
		return p.Consistency
	}
	if p.Build == nil {
		return ""
	}
	w, err := p.Build(p.DefaultSetup())
	if err != nil || !w.Checks.History {
		return ""
	}
	return "linearizable"
}

var roleKinds = map[protocols.RoleKind]string{
	protocols.RoleOther: "other", protocols.RoleLeads: "leads", protocols.RoleSeeks: "seeks to lead",
	protocols.RoleFollows: "follows", protocols.RoleClient: "client", protocols.RoleFaulty: "faulty",
}

// describe writes a protocol's description as Markdown: what `dsim show
// PROTOCOL` prints and what docs/protocols.md holds for each protocol.
func describe(w io.Writer, p *protocols.Protocol) {
	pf := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	pf("## %s\n\n%s.\n\n", p.Name, p.Summary)
	pf("- servers: at least %d; clients by default: %d\n", max(p.MinServers, 1), p.DefaultClients)
	if c := historyModel(p); c != "" {
		pf("- client history judged as: %s\n", c)
	}
	if p.MaxByzantine != nil {
		pf("- tolerates byzantine servers: %d of %d, %d of %d\n", p.MaxByzantine(4), 4, p.MaxByzantine(7), 7)
	}
	pf("- message kinds: %s\n", strings.Join(p.Kinds(), ", "))
	if len(p.Violations) > 0 {
		pf("- violations its own checks report (`expect violation KIND`, as can the generic ones): %s\n", strings.Join(p.Violations, ", "))
	}
	minHeal := p.MinHealing
	if minHeal == 0 {
		minHeal = clock.Second
	}
	pf("- shortest healing phase: %s\n\n", clock.FormatDuration(minHeal))
	options := func(title, kind string, opts []protocols.Option) {
		if len(opts) == 0 {
			return
		}
		pf("%s\n\n| line | default | meaning |\n| --- | --- | --- |\n", title)
		for _, o := range opts {
			pf("| `%s %s` | %s | %s |\n", kind, o.Name, o.Default, o.Help)
		}
		pf("\n")
	}
	options("Options:", "option", p.Options)
	options("Workload:", "workload", p.Workload)
	if len(p.Display.Roles) > 0 {
		pf("Roles:\n\n")
		for _, r := range p.Display.Roles {
			pf("- `%s` (%s): %s\n", r.Name, roleKinds[r.Kind], r.Help)
		}
		pf("\n")
	}
	if len(p.Bugs) > 0 {
		pf("Bug variants (`--bug NAME`):\n\n")
		for _, b := range p.Bugs {
			pf("- `%s`: %s\n", b.Name, b.Description)
		}
		pf("\n")
	}
	if len(p.Strategies) > 0 {
		pf("Byzantine strategies of its own (besides the generic ones):\n\n")
		for _, s := range p.Strategies {
			pf("- `%s`: %s\n", strings.TrimSpace(s.Name+" "+s.Args), s.Help)
		}
		pf("\n")
	}
	var names []string
	for _, s := range scenarios.Names() {
		if sc, err := scenarios.Builtin(s); err == nil && sc.Protocol == p.Name {
			names = append(names, s)
		}
	}
	if len(names) > 0 {
		pf("Scenarios: %s\n\n", strings.Join(names, ", "))
	}
}

// protocolsDoc is docs/protocols.md: every registered protocol, described.
func protocolsDoc(w io.Writer) {
	fmt.Fprintf(w, "# Protocols\n\n")
	fmt.Fprintf(w, "Generated from each protocol's description by `go test ./cmd/cli -run TestProtocolsDoc -update`;\n")
	fmt.Fprintf(w, "`dsim show PROTOCOL` prints the same. A test fails when this file is out of date.\n\n")
	fmt.Fprintf(w, "| protocol | what it is | history judged as | bugs | scenarios |\n| --- | --- | --- | --- | --- |\n")
	for _, r := range protocolRows() {
		c := r.Consistency
		if c == "" {
			c = "-"
		}
		fmt.Fprintf(w, "| [%s](#%s) | %s | %s | %d | %d |\n", r.Name, r.Name, r.Summary, c, r.Bugs, r.Scenarios)
	}
	fmt.Fprintf(w, "\n")
	for _, p := range scenarios.Protocols() {
		describe(w, p)
	}
}
