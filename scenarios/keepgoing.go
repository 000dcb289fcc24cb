package scenarios

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// Keeping going past a violation (RunOptions.KeepGoing): the first broken
// rule is rarely the harm a learner should see. Figure 8's early commit
// only becomes a lost committed entry later; 3PC's split decision shows
// when the second side decides. A run that keeps going records each
// violation, by kind, at the event it is first seen, and goes on to its
// end, so the harm happens on screen and in reports.
//
// Monitors are wrapped: a violation is recorded instead of failing the
// world, and a monitor that panics after its first violation (its ghost
// state may no longer make sense) is switched off. Everything else about
// the run is unchanged: monitors never influence the nodes, so the events
// up to the first violation are exactly those of a run that stops there.

// keepGoing wraps one monitor of a run that keeps going.
type keepGoing struct {
	inner  protocols.Monitor
	run    *Run
	failed bool // it has reported a violation
	off    bool // it panicked after one: ghost state gone, no more checks
}

func (k *keepGoing) Check(c protocols.Cluster, ev protocols.Event) (err error) {
	if k.off {
		return nil
	}
	if k.failed {
		defer func() {
			if r := recover(); r != nil {
				k.off = true
				err = nil
			}
		}()
	}
	if err := k.inner.Check(c, ev); err != nil {
		k.failed = true
		kind, detail := "violation", err.Error()
		if v := (*protocols.Violation)(nil); errors.As(err, &v) {
			kind, detail = v.Kind, v.Detail
		}
		k.run.keep(sim.Failure{Kind: kind, Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Detail: detail})
	}
	return nil
}

// keep records a violation of a run that keeps going: the first of each
// kind, with the event it was seen at; later ones of a kind are counted.
func (r *Run) keep(f sim.Failure) {
	for i := range r.kept {
		if r.kept[i].Kind == f.Kind {
			r.keptRepeats[i]++
			return
		}
	}
	r.kept = append(r.kept, f)
	r.keptRepeats = append(r.keptRepeats, 0)
}

// keepGoingMonitors wraps each monitor so that violations are recorded
// rather than stopping the world.
// A composite monitor is unbundled into its parts, each wrapped.
func (r *Run) keepGoingMonitors(ms []protocols.Monitor) []protocols.Monitor {
	var out []protocols.Monitor
	for _, m := range ms {
		if c, ok := m.(protocols.Composite); ok {
			for _, part := range c.Parts() {
				out = append(out, &keepGoing{inner: part, run: r})
			}
			continue
		}
		out = append(out, &keepGoing{inner: m, run: r})
	}
	return out
}

// Violations returns the violations a run that keeps going has recorded so
// far, first of each kind, in the order seen; nil for a run that stops at
// its first (see World.Failure).
func (r *Run) Violations() []sim.Failure { return r.kept }

// keptViolations are the recorded violations as a result reports them.
func (r *Run) keptViolations() []Violation {
	out := make([]Violation, len(r.kept))
	for i, f := range r.kept {
		detail := nodePrefix(&f) + f.Detail
		if n := r.keptRepeats[i]; n > 0 {
			detail += fmt.Sprintf(" (and %d more times after)", n)
		}
		out[i] = Violation{Kind: f.Kind, Event: f.Seq, TimeMS: ms(f.Time), Detail: detail}
	}
	return out
}
