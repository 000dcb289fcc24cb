package raft

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
)

// Every AppendEntriesReply a server sends, a success by replySuccess or a
// rejection by replyAppend, is the reply asked for, and is the last one
// sent again exactly when it equals it: replySuccess compares only the
// fields a success can differ in.
func TestRepliesAreWhatWasAskedAndSharedWhenEqual(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := &node{out: &protocols.Effects{}}
		var last *AppendEntriesReply
		for step := range rapid.IntRange(1, 30).Draw(t, "steps") {
			n.term = rapid.Uint64Range(1, 2).Draw(t, "term")
			want := AppendEntriesReply{
				Term:    n.term,
				Success: rapid.Bool().Draw(t, "success"),
				Index:   rapid.IntRange(0, 2).Draw(t, "index"),
				Round:   rapid.Uint64Range(0, 1).Draw(t, "round"),
			}
			if want.Success {
				n.replySuccess("n2", want.Index, want.Round)
			} else {
				want.XTerm = rapid.Uint64Range(0, 1).Draw(t, "xterm")
				want.XIndex = rapid.IntRange(0, 1).Draw(t, "xindex")
				want.XLen = rapid.IntRange(0, 1).Draw(t, "xlen")
				n.replyAppend("n2", want)
			}
			sent := n.out.Sends[len(n.out.Sends)-1]
			got, ok := sent.Msg.(*AppendEntriesReply)
			if !ok || sent.To != "n2" || *got != want {
				t.Fatalf("step %d: sent %v to %s, want %+v", step, sent.Msg, sent.To, want)
			}
			if shared := last != nil && *last == want; (got == last) != shared {
				t.Fatalf("step %d: %+v after %+v: the last reply sent again = %v, want %v", step, want, *last, got == last, shared)
			}
			last = got
		}
	})
}
