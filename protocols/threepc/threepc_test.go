package threepc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/prototest"
)

func newHarness() (*prototest.Harness, []protocols.Monitor) {
	opts := Options{World: bank.World{Manual: true}}
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

func phase(h *prototest.Harness, id protocols.NodeID, tx bank.TxID) Phase {
	return h.Node(id).(*Participant).Phase(tx)
}

// transferAndCollectVotes runs c1's a1->a2 transfer up to the coordinator
// having every yes vote (and so having sent PreCommit).
func transferAndCollectVotes(h *prototest.Harness) {
	h.Inject("test", "c1", bank.Order{Transfer: bank.Transfer{From: "a1", To: "a2", Amount: 30}})
	h.Deliver(prototest.Filter{Kind: "Submit"}, 0)
	h.Deliver(prototest.Filter{Kind: "CanCommit"}, 0)
	h.Deliver(prototest.Filter{Kind: "Vote"}, 0)
}

// The contrast with twopc's TestCoordinatorCrashBlocksUntilItReturns: the
// same crash (after every yes vote is in) and the participants finish on
// their own, with the coordinator still down.
func TestCoordinatorCrashDoesNotBlock(t *testing.T) {
	for _, reached := range []struct {
		name   string
		to     protocols.NodeID // who got PreCommit before the crash ("" for nobody)
		commit bool
	}{
		{"no-precommit-delivered", "", false},
		{"precommit-reached-n3", "n3", true},
	} {
		t.Run(reached.name, func(t *testing.T) {
			h, _ := newHarness()
			transferAndCollectVotes(h)
			if reached.to != "" {
				h.Deliver(prototest.Filter{To: reached.to, Kind: "PreCommit"}, 0)
			}
			h.Crash("n1")
			h.Drop(prototest.Filter{From: "n1"}, 0)
			h.Stabilize(100)
			for range 4 {
				h.Fire("n2", "term/c1.1")
				h.Fire("n3", "term/c1.1")
				h.Stabilize(100)
			}
			require.NoError(t, h.Failure())
			assert.Empty(t, InDoubt(h), "no participant is left blocked")
			want := Aborted
			if reached.commit {
				want = Committed
			}
			assert.Equal(t, want, phase(h, "n2", "c1.1"))
			assert.Equal(t, want, phase(h, "n3", "c1.1"))
			assert.Nil(t, h.Node("n1"), "all without the coordinator")
		})
	}
}

// The textbook result, asserted: under a partition {n1, n2} | {n3} after
// PreCommit reached n2 only, n1's side commits and n3's side aborts, and the
// atomicity monitor reports it.
func TestPartitionBreaksAtomicity(t *testing.T) {
	h, _ := newHarness()
	transferAndCollectVotes(h)
	h.Deliver(prototest.Filter{To: "n2", Kind: "PreCommit"}, 0)
	cut := func() {
		h.Drop(prototest.Filter{To: "n3"}, 0)
		h.Drop(prototest.Filter{From: "n3", To: "n1"}, 0)
		h.Drop(prototest.Filter{From: "n3", To: "n2"}, 0)
	}
	cut()
	h.Deliver(prototest.Filter{Kind: "Ack"}, 0)
	h.Fire("n1", "acks/c1.1")
	cut()
	h.Stabilize(100)
	for range 3 {
		h.Fire("n3", "term/c1.1")
		cut()
	}
	assert.Equal(t, Committed, phase(h, "n2", "c1.1"))
	assert.Equal(t, Aborted, phase(h, "n3", "c1.1"))
	var v *protocols.Violation
	require.ErrorAs(t, h.Failure(), &v)
	assert.Equal(t, bank.KindAtomicity, v.Kind)
	assert.Equal(t, "c1.1 committed at n2 but aborted at n3", v.Detail)
}

// A participant that restarts in doubt does not decide from a partial
// picture: with n2 (which committed) down, the recovering n3 keeps asking
// rather than abort on its own, and commits once n2 is back.
func TestRecoveringParticipantWaitsForEveryone(t *testing.T) {
	h, ms := newHarness()
	transferAndCollectVotes(h)
	h.Deliver(prototest.Filter{To: "n2", Kind: "PreCommit"}, 0)
	h.Crash("n3")
	h.Deliver(prototest.Filter{Kind: "Ack"}, 0)
	h.Fire("n1", "acks/c1.1") // n3 is presumed crashed: commit
	h.Stabilize(100)
	require.Equal(t, Committed, phase(h, "n2", "c1.1"))
	h.Crash("n1")
	h.Crash("n2")
	h.Restart("n3")
	for range 6 {
		h.Fire("n3", "term/c1.1")
		h.Stabilize(100)
	}
	require.NoError(t, h.Failure())
	assert.Equal(t, Uncertain, phase(h, "n3", "c1.1"), "blocked, correctly: 3PC cannot terminate after a total failure")
	h.Restart("n2")
	h.Restart("n1")
	for range 6 {
		h.Fire("n3", "term/c1.1")
		h.Stabilize(100)
	}
	require.NoError(t, h.Failure())
	assert.Equal(t, Committed, phase(h, "n3", "c1.1"))
	assert.NoError(t, FinalChecks(h, ms))
}

func TestOptionsValidate(t *testing.T) {
	assert.NoError(t, Options{}.Validate())
	assert.ErrorContains(t, Options{Bug: "abort-after-yes"}.Validate(), "unknown bug")
	assert.Error(t, Options{TerminationTimeout: -1}.Validate())
	assert.Empty(t, Bugs)
	o := Options{}.WithDefaults()
	assert.Equal(t, DefaultTerminationTimeout, o.TerminationTimeout)
	assert.Equal(t, DefaultCollectTimeout, o.CollectTimeout)
}
