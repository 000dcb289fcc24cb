package kv

import (
	"testing"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
	"pgregory.net/rapid"
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

// Requests and replies fold what they always folded, field by field with
// Hash.String, whatever their strings (short, long, empty): the trace
// hashes of every run depend on it.
func TestMessagesFoldAsStringWould(t *testing.T) {
	text := rapid.OneOf(rapid.Just(""), rapid.StringN(0, 7, -1), rapid.String())
	rapid.Check(t, func(t *rapid.T) {
		op := Op{Kind: OpKind(rapid.IntRange(0, 4).Draw(t, "kind")), Key: text.Draw(t, "key"), Value: text.Draw(t, "value")}
		req := Request{Client: protocols.NodeID(text.Draw(t, "client")), Seq: rapid.Uint64().Draw(t, "seq"), Op: op,
			Deadline: clock.Time(rapid.Int64().Draw(t, "deadline")), Context: text.Draw(t, "ctx")}
		rep := Reply{Seq: rapid.Uint64().Draw(t, "seq"), Status: Status(rapid.IntRange(0, 5).Draw(t, "status")), Value: text.Draw(t, "result"),
			LeaderHint: protocols.NodeID(text.Draw(t, "hint")), Siblings: rapid.SliceOfN(text, 0, 3).Draw(t, "siblings"), Context: text.Draw(t, "rctx")}
		var want, got protocols.Hash
		foldRequestAsString(&want, req)
		req.AppendHash(&got)
		foldReplyAsString(&want, rep)
		rep.AppendHash(&got)
		if got.Sum64() != want.Sum64() || got.Folded() != want.Folded() {
			t.Fatalf("%v and %v fold %x, Hash.String %x", req, rep, got.Sum64(), want.Sum64())
		}
	})
}

// foldRequestAsString and foldReplyAsString are AppendHash written plainly:
// every string folded by Hash.String, empty ones too.
func foldRequestAsString(h *protocols.Hash, r Request) {
	h.String(string(r.Client))
	h.Uint64(r.Seq)
	h.Uint64(uint64(r.Op.Kind))
	h.String(r.Op.Key)
	if r.Op.Kind != Get {
		h.String(r.Op.Value)
	}
	h.String(r.Context)
	h.Uint64(uint64(max(r.Deadline, 0)))
}

func foldReplyAsString(h *protocols.Hash, r Reply) {
	h.Uint64(r.Seq)
	h.Uint64(uint64(r.Status))
	if r.Status == OK {
		if len(r.Siblings) > 1 {
			h.Int(len(r.Siblings))
			for _, v := range r.Siblings {
				h.String(v)
			}
		} else {
			h.Int(0)
			h.String(r.Value)
		}
	}
	h.String(r.Context)
	h.String(string(r.LeaderHint))
}
