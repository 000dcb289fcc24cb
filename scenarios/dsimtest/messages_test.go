package dsimtest_test

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios"
)

// Every message a protocol dsim ships declares folds itself into the
// trace hash (protocols.HashAppender) rather than being rendered for it:
// a new message type needs an AppendHash, and its package's table test a
// case for it (prototest.CheckHash).
func TestEveryBuiltinMessageAppendsItsHash(t *testing.T) {
	for _, p := range scenarios.BuiltinProtocols {
		for _, m := range p.Messages {
			if _, ok := m.(protocols.HashAppender); !ok {
				t.Errorf("%s: %T does not implement protocols.HashAppender", p.Name, m)
			}
		}
	}
}
