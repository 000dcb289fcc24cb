package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// msgOfKind is a message whose kind is whatever string it carries: a
// constant, a copy built afresh, or a slice of a longer kind that shares
// its first bytes.
type msgOfKind struct{ kind string }

func (m msgOfKind) Kind() string   { return m.kind }
func (m msgOfKind) String() string { return m.kind }

// TestMetricsCountKindsByText sends messages whose kinds are constants,
// fresh copies of them, prefixes sharing their bytes, "" and more distinct
// kinds than kindMemo remembers, and checks the counts by kind against a
// plain count by text: where a kind's bytes live never changes its count.
func TestMetricsCountKindsByText(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		const long = "AppendEntriesReply"
		pool := []string{"RequestVote", "AppendEntries", long, long[:13], long[:6], ""}
		for i := range 20 {
			pool = append(pool, fmt.Sprintf("Kind%d", i))
		}
		declared := rapid.SliceOfNDistinct(rapid.SampledFrom(pool), 0, 4, func(s string) string { return s }).Draw(rt, "declared")
		m := &metrics{kinds: append([]string(nil), declared...), byKind: make([]uint64, len(declared)), sent: make([]uint64, 1), recv: make([]uint64, 1), first: -1}
		m.memoKinds()
		observe := (&Run{metrics: m}).observer()
		want := map[string]uint64{}
		for range rapid.IntRange(0, 60).Draw(rt, "events") {
			var sends []protocols.Send
			for range rapid.IntRange(0, 4).Draw(rt, "sends") {
				k := rapid.SampledFrom(pool).Draw(rt, "kind")
				if rapid.Bool().Draw(rt, "copy") {
					k = strings.Clone(k) // the same text at another address
				}
				sends = append(sends, protocols.Send{To: "n1", Msg: msgOfKind{k}})
				want[k]++
			}
			observe(nil, &sim.Info{Index: 0, Input: protocols.Timer, Sends: sends})
		}
		got := map[string]uint64{}
		for i, k := range m.kinds {
			if m.byKind[i] > 0 {
				got[k] = m.byKind[i]
			}
		}
		require.Equal(rt, want, got)
		seen := map[string]bool{}
		for _, k := range m.kinds {
			require.False(rt, seen[k], "kind %q listed twice", k)
			seen[k] = true
		}
	})
}

// TestMetricsCountMomentsAsMomentsOf drives the runner's observer with events whose
// notes hold Moment notes and notes Display.Moments turns into moments,
// and checks the counts, elections and first leader against a count of
// what Display.MomentsOf returns for the same events.
func TestMetricsCountMomentsAsMomentsOf(t *testing.T) {
	derive := func(ev protocols.Event) []protocols.Moment {
		var out []protocols.Moment
		for _, n := range ev.Notes {
			if s, ok := n.(string); ok {
				kind, text, _ := strings.Cut(s, ":")
				out = append(out, protocols.Moment{Kind: kind, Text: text})
			}
		}
		return out
	}
	rapid.Check(t, func(rt *rapid.T) {
		disp := &protocols.Display{}
		if rapid.Bool().Draw(rt, "derives") {
			disp.Moments = derive
		}
		m := &metrics{disp: disp, sent: make([]uint64, 1), recv: make([]uint64, 1), first: -1}
		observe := (&Run{metrics: m}).observer()
		want := map[string]int{}
		elections, first := 0, int64(-1)
		kinds := rapid.SampledFrom([]string{protocols.MomentLeader, "blocked", "commit"})
		for step := range rapid.IntRange(0, 30).Draw(rt, "events") {
			var notes []protocols.Note
			for range rapid.IntRange(0, 3).Draw(rt, "notes") {
				switch rapid.IntRange(0, 2).Draw(rt, "note") {
				case 0:
					notes = append(notes, protocols.Moment{Kind: kinds.Draw(rt, "kind"), Text: "x"})
				case 1:
					notes = append(notes, kinds.Draw(rt, "kind")+":x") // derived, and a duplicate of the note above when they agree
				case 2:
					notes = append(notes, protocols.Probe("p"))
				}
			}
			ev := &sim.Info{Seq: uint64(step + 1), Time: clock.Time(step * 1000), Node: "n1", Index: 0, Input: protocols.Timer, Notes: notes}
			for _, mo := range disp.MomentsOf(protocols.Event{Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Input: ev.Input, Notes: ev.Notes}) {
				want[mo.Kind]++
				if mo.Kind == protocols.MomentLeader {
					elections++
					if first < 0 {
						first = int64(ev.Time)
					}
				}
			}
			observe(nil, ev)
		}
		if len(want) == 0 {
			want = nil
		}
		require.Equal(rt, want, m.counts)
		require.Equal(rt, elections, m.elections)
		require.Equal(rt, first, int64(m.first))
	})
}
