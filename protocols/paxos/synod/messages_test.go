package synod

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash, and changing one it leaves out
// (listed here) changes neither. A promise shows its value only with an
// accepted ballot, so it is checked both ways.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{Prepare{Ballot: 302}, nil},
		{Prepare{}, nil},
		{Promise{Ballot: 302, Accepted: 201, Value: "v1"}, nil},
		{Promise{Ballot: 302, Value: "v1"}, []string{"Value"}},
		{Accept{Ballot: 302, Value: "v1"}, nil},
		{Accepted{Ballot: 302, Value: "v1"}, nil},
		{Nack{Ballot: 201, Promised: 302}, nil},
		{Chosen{Value: "v1"}, nil},
		{Ask{}, nil},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
