package multi

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: a command's
// request ID (or noop), never its operation.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	req := kv.Request{Client: "c1", Seq: 3, Op: kv.PutOp("k", "v"), Deadline: 9, Context: "x", Attempt: 2}
	notShown := []string{"Cmd.Op", "Cmd.Deadline", "Cmd.Context", "Cmd.Attempt"}
	prefixed := func(prefix string) []string {
		var out []string
		for _, f := range notShown {
			out = append(out, prefix+f)
		}
		return out
	}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{Prepare{Ballot: 302, From: 7}, nil},
		{Promise{Ballot: 302, From: 7, Accepted: []PValue{{Slot: 7, Ballot: 201, Cmd: req}, {Slot: 8, Ballot: 201}}}, prefixed("Accepted[0].")},
		{Promise{Ballot: 302, From: 7, Accepted: []PValue{{Slot: 8, Ballot: 201}}}, []string{"Accepted[0].Cmd.Seq", "Accepted[0].Cmd.Op", "Accepted[0].Cmd.Deadline", "Accepted[0].Cmd.Context", "Accepted[0].Cmd.Attempt"}},
		{Accept{Ballot: 302, Proposals: []Proposal{{Slot: 7, Cmd: req}}, Commit: 6}, prefixed("Proposals[0].")},
		{Heartbeat{Ballot: 302, Commit: 6}, nil},
		{Accepted{Ballot: 302, Slots: []int{7, 8}, Decided: 6}, nil},
		{Nack{Ballot: 201, Promised: 302}, nil},
		{Decide{Ballot: 302, From: 3, Cmds: []kv.Request{req, {}}}, []string{"Cmds[0]"}},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
