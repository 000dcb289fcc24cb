package bank

import (
	"slices"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// What the atomic-commit protocols share when dsim runs them: the world's
// option and workload lines, and the checks of a run.

// Options documents the option lines ReadWorld reads; each protocol adds
// its own timeouts.
var Options = []protocols.Option{
	{Name: "coordinator", Default: "n1", Help: "the server that coordinates every transaction; the others are participants"},
	{Name: "accounts", Default: "2", Help: "accounts per participant"},
	{Name: "initial", Default: "100", Help: "every account's opening balance"},
}

// Workload documents the workload lines ReadWorld reads.
var Workload = []protocols.Option{
	{Name: "max-amount", Default: "60", Help: "transfers move 1..max-amount"},
	{Name: "timeout", Default: "1s", Help: "a client reports a transfer's outcome unknown after this long"},
	{Name: "think", Default: "10ms", Help: "pause between a client's transfers"},
}

// ReadWorld reads the bank's option and workload lines.
func ReadWorld(s protocols.Setup) World {
	names := make([]string, len(s.Servers))
	for i, id := range s.Servers {
		names[i] = string(id)
	}
	return World{
		Coordinator:   protocols.NodeID(s.Options.Word("coordinator", string(DefaultCoordinator), names...)),
		Accounts:      s.Options.Int("accounts", 0, 1, 1000),
		Initial:       int64(s.Options.Int("initial", 0, 1, 1_000_000_000)),
		MaxAmount:     int64(s.Workload.Int("max-amount", 0, 1, 1_000_000_000)),
		ClientTimeout: s.Workload.Duration("timeout", 0),
		Think:         s.Workload.Duration("think", 0),
	}
}

// MinHealing leaves an atomic-commit protocol time to finish what was in
// doubt: the end-of-run checks allow a transaction to stay prepared for
// DefaultGrace, so the healing phase must be longer.
const MinHealing = DefaultGrace + clock.Second

// Wire returns the wiring of an atomic-commit run: the nodes, the shared
// bank checks, and the demand for progress once every fault is off.
func Wire(s protocols.Setup, server, client protocols.Factory) protocols.Wiring {
	monitors, final := Checks()
	progress := newProgress(s.HealingStart())
	checks := protocols.Checks{
		Monitors: append(monitors, progress),
		Final:    []func(protocols.Cluster) error{protocols.AllUp, final, progress.check},
	}
	return protocols.Wiring{Server: server, Client: client, Checks: checks}
}

// progress checks that after the healing phase begins every client hears a
// definite outcome (committed or aborted) for a transfer it submitted, and
// that some transfer commits: a coordinator that ignores new work, or locks
// never released, fail it.
type progress struct {
	healAt    clock.Time
	submitted map[TxID]bool
	clients   []protocols.NodeID // clients that submitted during healing
	answered  []protocols.NodeID // clients told an outcome for such a transfer
	commits   int
}

func newProgress(healAt clock.Time) *progress {
	return &progress{healAt: healAt, submitted: map[TxID]bool{}}
}

// Check implements protocols.Monitor; it only gathers facts.
func (p *progress) Check(_ protocols.Cluster, ev protocols.Event) error {
	if ev.Time < p.healAt {
		return nil
	}
	for _, n := range ev.Notes {
		switch n := n.(type) {
		case Submitted:
			p.submitted[n.Tx] = true
			if !slices.Contains(p.clients, n.Client) {
				p.clients = append(p.clients, n.Client)
			}
		case Reported:
			if !p.submitted[n.Tx] || n.Outcome == OutcomeUnknown {
				continue
			}
			if !slices.Contains(p.answered, n.Client) {
				p.answered = append(p.answered, n.Client)
			}
			if n.Outcome == OutcomeCommitted {
				p.commits++
			}
		}
	}
	return nil
}

func (p *progress) check(protocols.Cluster) error {
	var silent []protocols.NodeID
	for _, c := range p.clients {
		if !slices.Contains(p.answered, c) {
			silent = append(silent, c)
		}
	}
	if len(silent) > 0 {
		protocols.SortIDs(silent)
		return protocols.Violationf("liveness", "%s submitted transfers after the healing phase began but never heard a definite outcome", FormatIDs(silent))
	}
	if len(p.clients) > 0 && p.commits == 0 {
		return protocols.Violationf("liveness", "no transfer committed during the healing phase (%d submitted)", len(p.submitted))
	}
	return nil
}

// Display is how the atomic-commit protocols' nodes are shown; name is
// "2PC" or "3PC", for the help.
func Display(name string) protocols.Display {
	return protocols.Display{
		Commit:       "commits",
		ClientCommit: true,
		Log:          "status",
		Progress: func(n int) string {
			if n == 1 {
				return "has seen 1 transaction commit"
			}
			return "has seen " + strconv.Itoa(n) + " transactions commit"
		},
		Help: "commits: how many transactions the node has seen commit (" + name + " has no terms).",
		Roles: []protocols.Role{
			{Name: "coordinator", Kind: protocols.RoleLeads, Help: "runs each transaction: collects votes, decides, logs the decision and tells the participants"},
			{Name: "participant", Kind: protocols.RoleFollows, Help: "holds some accounts: locks and votes on each transfer, then applies the coordinator's decision"},
			{Name: "client", Kind: protocols.RoleClient, Help: "submits transfers between accounts and waits for their outcome"},
		},
	}
}
