package banktest

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
)

// Freeze wraps a factory so that every message a node sends and every
// record it persists is snapshotted (its printed form) when it leaves the
// node, and checked whenever it is seen again: at delivery, after the
// receiver's step, and when a restarted node reads its store. A node that
// mutates something it sent or persisted, or a message it received, is
// reported through mutated. The wrapping is invisible in traces (it prints
// as the wrapped value), so a run with and without Freeze must print the
// same trace: that is rule 5 of docs/architecture.md (messages are values) as a test.
func Freeze(f protocols.Factory, mutated func(what string)) protocols.Factory {
	return func(cfg protocols.Config) protocols.Node {
		store := make([]protocols.Record, len(cfg.Store))
		for i, r := range cfg.Store {
			fr := r.(frozenRecord)
			fr.check(mutated, "record in the store of "+string(cfg.ID))
			store[i] = fr.r
		}
		cfg.Store = store
		z := &freezer{inner: f(cfg), mutated: mutated}
		if _, ok := z.inner.(bank.Participant); ok {
			return freezerParticipant{z}
		}
		return z
	}
}

type frozenMsg struct {
	m    protocols.Message
	snap string
}

func (f frozenMsg) Kind() string   { return f.m.Kind() }
func (f frozenMsg) String() string { return f.m.String() }

type frozenRecord struct {
	r    protocols.Record
	snap string
}

func (f frozenRecord) String() string { return fmt.Sprint(f.r) }

func (f frozenRecord) check(mutated func(string), where string) {
	if now := fmt.Sprint(f.r); now != f.snap {
		mutated(fmt.Sprintf("%s changed from %q to %q", where, f.snap, now))
	}
}

type freezer struct {
	inner   protocols.Node
	mutated func(string)
}

func (z *freezer) Step(in protocols.Input, out *protocols.Effects) {
	var got frozenMsg
	if in.Kind == protocols.Receive {
		if f, ok := in.Msg.(frozenMsg); ok {
			got = f
			z.checkMsg(got, "at delivery")
			in.Msg = f.m
		}
	}
	z.inner.Step(in, out)
	if got.m != nil {
		z.checkMsg(got, "after the receiver's step")
	}
	for i, s := range out.Sends {
		out.Sends[i].Msg = frozenMsg{m: s.Msg, snap: s.Msg.String()}
	}
	for i, r := range out.Records {
		out.Records[i] = frozenRecord{r: r, snap: fmt.Sprint(r)}
	}
}

func (z *freezer) checkMsg(f frozenMsg, when string) {
	if now := f.m.String(); now != f.snap {
		z.mutated(fmt.Sprintf("message %q became %q %s", f.snap, now, when))
	}
}

func (z *freezer) Status() protocols.Status { return z.inner.Status() }

type freezerParticipant struct{ *freezer }

func (z freezerParticipant) Ledger() *bank.Ledger { return z.inner.(bank.Participant).Ledger() }
