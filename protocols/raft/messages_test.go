package raft

import (
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash, and changing one it leaves out
// (listed here) changes neither. A message whose text depends on a field
// (a reply's hints, shown only on failure) is checked in each case.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	entries := []Entry{
		{Term: 2, Req: kv.Request{Client: "c1", Seq: 3, Op: kv.PutOp("k", "v")}},
		{Term: 3, Conf: &ConfChange{Op: ConfAddServer, Node: "n4"}},
	}
	cfg := Config{Members: []Member{{ID: "n1", Suffrage: Voter}}}
	// What no trace line shows of an entry: its command, only its position.
	unshown := []string{"Entries[0].Req", "Entries[0].Conf", "Entries[0].Cmd", "chain"}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{RequestVote{Term: 3, LastIndex: 5, LastTerm: 2}, nil},
		{RequestVoteReply{Term: 3, Granted: true}, nil},
		{AppendEntries{Term: 3, PrevIndex: 5, PrevTerm: 2, Entries: entries, Commit: 4, Round: 7}, unshown},
		{AppendEntries{Term: 3, PrevIndex: 5, PrevTerm: 2, Commit: 4}, []string{"chain"}},
		{AppendEntriesReply{Term: 3, Success: true, Index: 7, Round: 2, XTerm: 1, XIndex: 2, XLen: 3}, []string{"XTerm", "XIndex", "XLen"}},
		{AppendEntriesReply{Term: 3, Index: 5, XTerm: 2, XIndex: 4, XLen: 6, Round: 2}, nil},
		{PreVote{Term: 3, LastIndex: 5, LastTerm: 2}, nil},
		{PreVoteReply{Term: 3}, nil},
		{InstallSnapshot{Term: 3, Index: 120, SnapTerm: 2, Offset: 64, Data: []byte("chunk"), Done: true, Config: cfg, Chain: 9, Round: 1},
			[]string{"Data[0]", "Config", "Chain"}},
		{InstallSnapshotReply{Term: 3, Index: 120, Offset: 64, Done: true, Round: 1}, nil},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}

// TestSameReplyIsEquality holds sameReply to the struct comparison it
// spells out, on a reply and a copy of it with one field changed, or
// none; a field added to AppendEntriesReply and not to sameReply fails
// here (the test changes every field by reflection).
func TestSameReplyIsEquality(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var a AppendEntriesReply
		va := reflect.ValueOf(&a).Elem()
		for i := range va.NumField() {
			bump(t, va.Field(i), rapid.IntRange(0, 3).Draw(t, "v"))
		}
		b := a
		changed := rapid.IntRange(-1, va.NumField()-1).Draw(t, "changed")
		if changed >= 0 {
			bump(t, reflect.ValueOf(&b).Elem().Field(changed), 1)
		}
		if got, want := sameReply(&a, &b), a == b; got != want || want != (changed < 0) {
			t.Fatalf("sameReply(%+v, %+v) = %v, want %v", a, b, got, want)
		}
	})
}

// bump adds d to a bool, int or uint64 field (a bool flips when d is odd).
func bump(t *rapid.T, f reflect.Value, d int) {
	switch f.Kind() {
	case reflect.Bool:
		f.SetBool(f.Bool() != (d%2 == 1))
	case reflect.Int:
		f.SetInt(f.Int() + int64(d))
	case reflect.Uint64:
		f.SetUint(f.Uint() + uint64(d))
	default:
		t.Fatalf("a field of kind %s: teach bump to change it", f.Kind())
	}
}
