package pbkv_test

import (
	"testing"

	"example.com/pbkv"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing a
// field it shows changes its hash, and changing one it leaves out (listed
// here: what the entries hold) changes neither.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	entries := []kv.Request{{Client: "c1", Seq: 2, Op: kv.PutOp("k1", "c1.2")}}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{pbkv.Replicate{From: 3, Entries: entries}, []string{"Entries[0]"}},
		{pbkv.Ack{Index: 4}, nil},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
