package primarybackup

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash, and changing one it leaves out
// (listed here) changes neither. A forward of no entries shows no index,
// so it is checked with and without.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	view := View{Num: 3, Primary: "n2", Backup: "n3"}
	entries := []Entry{{View: 3, Req: kv.Request{Client: "c1", Seq: 7, Op: kv.PutOp("k1", "c1.7")}}}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{Ping{View: 3}, nil},
		{ViewReply{View: view}, nil},
		{ViewReply{View: View{Num: 3, Primary: "n2"}}, nil},
		{Transfer{View: view, Entries: entries, Commit: 10}, []string{"Entries[0]"}},
		{Forward{View: view, Index: 13, Entries: entries, Commit: 12}, []string{"Entries[0]"}},
		{Forward{View: view, Index: 13, Commit: 12}, []string{"Index"}},
		{ForwardReply{View: 3, Status: ReplyOK, Have: 14}, nil},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
