package raft

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// TestMomentsPassOverOtherNotes checks that moments, which passes over
// events without a BecameLeader note or a probe that makes a moment
// (momentProbe), finds what momentsOf finds for every mix of notes: every
// probe a server can report, BecameLeader, Applied and other kinds of
// note, and none.
func TestMomentsPassOverOtherNotes(t *testing.T) {
	probes := append([]string{"not-a-probe"}, Probes...)
	rapid.Check(t, func(rt *rapid.T) {
		var notes []protocols.Note
		for range rapid.IntRange(0, 5).Draw(rt, "notes") {
			switch rapid.IntRange(0, 4).Draw(rt, "note") {
			case 0:
				notes = append(notes, protocols.Probe(rapid.SampledFrom(probes).Draw(rt, "probe")))
			case 1:
				notes = append(notes, BecameLeader{Term: rapid.Uint64Range(1, 9).Draw(rt, "term")})
			case 2:
				notes = append(notes, kv.Applied{Index: rapid.IntRange(1, 9).Draw(rt, "index")})
			case 3:
				notes = append(notes, Voted{})
			case 4:
				notes = append(notes, protocols.Moment{Kind: "x"})
			}
		}
		ev := protocols.Event{Seq: 1, Node: "n1", Notes: notes}
		require.Equal(rt, momentsOf(ev), moments(ev))
	})
}

// TestMomentProbeIsMomentsOfCases holds momentProbe, moments' filter, to
// momentsOf's cases: a probe passes it if and only if it makes a moment,
// for every probe a server can report.
func TestMomentProbeIsMomentsOfCases(t *testing.T) {
	for _, p := range Probes {
		ev := protocols.Event{Seq: 1, Node: "n1", Notes: []protocols.Note{protocols.Probe(p)}}
		require.Equal(t, len(momentsOf(ev)) > 0, momentProbe(p), p)
	}
}

// TestCoreProbesAreProbes holds CoreProbes, which services built on Raft
// declare, to be probes a server reports, each once.
func TestCoreProbesAreProbes(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range CoreProbes {
		require.Contains(t, Probes, p)
		require.False(t, seen[p], "%s listed twice", p)
		seen[p] = true
	}
}
