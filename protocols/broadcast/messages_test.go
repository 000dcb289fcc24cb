package broadcast

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	for _, m := range []protocols.Message{
		Gossip{Values: []string{"n1.1", "n2.3"}},
		Ack{Values: []string{"n1.1"}},
	} {
		t.Run(m.String(), func(t *testing.T) { prototest.CheckHash(t, m) })
	}
}
