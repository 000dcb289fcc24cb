package bank

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	transfer := Transfer{From: "a1", To: "a2", Amount: 30}
	for _, m := range []protocols.Message{
		Submit{Tx: "c1.3", Transfer: transfer},
		Result{Tx: "c1.3", Outcome: OutcomeCommitted},
		Order{Transfer: transfer},
	} {
		t.Run(m.String(), func(t *testing.T) { prototest.CheckHash(t, m) })
	}
}
