package tui

import (
	"testing"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/scenarios"
)

// BenchmarkStepBack measures what one press of b costs deep into a run:
// rebuilding the world and running it to the event before (50,000 events
// of Raft with a client, every invariant checked after every event).
func BenchmarkStepBack(b *testing.B) {
	for _, tc := range []struct {
		name     string
		scenario string
		at       uint64
	}{
		{"raft-5k", "raft/election", 5_000},
		{"raft-50k", "raft/election", 50_000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := scenarios.Builtin(tc.scenario)
			if err != nil {
				b.Fatal(err)
			}
			s.Duration = 10 * clock.Minute // long enough to reach the event
			ss, err := newSession(s, s.Seed, "")
			if err != nil {
				b.Fatal(err)
			}
			if err := ss.goTo(tc.at); err != nil || ss.event() != tc.at {
				b.Fatalf("reached event %d of %d: %v", ss.event(), tc.at, err)
			}
			for b.Loop() {
				if err := ss.back(); err != nil {
					b.Fatal(err)
				}
				ss.step()
			}
		})
	}
}
