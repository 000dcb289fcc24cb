package scenarios

import (
	"slices"

	"github.com/dsimlab/dsim/clock"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/threepc"
	"github.com/dsimlab/dsim/protocols/twopc"
)

// The atomic-commit protocols share a world: a bank whose accounts are spread
// over the participants (every server but the coordinator), and clients that
// submit transfers between accounts on different participants.
//
//	option   coordinator n1      the coordinating server
//	option   accounts 2          accounts per participant
//	option   initial 100         every account's opening balance
//	option   vote-timeout 200ms  the coordinator aborts without every vote by then
//	option   resend-every 200ms  how often a decision is resent until acknowledged
//	workload max-amount 60       transfers move 1..max-amount
//	workload timeout 1s          a client reports an outcome unknown after this long
//	workload think 10ms          pause between a client's transfers
func bankWorld(w *Wiring) bank.World {
	coord := protocols.NodeID(w.Options.Word("coordinator", string(bank.DefaultCoordinator), idStrings(w.Scenario.Nodes)...))
	return bank.World{
		Coordinator:   coord,
		Accounts:      w.Options.Int("accounts", 0, 1, 1000),
		Initial:       int64(w.Options.Int("initial", 0, 1, 1_000_000_000)),
		MaxAmount:     int64(w.Workload.Int("max-amount", 0, 1, 1_000_000_000)),
		ClientTimeout: w.Workload.Duration("timeout", 0),
		Think:         w.Workload.Duration("think", 0),
	}
}

func idStrings(n int) []string {
	var out []string
	for _, id := range protocols.Servers(n) {
		out = append(out, string(id))
	}
	return out
}

func init() {
	var bugs []Bug
	for _, b := range twopc.Bugs {
		bugs = append(bugs, Bug{Protocol: "2pc", Name: b.Name, Description: b.Description})
	}
	Register(&Protocol{
		Name:           "2pc",
		Summary:        "two-phase commit over a sharded bank, with presumed abort; blocks when the coordinator dies",
		MinNodes:       3,
		DefaultClients: 2,
		Bugs:           bugs,
		Probes:         twopc.Probes,
		Kinds:          []string{"Prepare", "Vote", "Decision", "Ack", "Query", "Submit", "Result", "Order"},
		MinHealing:     bankMinHealing,
		Build: func(w *Wiring) error {
			o := twopc.Options{
				World:          bankWorld(w),
				VoteTimeout:    w.Options.Duration("vote-timeout", 0),
				ResendInterval: w.Options.Duration("resend-every", 0),
				QueryInterval:  w.Options.Duration("query-every", 0),
				Bug:            w.Bug,
			}
			if err := o.Validate(); err != nil {
				return err
			}
			monitors, final := twopc.Checks()
			wireBank(w, twopc.New(o), twopc.NewClient(o), monitors, final)
			return nil
		},
	})
	Register(&Protocol{
		Name:           "3pc",
		Summary:        "three-phase commit with its termination protocol; does not block on crashes, breaks under partitions",
		MinNodes:       3,
		DefaultClients: 2,
		Probes:         threepc.Probes,
		Kinds: []string{"CanCommit", "Vote", "PreCommit", "Ack", "DoCommit", "Abort", "HaveCommitted",
			"StateReq", "State", "Query", "Submit", "Result", "Order"},
		MinHealing: bankMinHealing,
		Build: func(w *Wiring) error {
			o := threepc.Options{
				World:              bankWorld(w),
				VoteTimeout:        w.Options.Duration("vote-timeout", 0),
				AckTimeout:         w.Options.Duration("ack-timeout", 0),
				ResendInterval:     w.Options.Duration("resend-every", 0),
				TerminationTimeout: w.Options.Duration("termination-timeout", 0),
				CollectTimeout:     w.Options.Duration("collect-timeout", 0),
				Bug:                w.Bug,
			}
			if err := o.Validate(); err != nil {
				return err
			}
			monitors, final := threepc.Checks()
			wireBank(w, threepc.New(o), threepc.NewClient(o), monitors, final)
			return nil
		},
	})
}

// wireBank fills in what both atomic-commit protocols share: their nodes,
// their monitors and end-of-run checks, and the demand for progress once
// every fault is off.
func wireBank(w *Wiring, server, client protocols.Factory, monitors []protocols.Monitor, final func(protocols.Cluster) error) {
	w.Server, w.Client, w.Monitors = server, client, monitors
	progress := newBankProgress(clock.Time(w.Scenario.Duration))
	w.Observers = append(w.Observers, progress.observe)
	w.Final = append(w.Final, allUp, final, progress.check)
}

// bankMinHealing leaves the atomic-commit protocols time to finish what
// was in doubt: the end-of-run checks allow a transaction to stay prepared
// for bank.DefaultGrace, so the healing phase must be longer.
const bankMinHealing = bank.DefaultGrace + clock.Second

// allUp is a sanity check of the healing phase: it restarts every node, so
// a node still down at the end means the run was cut short.
func allUp(c protocols.Cluster) error {
	var down []protocols.NodeID
	for _, id := range c.Servers() {
		if c.Node(id) == nil {
			down = append(down, id)
		}
	}
	if len(down) > 0 {
		return protocols.Violationf("liveness", "%s still down at the end of the healing phase", bank.FormatIDs(slices.Clip(down)))
	}
	return nil
}
