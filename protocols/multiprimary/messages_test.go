package multiprimary

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash, and changing one it leaves out
// (listed here) changes neither. A version shows its vector when it has
// one and its stamp otherwise, so both kinds are checked.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	lww := Version{Stamp: Stamp{Millis: 1234, Writer: "c1#7"}, Value: "c1.7"}
	vv := Version{VV: VV{{Node: "c1", N: 7}}, Stamp: Stamp{Millis: 1234, Writer: "c1#7"}, Value: "c1.7"}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{Update{Key: "k1", Version: lww}, nil},
		{Update{Key: "k1", Version: vv}, []string{"Version.Stamp"}},
		{Update{Key: "k1", Version: Version{VV: VV{}, Value: "c1.7"}}, []string{"Version.Stamp"}},
		// String shows versions for each key: one more list is not shown.
		{State{Keys: []string{"k1"}, Versions: [][]Version{{lww}, nil}, Reply: true}, []string{"len(Versions)"}},
		{State{Keys: []string{"k1"}, Versions: [][]Version{{vv}, nil}}, []string{"len(Versions)", "Versions[0][0].Stamp"}},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
