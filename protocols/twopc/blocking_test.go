package twopc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/prototest"
)

func newHarness(opts Options) (*prototest.Harness, []protocols.Monitor) {
	opts.Manual = true
	h := prototest.New(1)
	ms := Monitors()
	h.AddServers(New(opts), "n1", "n2", "n3")
	h.AddClients(NewClient(opts), "c1")
	for _, m := range ms {
		h.AddMonitor(m)
	}
	h.Start()
	return h, ms
}

func ledger(h *prototest.Harness, id protocols.NodeID) *bank.Ledger {
	return h.Node(id).(bank.Participant).Ledger()
}

// The canonical 2PC finding: the coordinator dies after collecting the yes
// votes, and the participants stay prepared, holding their locks, for as
// long as it is down, however often they ask. This is correct behaviour,
// not a violation; it ends when the coordinator returns.
func TestCoordinatorCrashBlocksUntilItReturns(t *testing.T) {
	h, ms := newHarness(Options{})
	h.Inject("test", "c1", bank.Order{Transfer: bank.Transfer{From: "a1", To: "a2", Amount: 30}})
	h.Deliver(prototest.Filter{Kind: "Submit"}, 0)
	h.Deliver(prototest.Filter{Kind: "Prepare"}, 0)
	h.Deliver(prototest.Filter{Kind: "Vote"}, 0)
	h.Crash("n1")
	h.Drop(prototest.Filter{From: "n1"}, 0)

	for range 20 {
		h.Fire("n2", timerQuery)
		h.Fire("n3", timerQuery)
		h.Stabilize(100)
	}
	require.NoError(t, h.Failure(), "blocking is not a safety violation")
	assert.Equal(t, []bank.Doubt{{Node: "n2", Tx: "c1.1"}, {Node: "n3", Tx: "c1.1"}}, InDoubt(h))
	assert.Equal(t, bank.TxID("c1.1"), ledger(h, "n2").LockedBy("a1"), "the locks stay taken")
	assert.Equal(t, bank.TxID("c1.1"), ledger(h, "n3").LockedBy("a2"))
	assert.Contains(t, h.Output(), "note "+ProbeBlockedPrepared)

	h.Restart("n1")
	h.Stabilize(100)
	require.NoError(t, h.Failure())
	assert.Empty(t, InDoubt(h))
	assert.Equal(t, bank.TxCommitted, ledger(h, "n2").State("c1.1"), "the logged commit survives the crash")
	assert.Equal(t, bank.TxCommitted, ledger(h, "n3").State("c1.1"))
	h.Fire("c1", "timeout")
	assert.NoError(t, FinalChecks(h, ms))
}

// Each bug variant, driven through its shortest failing schedule, is caught
// by the monitor with the expected kind of violation.
func TestEachBugIsCaughtByItsScript(t *testing.T) {
	// The scripts in testdata/bug-*.txt show the message sequences; this
	// test pins the kind of violation each one produces.
	cases := map[string]string{
		BugAbortAfterYes:   bank.KindAtomicity,
		BugSendBeforeLog:   bank.KindFinality,
		BugUnloggedPrepare: bank.KindDurablePrepare,
	}
	for bug, kind := range cases {
		t.Run(bug, func(t *testing.T) {
			h, _ := newHarness(Options{Bug: bug})
			h.Inject("test", "c1", bank.Order{Transfer: bank.Transfer{From: "a1", To: "a2", Amount: 30}})
			h.Deliver(prototest.Filter{Kind: "Submit"}, 0)
			h.Deliver(prototest.Filter{Kind: "Prepare"}, 0)
			switch bug {
			case BugAbortAfterYes:
				h.Deliver(prototest.Filter{Kind: "Vote"}, 0)
				h.Deliver(prototest.Filter{To: "n2", Kind: "Decision"}, 0)
				h.Fire("n3", timerQuery)
			case BugSendBeforeLog:
				h.Deliver(prototest.Filter{Kind: "Vote"}, 0)
				h.Deliver(prototest.Filter{To: "n2", Kind: "Decision"}, 0)
				h.Crash("n1")
				h.Drop(prototest.Filter{From: "n1"}, 0)
				h.Restart("n1")
			case BugUnloggedPrepare:
				h.Crash("n3")
				h.Restart("n3")
			}
			var v *protocols.Violation
			require.ErrorAs(t, h.Failure(), &v)
			assert.Equal(t, kind, v.Kind)
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	assert.NoError(t, Options{}.Validate())
	for _, b := range Bugs {
		assert.NoError(t, Options{Bug: b.Name}.Validate())
		assert.NotEmpty(t, b.Description)
	}
	assert.ErrorContains(t, Options{Bug: "nope"}.Validate(), `unknown bug "nope"`)
	assert.Error(t, Options{VoteTimeout: -1}.Validate())
	assert.Error(t, Options{World: bank.World{Accounts: -2}}.Validate())
	assert.Panics(t, func() { New(Options{Bug: "nope"}) })
	o := Options{}.WithDefaults()
	assert.Equal(t, DefaultVoteTimeout, o.VoteTimeout)
	assert.Equal(t, bank.DefaultCoordinator, o.Coordinator)
}

// The coordinator can be any server.
func TestAnotherCoordinator(t *testing.T) {
	opts := Options{World: bank.World{Coordinator: "n3", Manual: true}}
	h := prototest.New(1)
	h.AddServers(New(opts), "n1", "n2", "n3")
	h.AddClients(NewClient(opts), "c1")
	for _, m := range Monitors() {
		h.AddMonitor(m)
	}
	h.Start()
	assert.Equal(t, "coordinator", h.Node("n3").Status().Role)
	h.Inject("test", "c1", bank.Order{Transfer: bank.Transfer{From: "a1", To: "a2", Amount: 30}})
	h.Stabilize(100)
	require.NoError(t, h.Failure())
	assert.Equal(t, 1, h.Node("c1").Status().Commit)
	assert.Equal(t, bank.TxCommitted, ledger(h, "n1").State("c1.1"))
}

// Checks hands a runner monitors and the final check bound to the same
// ghost record.
func TestChecksBindFinalToMonitors(t *testing.T) {
	ms, final := Checks()
	h := prototest.New(1)
	h.AddServers(New(Options{World: bank.World{Manual: true}}), "n1", "n2", "n3")
	h.AddClients(NewClient(Options{World: bank.World{Manual: true}}), "c1")
	for _, m := range ms {
		h.AddMonitor(m)
	}
	h.Start()
	h.Inject("test", "c1", bank.Order{Transfer: bank.Transfer{From: "a1", To: "a2", Amount: 30}})
	h.Deliver(prototest.Filter{Kind: "Submit"}, 0)
	h.Deliver(prototest.Filter{Kind: "Prepare"}, 0)
	h.Deliver(prototest.Filter{Kind: "Vote"}, 0)
	h.Deliver(prototest.Filter{To: "c1"}, 0) // c1 hears committed; n2 and n3 have not applied it yet
	h.Drop(prototest.Filter{}, 0)
	h.Advance(10 * bank.DefaultGrace)
	assert.ErrorContains(t, final(h), "durability: c1.1 reported committed to c1")
}
