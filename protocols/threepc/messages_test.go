package threepc

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash, and changing one it leaves out
// (listed here) changes neither.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	writes := []bank.Write{{Account: "a1", Delta: -30}, {Account: "a3", Delta: 30}}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{CanCommit{Tx: "c1.3", Client: "c1", Writes: writes, Participants: []protocols.NodeID{"n2", "n3"}}, []string{"Client"}},
		{Vote{Tx: "c1.3", Yes: true}, nil},
		{PreCommit{Tx: "c1.3", Round: 2}, nil},
		{Ack{Tx: "c1.3", Round: 2}, nil},
		{DoCommit{Tx: "c1.3"}, nil},
		{Abort{Tx: "c1.3"}, nil},
		{HaveCommitted{Tx: "c1.3"}, nil},
		{StateReq{Tx: "c1.3", Round: 2}, nil},
		{State{Tx: "c1.3", Round: 2, State: Uncertain}, nil},
		{Query{Tx: "c1.3"}, nil},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
