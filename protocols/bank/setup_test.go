package bank

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

func TestProgressDemandsOutcomesAndACommit(t *testing.T) {
	heal := clock.Time(clock.Second)
	p := newProgress(heal)
	note := func(at clock.Time, n protocols.Note) {
		assert.NoError(t, p.Check(nil, protocols.Event{Time: at, Notes: []protocols.Note{n}}))
	}
	note(heal/2, Submitted{Client: "c1", Tx: "c1.1"}) // before healing: not judged
	assert.NoError(t, p.check(nil))

	note(heal+1, Submitted{Client: "c1", Tx: "c1.2"})
	note(heal+2, Reported{Client: "c1", Tx: "c1.2", Outcome: OutcomeUnknown})
	assert.ErrorContains(t, p.check(nil), "[c1] submitted transfers after the healing phase began but never heard a definite outcome")

	note(heal+3, Submitted{Client: "c1", Tx: "c1.3"})
	note(heal+4, Reported{Client: "c1", Tx: "c1.3", Outcome: OutcomeAborted})
	assert.ErrorContains(t, p.check(nil), "no transfer committed during the healing phase")

	note(heal+5, Submitted{Client: "c1", Tx: "c1.4"})
	note(heal+6, Reported{Client: "c1", Tx: "c1.4", Outcome: OutcomeCommitted})
	assert.NoError(t, p.check(nil))
}
