package kv

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// chainOps plays a chain in front of one client: n1 takes writes, n3 takes
// reads, and n3 answers both (as a chain's tail answers writes). Any other
// first stop is turned away with a hint. It returns how many requests went
// to the wrong server first, after the client's first get and first write.
func chainOps(t *testing.T, split bool) (misdirected, done int) {
	h := prototest.New(3)
	h.AddServers(func(protocols.Config) protocols.Node { return silent{} }, "n1", "n2", "n3")
	h.AddClients(NewClient(ClientOptions{Keys: 1, Mix: Mix{Get: 1, Put: 1}, MaxOps: 40, SplitReads: split}), "c1")
	h.Start()
	var sawGet, sawWrite bool
	for range 400 {
		in := h.Inflight()
		if len(in) == 0 {
			break
		}
		e := in[0]
		h.Drop(prototest.Filter{From: e.From, To: e.To}, 1)
		r, ok := e.Msg.(Request)
		require.True(t, ok, "the client sends requests only: %v", e.Msg)
		want := protocols.NodeID("n1")
		if r.Op.Kind == Get {
			want = "n3"
		}
		if e.To != want {
			if sawGet && sawWrite {
				misdirected++
			}
			h.Inject(e.To, "c1", Reply{Seq: r.Seq, Status: NotLeader, LeaderHint: want})
			continue
		}
		if r.Op.Kind == Get {
			sawGet = true
		} else {
			sawWrite = true
		}
		done++
		h.Inject("n3", "c1", Reply{Seq: r.Seq, Status: OK})
	}
	h.Output()
	return misdirected, done
}

// With SplitReads a client that has found where writes go and where reads
// go sends each new operation straight there, even though the write's
// answer came from the read server.
func TestSplitReadsKeepsTwoGuesses(t *testing.T) {
	mis, done := chainOps(t, true)
	assert.Equal(t, 40, done)
	assert.Zero(t, mis, "every operation after the first of each kind went to the right server first")

	mis, done = chainOps(t, false)
	assert.Equal(t, 40, done)
	assert.Positive(t, mis, "without SplitReads a write follows the tail's answer and is redirected")
}

// With StopAt the client issues no operation once its clock has passed
// the mark; the one outstanding then still completes.
func TestStopAtEndsTheLoad(t *testing.T) {
	h := prototest.New(3)
	h.AddServers(func(protocols.Config) protocols.Node { return silent{} }, "n1")
	h.AddClients(NewClient(ClientOptions{Keys: 1, StopAt: clock.Time(clock.Second)}), "c1")
	h.Start()
	answer := func() int {
		in := h.Inflight()
		for _, e := range in {
			h.Drop(prototest.Filter{From: e.From, To: e.To}, 1)
			h.Inject("n1", "c1", Reply{Seq: e.Msg.(Request).Seq, Status: OK})
		}
		return len(in)
	}
	for range 5 {
		require.Equal(t, 1, answer(), "before the mark every answer brings the next operation")
	}
	h.Advance(2 * clock.Second)
	require.Equal(t, 1, answer(), "the outstanding operation completes")
	assert.Zero(t, answer(), "and no new one is issued")
	h.Output()
}
