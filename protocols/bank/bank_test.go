package bank

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
)

func TestLayoutPlacesAccountsRoundRobin(t *testing.T) {
	l := World{Accounts: 4}.Layout(protocols.Servers(4))
	assert.Equal(t, protocols.NodeID("n1"), l.Coordinator)
	assert.Equal(t, []protocols.NodeID{"n2", "n3", "n4"}, l.Participants)
	assert.Len(t, l.Accounts, 12)
	assert.Equal(t, []Account{"a1", "a4", "a7", "a10"}, l.Held("n2"))
	assert.Equal(t, protocols.NodeID("n4"), l.Owner("a12"))

	parts, writes, err := l.Split(Transfer{From: "a10", To: "a3", Amount: 7})
	require.NoError(t, err)
	assert.Equal(t, []protocols.NodeID{"n2", "n4"}, parts)
	assert.Equal(t, []Write{{"a10", -7}}, writes["n2"])
	assert.Equal(t, []Write{{"a3", 7}}, writes["n4"])

	for _, bad := range []Transfer{{"a1", "a1", 5}, {"a1", "a2", 0}, {"zz", "a2", 5}, {"a1", "a99", 5}} {
		_, _, err := l.Split(bad)
		assert.Error(t, err, "%v", bad)
	}
}

func TestLayoutWithAnotherCoordinator(t *testing.T) {
	l := World{Coordinator: "n3", Accounts: 1}.Layout(protocols.Servers(3))
	assert.Equal(t, []protocols.NodeID{"n1", "n2"}, l.Participants)
	assert.Panics(t, func() { World{Coordinator: "n9"}.Layout(protocols.Servers(3)) })
	assert.Panics(t, func() { World{}.Layout(protocols.Servers(1)) })
}

func TestWorldValidate(t *testing.T) {
	assert.NoError(t, World{}.Validate())
	assert.Error(t, World{Accounts: -1}.Validate())
	assert.Error(t, World{Think: -1}.Validate())
	w := World{}.WithDefaults()
	assert.Equal(t, World{Coordinator: "n1", Accounts: 2, Initial: 100, MaxAmount: 60, ClientTimeout: DefaultClientTimeout, Think: DefaultThink}, w)
}

func TestLedgerLocksChecksAndApplies(t *testing.T) {
	l := NewLedger([]Account{"a3", "a1"}, 100)
	assert.Equal(t, []Account{"a1", "a3"}, l.Accounts())
	assert.Equal(t, int64(200), l.InitialTotal())

	assert.Equal(t, NoFunds, l.Check("t1", []Write{{"a1", -101}}))
	assert.Equal(t, NotHeld, l.Check("t1", []Write{{"a2", 5}}))
	require.Equal(t, OK, l.Check("t1", []Write{{"a1", -60}}))
	l.Prepare("t1", []Write{{"a1", -60}})
	assert.Equal(t, TxPrepared, l.State("t1"))
	assert.Equal(t, []TxID{"t1"}, l.InDoubt())
	assert.Equal(t, TxID("t1"), l.LockedBy("a1"))
	assert.Equal(t, Conflict, l.Check("t2", []Write{{"a1", 10}}), "no waiting: a taken lock refuses")
	assert.Equal(t, OK, l.Check("t1", []Write{{"a1", -60}}), "preparing again is idempotent")

	assert.True(t, l.Commit("t1"))
	assert.False(t, l.Commit("t1"), "a commit applies once")
	assert.False(t, l.Abort("t1"), "a committed transaction cannot abort")
	b, _ := l.Balance("a1")
	assert.Equal(t, int64(40), b)
	assert.Equal(t, int64(140), l.Total())
	assert.Equal(t, "-", l.FormatLocks())
	assert.Equal(t, "a1:40,a3:100", l.FormatBalances())
	assert.Equal(t, 1, l.Commits())

	l.Prepare("t2", []Write{{"a3", 5}})
	assert.True(t, l.Abort("t2"))
	assert.Equal(t, int64(140), l.Total(), "an abort applies nothing")
	assert.Equal(t, 0, l.InDoubtCount())

	assert.True(t, l.Abort("t9"), "an abort heard before the prepare is remembered")
	assert.Equal(t, Done, l.Check("t9", []Write{{"a3", 5}}))
	assert.False(t, l.Commit("t9"))
	assert.Panics(t, func() { l.Prepare("t9", []Write{{"a3", 5}}) })
}

func TestClientDrawsCrossParticipantTransfersAndNeverReusesIDs(t *testing.T) {
	w := World{Accounts: 3}
	layout := w.Layout(protocols.Servers(4))
	mk := NewClient(w)
	cfg := protocols.Config{ID: "c2", Peers: protocols.Servers(4), Rand: rand.New(rand.NewPCG(1, 2)), Store: []protocols.Record{clientSeq{4}, clientSeq{6}}}
	c := mk(cfg).(*Client)
	var out protocols.Effects
	c.Step(protocols.Input{Kind: protocols.Start}, &out)
	assert.Equal(t, []protocols.TimerOp{{Name: timerNext, After: DefaultThink}}, out.Timers)

	for i := range 50 {
		out.Reset()
		c.Step(protocols.Input{Kind: protocols.Timer, Timer: timerNext}, &out)
		require.Len(t, out.Sends, 1)
		sub := out.Sends[0].Msg.(Submit)
		assert.Equal(t, protocols.NodeID("n1"), out.Sends[0].To)
		assert.Equal(t, TxID(fmt.Sprintf("c2.%d", 7+i)), sub.Tx, "the sequence resumes after the stored one")
		assert.Equal(t, []protocols.Record{clientSeq{7 + i}}, out.Records, "persisted before it is used")
		assert.NotEqual(t, layout.Owner(sub.Transfer.From), layout.Owner(sub.Transfer.To))
		assert.True(t, sub.Transfer.Amount >= 1 && sub.Transfer.Amount <= DefaultMaxAmount)
		assert.Equal(t, TxID("c2"), TxID(sub.Tx.Client()))

		out.Reset()
		if i%2 == 0 {
			c.Step(protocols.Input{Kind: protocols.Receive, From: "n1", Msg: Result{Tx: sub.Tx, Outcome: OutcomeCommitted}}, &out)
			assert.Contains(t, out.Notes, protocols.Note(Reported{Client: "c2", Tx: sub.Tx, Outcome: OutcomeCommitted}))
		} else {
			c.Step(protocols.Input{Kind: protocols.Timer, Timer: timerTimeout}, &out)
			assert.Contains(t, out.Notes, protocols.Note(Reported{Client: "c2", Tx: sub.Tx, Outcome: OutcomeUnknown}))
		}
		assert.Equal(t, "", string(c.Current()))
	}
	st := c.Status()
	assert.Equal(t, 25, st.Commit)
}

func TestManualClientSubmitsOrdersInTurn(t *testing.T) {
	c := NewClient(World{Manual: true})(protocols.Config{ID: "c1", Peers: protocols.Servers(3), Rand: rand.New(rand.NewPCG(1, 1))}).(*Client)
	var out protocols.Effects
	c.Step(protocols.Input{Kind: protocols.Start}, &out)
	assert.Empty(t, out.Timers, "a manual client waits for orders")
	out.Reset()
	c.Step(protocols.Input{Kind: protocols.Receive, From: "test", Msg: Order{Transfer{"a1", "a2", 5}}}, &out)
	c.Step(protocols.Input{Kind: protocols.Receive, From: "test", Msg: Order{Transfer{"a2", "a1", 7}}}, &out)
	require.Len(t, out.Sends, 1, "one transfer at a time")
	out.Reset()
	c.Step(protocols.Input{Kind: protocols.Receive, From: "n1", Msg: Result{Tx: "c1.9", Outcome: OutcomeCommitted}}, &out)
	assert.Empty(t, out.Sends, "a result for another transaction is ignored")
	c.Step(protocols.Input{Kind: protocols.Receive, From: "n1", Msg: Result{Tx: "c1.1", Outcome: OutcomeAborted}}, &out)
	require.Len(t, out.Sends, 1)
	assert.Equal(t, Submit{Tx: "c1.2", Transfer: Transfer{"a2", "a1", 7}}, out.Sends[0].Msg)
}
