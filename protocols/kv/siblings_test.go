package kv

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// The encoding is checker/consistency's: sorted, distinct, JSON, behind the
// word siblings; one value encodes as itself.
func TestEncodeSiblings(t *testing.T) {
	assert.Equal(t, `siblings["a","b"]`, EncodeSiblings([]string{"b", "a", "b"}))
	assert.Equal(t, "a", EncodeSiblings([]string{"a", "a"}))
	assert.Equal(t, "", EncodeSiblings(nil))
	assert.Equal(t, `siblings["","x\"y"]`, EncodeSiblings([]string{`x"y`, ""}))
}

// siblingServer answers every get with two siblings and a context, and
// records the context each write carries.
type siblingServer struct{ seen *[]string }

func (s siblingServer) Step(in protocols.Input, out *protocols.Effects) {
	r, ok := in.Msg.(Request)
	if in.Kind != protocols.Receive || !ok {
		return
	}
	reply := Reply{Seq: r.Seq, Status: OK}
	if r.Op.Kind == Get {
		reply.Siblings, reply.Context = []string{"b", "a"}, "n1:1,n2:1"
	} else {
		*s.seen = append(*s.seen, r.Context)
		reply.Context = "n1:2,n2:1"
	}
	out.Send(r.Client, reply)
}

func (siblingServer) Status() protocols.Status { return protocols.Status{Role: "server"} }

// A sibling read is recorded encoded, and the client's next write of the
// key carries the context it read; the write's own context replaces it.
func TestClientCarriesContexts(t *testing.T) {
	var seen []string
	h := prototest.New(3)
	h.AddServers(func(protocols.Config) protocols.Node { return siblingServer{&seen} }, "n1")
	h.AddClients(NewClient(ClientOptions{Keys: 1, Mix: Mix{Get: 1, Put: 1}, MaxOps: 12}), "c1")
	h.Start()
	h.Stabilize(1000)
	out := h.Output()
	assert.Contains(t, out, `-> "siblings[\"a\",\"b\"]" from n1`)
	assert.Contains(t, out, "Reply{#", "replies print")
	assert.Contains(t, out, `siblings="b"|"a" ctx=n1:1,n2:1`)
	assert.Contains(t, seen, "n1:1,n2:1", "a write after a get carries the get's context")
	assert.Contains(t, seen, "n1:2,n2:1", "a write after a write carries the write's context")
}

// silent never answers.
type silent struct{}

func (silent) Step(protocols.Input, *protocols.Effects) {}
func (silent) Status() protocols.Status                 { return protocols.Status{Role: "server"} }

// With RetrySame a timed-out operation is resent to the same server until
// the client gives up on it; then the next operation goes to the next one.
func TestRetrySame(t *testing.T) {
	h := prototest.New(1)
	h.AddServers(func(protocols.Config) protocols.Node { return silent{} }, "n1", "n2", "n3")
	h.AddClients(NewClient(ClientOptions{RetrySame: true, GiveUpAfter: 3}), "c1")
	h.Start()
	first := h.Inflight()[0].To
	for range 2 {
		h.Fire("c1", timerTimeout)
	}
	for _, e := range h.Inflight() {
		assert.Equal(t, first, e.To, "retries go to the same server")
	}
	h.Fire("c1", timerTimeout) // the third timeout: give up
	assert.Contains(t, h.Output(), "note abandon c1#1")
	last := h.Inflight()[len(h.Inflight())-1]
	assert.NotEqual(t, first, last.To, "the next operation goes elsewhere")
}
