package abd

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash. Nothing is left out; the initial
// tag, which shows no writer, is checked too.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	id := uint64(1)<<32 | 2
	tag := Tag{Seq: 6, Writer: "c1#7"}
	cases := []protocols.Message{
		Query{ID: id, Key: "k1"},
		QueryReply{ID: id, Key: "k1", Tag: tag, Value: "c1.7"},
		QueryReply{ID: id, Key: "k1"},
		Store{ID: id, Key: "k1", Tag: tag, Value: "c1.7"},
		StoreAck{ID: id, Key: "k1", Tag: tag},
	}
	for _, m := range cases {
		t.Run(m.String(), func(t *testing.T) { prototest.CheckHash(t, m) })
	}
}
