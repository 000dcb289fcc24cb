package kv

import (
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// world is what the fake servers share: who is leader and what hint the
// others give. The script changes it with the "leader" command.
type world struct {
	leader protocols.NodeID
	hint   protocols.NodeID
}

// fakeServer is a one-node KV service: the leader applies requests at once
// and replies OK; the others reply NotLeader with the world's hint.
type fakeServer struct {
	id    protocols.NodeID
	world *world
	m     *Machine
}

func newFakeServer(w *world) protocols.Factory {
	return func(cfg protocols.Config) protocols.Node {
		return &fakeServer{id: cfg.ID, world: w, m: NewMachine()}
	}
}

func (s *fakeServer) Step(in protocols.Input, out *protocols.Effects) {
	r, ok := in.Msg.(Request)
	if in.Kind != protocols.Receive || !ok {
		return
	}
	if s.world.leader != s.id {
		out.Send(r.Client, Reply{Seq: r.Seq, Status: NotLeader, LeaderHint: s.world.hint})
		return
	}
	v, _ := s.m.Apply(r)
	out.Send(r.Client, Reply{Seq: r.Seq, Status: OK, Value: v})
}

func (s *fakeServer) Status() protocols.Status { return protocols.Status{Role: "server"} }

// TestClientScripts drives one client against three fake servers; see
// testdata/client.txt. Commands besides prototest's:
//
//	leader n2 [hint=n3]   make n2 the leader; the others hint n3 (default: the leader; hint=none for no hint)
//	reply to=c1 seq=3 status=ok|not-leader [value=v] [hint=n2] [from=n1]   inject a reply
func TestClientScripts(t *testing.T) {
	prototest.RunWith(t, "testdata/client.txt", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{}
		return clientHarness(w, ClientOptions{MaxOps: 4}), w
	}, clientCommands)
}

func clientHarness(w *world, opts ClientOptions) *prototest.Harness {
	h := prototest.New(7)
	h.AddServers(newFakeServer(w), "n1", "n2", "n3")
	h.AddClients(NewClient(opts), "c1")
	return h
}

var clientCommands = map[string]prototest.StateCommand[*world]{
	"leader": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		w.leader = protocols.NodeID(d.CmdArgs[0].Key)
		w.hint = w.leader
		if d.HasArg("hint") {
			var hint string
			d.ScanArgs(t, "hint", &hint)
			w.hint = protocols.NodeID(hint)
			if hint == "none" {
				w.hint = ""
			}
		}
		return ""
	},
	"reply": func(t *testing.T, h *prototest.Harness, _ *world, d *datadriven.TestData) string {
		var to, from, status, value, hint string
		var seq uint64
		from = "n1"
		d.ScanArgs(t, "to", &to)
		d.ScanArgs(t, "seq", &seq)
		d.ScanArgs(t, "status", &status)
		d.MaybeScanArgs(t, "from", &from)
		d.MaybeScanArgs(t, "value", &value)
		d.MaybeScanArgs(t, "hint", &hint)
		r := Reply{Seq: seq, Status: OK, Value: value, LeaderHint: protocols.NodeID(hint)}
		if status == "not-leader" {
			r.Status = NotLeader
		}
		h.Inject(protocols.NodeID(from), protocols.NodeID(to), r)
		return ""
	},
}

// A restarted client continues above its reserved block of sequence
// numbers, so no server mistakes its new operations for old ones.
func TestClientRestartSkipsUsedSeqs(t *testing.T) {
	w := &world{leader: "n1", hint: "n1"}
	h := clientHarness(w, ClientOptions{MaxOps: 3})
	h.Start()
	h.Stabilize(100)
	assert.Equal(t, 3, h.Node("c1").Status().Commit)
	recs, _ := h.Store("c1")
	require.Equal(t, []protocols.Record{SeqBlock{Upto: 100}}, recs)
	h.Crash("c1")
	h.Restart("c1")
	out := h.Output()
	assert.Contains(t, out, "invoke c1#101 ")
	assert.Contains(t, out, "persist SeqBlock{upto=200}")
}

// With Broadcast and ReplyQuorum 2 (PBFT's f+1 for f=1) an operation
// completes only when two distinct servers agree on the value.
func TestClientReplyQuorum(t *testing.T) {
	h := prototest.New(1)
	h.AddServers(func(protocols.Config) protocols.Node { return &fakeServer{} }, "n1", "n2", "n3")
	h.AddClients(NewClient(ClientOptions{Broadcast: true, ReplyQuorum: 2, Mix: Mix{Get: 1}, Keys: 1}), "c1")
	h.Start("c1")
	out := h.Output()
	assert.Contains(t, out, "send c1->n1 Request{c1#1 get(k1)}")
	assert.Contains(t, out, "send c1->n2 Request{c1#1 get(k1)}")
	assert.Contains(t, out, "send c1->n3 Request{c1#1 get(k1)}")
	c := h.Node("c1")
	h.Inject("n1", "c1", Reply{Seq: 1, Status: OK, Value: "x"})
	h.Inject("n1", "c1", Reply{Seq: 1, Status: OK, Value: "x"}) // a duplicate counts once
	h.Inject("n2", "c1", Reply{Seq: 1, Status: OK, Value: "lie"})
	h.Inject("n1", "c1", Reply{Seq: 1, Status: NotLeader}) // ignored when broadcasting
	assert.Equal(t, 0, c.Status().Commit, "no two servers agree yet")
	h.Output()
	h.Inject("n3", "c1", Reply{Seq: 1, Status: OK, Value: "x"})
	assert.Equal(t, 1, c.Status().Commit)
	assert.Contains(t, h.Output(), `note complete c1#1 get(k1) -> "x" from n3`)
}

// wrapped is a protocol's own client message carrying a Request.
type wrapped struct{ R Request }

func (wrapped) Kind() string     { return "Wrapped" }
func (w wrapped) String() string { return "Wrapped{" + w.R.String() + "}" }

type wrapAdapter struct{}

func (wrapAdapter) WrapRequest(r Request) protocols.Message { return wrapped{r} }
func (wrapAdapter) UnwrapReply(m protocols.Message) (Reply, bool) {
	r, ok := m.(Reply)
	return r, ok && r.Value != "ignore-me"
}

func TestClientAdapter(t *testing.T) {
	h := prototest.New(1)
	h.AddServers(func(protocols.Config) protocols.Node { return &fakeServer{} }, "n1")
	h.AddClients(NewClient(ClientOptions{Adapter: wrapAdapter{}, Mix: Mix{Put: 1}, Keys: 1, MaxOps: 1}), "c1")
	h.Start("c1")
	assert.Contains(t, h.Output(), "send c1->n1 Wrapped{Request{c1#1 put(k1,c1.1)}}")
	h.Inject("n1", "c1", Reply{Seq: 1, Status: OK, Value: "ignore-me"})
	assert.Equal(t, 0, h.Node("c1").Status().Commit, "the adapter rejected it")
	h.Inject("n1", "c1", Reply{Seq: 1, Status: OK})
	assert.Equal(t, 1, h.Node("c1").Status().Commit)
}

func TestClientOptionsValidate(t *testing.T) {
	assert.NoError(t, ClientOptions{}.Validate())
	for _, o := range []ClientOptions{
		{Keys: -1}, {Mix: Mix{Get: -1}}, {Timeout: -1}, {Backoff: -1}, {ThinkTime: -1}, {MaxOps: -1}, {ReplyQuorum: -1},
	} {
		assert.ErrorIs(t, o.Validate(), ErrBadClientOptions, "%+v", o)
	}
	assert.Panics(t, func() { NewClient(ClientOptions{Keys: -1}) })
}

func TestClientGivesUpAfterTimeouts(t *testing.T) {
	h := prototest.New(1)
	h.AddServers(newFakeServer(&world{}), "n1", "n2") // nobody leads: every request goes unanswered
	h.AddClients(NewClient(ClientOptions{GiveUpAfter: 2}), "c1")
	h.Start("c1")
	h.Drop(prototest.Filter{}, 0)
	h.Fire("c1", "timeout") // first timeout: retry elsewhere
	h.Drop(prototest.Filter{}, 0)
	h.Fire("c1", "timeout") // second: give up and move on
	out := h.Output()
	assert.Contains(t, out, "note abandon c1#1")
	assert.Contains(t, out, "note client-give-up")
	assert.Contains(t, out, "note invoke c1#2", "the next operation is issued at once")
	assert.Equal(t, 1, strings.Count(out, "note client-timeout"), "only the first timeout retries")
	assert.Error(t, ClientOptions{GiveUpAfter: -1}.Validate())
}
