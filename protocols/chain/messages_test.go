package chain

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash, and changing one it leaves out
// (listed here) changes neither. A message whose text depends on a field
// (a member's epoch shown only past the first, a range of no entries) is
// checked in each case.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	put := kv.Request{Client: "c1", Seq: 7, Op: kv.PutOp("k1", "c1.7"), Deadline: 9, Context: "x", Attempt: 2}
	get := kv.Request{Client: "c1", Seq: 8, Op: kv.GetOp("k1")}
	// What no trace line shows of a request: all but its ID and operation.
	unshown := []string{"Req.Deadline", "Req.Context", "Req.Attempt"}
	entries := []Entry{{Epoch: 3, Req: put}}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{Ping{Epoch: 3, Seq: 40, Since: 1, Ready: true}, nil},
		{PingReply{Config: Config{Epoch: 3, Chain: []Member{{ID: "n2", Since: 2}}, Joining: true}, Seq: 40, Lease: true}, nil},
		{PingReply{Config: Config{Epoch: 3, Chain: []Member{{ID: "n2"}}}}, []string{"Config.Chain[0].Since"}},
		{Forward{Epoch: 3, Index: 13, Entries: entries, Sync: true}, []string{"Entries[0]"}},
		{Forward{Epoch: 3, Index: 13}, []string{"Index"}},
		{Ack{Epoch: 3, Upto: 14}, nil},
		{Need{Epoch: 3, Have: 12}, nil},
		{VersionQuery{Epoch: 3, Req: put}, unshown},
		{VersionQuery{Epoch: 3, Req: get}, append(unshown, "Req.Op.Value")},
		{VersionReply{Epoch: 3, Req: get, Version: 12}, append(unshown, "Req.Op.Value")},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
