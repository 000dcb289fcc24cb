package twopc

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	writes := []bank.Write{{Account: "a1", Delta: -30}, {Account: "a3", Delta: 30}}
	for _, m := range []protocols.Message{
		Prepare{Tx: "c1.3", Writes: writes, Participants: []protocols.NodeID{"n2", "n3"}},
		Vote{Tx: "c1.3", Yes: true},
		Decision{Tx: "c1.3", Commit: true},
		Ack{Tx: "c1.3"},
		Query{Tx: "c1.3"},
	} {
		t.Run(m.String(), func(t *testing.T) { prototest.CheckHash(t, m) })
	}
}
