package tui

import (
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// Narration: every event the UI can show is told in one line of plain
// English by scenarios.Narrator: a node's step by its protocol
// (Display.Narrate, through the seam), with a generic line from the
// event's structure as fallback; faults in the simulator's words.

// injectedAt reports whether a fault event applies a fault injected by
// hand (rather than the scenario's own).
func (s *session) injectedAt(f *sim.Fault) bool {
	for _, in := range s.injected {
		if in.fault.At == f.At && in.fault.String() == f.String() {
			return true
		}
	}
	return false
}

// droppedByHand reports whether the schedule drops this message by hand: a
// drop inflight fault (what d injects and s saves) names its kind, link
// and send time.
func (s *session) droppedByHand(from, to protocols.NodeID, kind string, sent clock.Time) bool {
	match := func(f sim.Fault) bool {
		return f.Kind == sim.DropInFlight && f.Rule.From == from && f.Rule.To == to && f.Rule.Kind == kind && f.Sent == sent
	}
	for _, f := range s.base.Faults {
		if match(f) {
			return true
		}
	}
	for _, in := range s.injected {
		if match(in.fault) {
			return true
		}
	}
	return false
}
