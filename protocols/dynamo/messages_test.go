package dynamo

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash, and changing one it leaves out
// (listed here) changes neither. The initial version, which shows no
// writer, is checked too.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	id := uint64(1)<<32 | 4
	v := Version{Counter: 6, Writer: "c1#7"}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{Read{ID: id, Key: "k1"}, nil},
		{ReadReply{ID: id, Key: "k1", Version: v, Value: "c1.7"}, nil},
		{ReadReply{ID: id, Key: "k1"}, nil},
		{Write{ID: id, Key: "k1", Version: v, Value: "c1.7", Hint: "n2", Repair: true}, nil},
		{WriteAck{ID: id, Key: "k1", Version: v}, nil},
		{Handoff{Key: "k1", Version: v, Value: "c1.7"}, nil},
		{HandoffAck{Key: "k1", Version: v}, nil},
		// String shows a version for each key: one more is not shown.
		{Digest{Keys: []string{"k1"}, Versions: []Version{v, {}}, Reply: true}, []string{"len(Versions)"}},
		{Sync{Key: "k1", Version: v, Value: "c1.7"}, nil},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
