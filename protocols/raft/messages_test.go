package raft

import (
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	unshown := []string{"Entries[0].Req", "Entries[0].Conf", "Entries[0].Cmd", "chain", "home", "rec", "size"}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{RequestVote{Term: 3, LastIndex: 5, LastTerm: 2}, nil},
		{RequestVoteReply{Term: 3, Granted: true}, nil},
		{&AppendEntries{Term: 3, PrevIndex: 5, PrevTerm: 2, Entries: entries, Commit: 4, Round: 7}, unshown},
		{&AppendEntries{Term: 3, PrevIndex: 5, PrevTerm: 2, Commit: 4}, []string{"chain", "home", "rec", "size"}},
		{&AppendEntriesReply{Term: 3, Success: true, Index: 7, Round: 2, XTerm: 1, XIndex: 2, XLen: 3}, []string{"XTerm", "XIndex", "XLen"}},
		{&AppendEntriesReply{Term: 3, Index: 5, XTerm: 2, XIndex: 4, XLen: 6, Round: 2}, nil},
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

// An AppendEntries' size is its wire size, worked out from its fields,
// whether the leader sized it when it built it or messageSize sizes one
// built elsewhere (size 0); a leader's heartbeat carries the size.
func TestAppendSizeIsTheWireSize(t *testing.T) {
	req := kv.Request{Client: "c1", Seq: 3, Op: kv.PutOp("key", "value")}
	cases := []*AppendEntries{
		{Term: 3, PrevIndex: 5, PrevTerm: 2, Commit: 4},
		{Term: 3, PrevIndex: 5, PrevTerm: 2, Commit: 4, Round: 7},
		{Term: 3, Entries: []Entry{{Term: 2, Req: req}, {Term: 3, Conf: &ConfChange{Op: ConfAddServer, Node: "n4"}}, {Term: 3}}},
	}
	for _, m := range cases {
		want := 8 + 8 + 8 + 8
		for _, e := range m.Entries {
			want += 8 + kv.RequestSize(e.Req)
			if e.Conf != nil {
				want += 1 + len(e.Conf.Node)
			}
		}
		if m.Round != 0 {
			want += 8
		}
		assert.Equal(t, want, messageSize(m), "%v: built elsewhere", m)
		assert.Zero(t, m.size, "%v: messageSize writes nothing into a message", m)
		sized := *m
		sized.size = appendSize(m)
		assert.Equal(t, want, messageSize(&sized), "%v: sized by its leader", m)
	}

	h := newCluster(t, 3, Options{})
	elect(h, "n1")
	n1 := raftNode(h, "n1")
	n1.log.append(Entry{Term: n1.term, Req: req})
	n1.prs[n1.peerIndex("n2")].next = n1.log.lastIndex()
	sent := heartbeatSends(t, n1)
	require.Len(t, sent, 2)
	for id, m := range sent {
		assert.NotZero(t, m.size, "to %s: sized before it was sent", id)
		fresh := m
		fresh.size = 0
		assert.Equal(t, messageSize(&fresh), m.size, "to %s", id)
	}
}

// AppendEntries and AppendEntriesReply, in the pointer form a server sends
// (the only form that is a HashAppender), fold each field in turn, as
// their first AppendHash did.
func TestAppendHashesFoldFieldByField(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := AppendEntries{
			Term:      rapid.Uint64().Draw(t, "term"),
			PrevIndex: rapid.Int().Draw(t, "prev"),
			PrevTerm:  rapid.Uint64().Draw(t, "prevTerm"),
			Commit:    rapid.Int().Draw(t, "commit"),
			Round:     rapid.Uint64().Draw(t, "round"),
		}
		for _, term := range rapid.SliceOfN(rapid.Uint64(), 0, 5).Draw(t, "terms") {
			m.Entries = append(m.Entries, Entry{Term: term})
		}
		var want protocols.Hash
		want.Uint64(m.Term)
		want.Int(m.PrevIndex)
		want.Uint64(m.PrevTerm)
		want.Int(len(m.Entries))
		for _, e := range m.Entries {
			want.Uint64(e.Term)
		}
		want.Int(m.Commit)
		want.Uint64(m.Round)
		checkFolds(t, &m, want.Sum64())

		r := AppendEntriesReply{
			Term:    rapid.Uint64().Draw(t, "rterm"),
			Success: rapid.Bool().Draw(t, "success"),
			Index:   rapid.Int().Draw(t, "index"),
			XTerm:   rapid.Uint64().Draw(t, "xterm"),
			XIndex:  rapid.Int().Draw(t, "xindex"),
			XLen:    rapid.Int().Draw(t, "xlen"),
			Round:   rapid.Uint64().Draw(t, "rround"),
		}
		var wantReply protocols.Hash
		wantReply.Uint64(r.Term)
		wantReply.Bool(r.Success)
		wantReply.Int(r.Index)
		if !r.Success {
			wantReply.Uint64(r.XTerm)
			wantReply.Int(r.XIndex)
			wantReply.Int(r.XLen)
		}
		wantReply.Uint64(r.Round)
		checkFolds(t, &r, wantReply.Sum64())
	})
}

// checkFolds checks that a message folds into a fresh hash as want.
func checkFolds(t *rapid.T, m protocols.HashAppender, want uint64) {
	var h protocols.Hash
	m.AppendHash(&h)
	if h.Sum64() != want {
		t.Fatalf("%T %+v folds as %x, want %x", m, m, h.Sum64(), want)
	}
}
