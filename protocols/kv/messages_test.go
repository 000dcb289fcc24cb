package kv

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Requests and replies hash exactly what their trace lines show, in each
// case that shows something different (a get has no value; a reply shows
// its value or siblings only when OK).
func TestMessagesHashWhatTheyShow(t *testing.T) {
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{Request{Client: "c1", Seq: 7, Op: PutOp("k1", "c1.7"), Deadline: 5, Context: "v1", Attempt: 2}, []string{"Attempt"}},
		{Request{Client: "c1", Seq: 7, Op: GetOp("k1")}, []string{"Op.Value", "Attempt"}},
		{Reply{Seq: 7, Status: OK, Value: "c1.3", Context: "v2", LeaderHint: "n2", Attempt: 1}, []string{"Siblings", "Attempt"}},
		{Reply{Seq: 7, Status: OK, Siblings: []string{"a", "b"}, Value: "a"}, []string{"Value", "Attempt"}},
		{Reply{Seq: 7, Status: NotLeader, LeaderHint: "n2", Value: "x", Siblings: []string{"a", "b"}}, []string{"Value", "Siblings", "Attempt"}},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
