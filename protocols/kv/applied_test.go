package kv

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

type noCluster struct{ byz protocols.NodeID }

func (noCluster) Now() clock.Time                      { return 0 }
func (noCluster) Servers() []protocols.NodeID          { return nil }
func (noCluster) Node(protocols.NodeID) protocols.Node { return nil }
func (c noCluster) Byzantine(id protocols.NodeID) bool { return id == c.byz }
func ev(node protocols.NodeID, notes ...protocols.Note) protocols.Event {
	return protocols.Event{Node: node, Input: protocols.Receive, Notes: notes}
}

func put(c protocols.NodeID, seq uint64, key, value string) Request {
	return Request{Client: c, Seq: seq, Op: PutOp(key, value)}
}

func TestExactlyOnce(t *testing.T) {
	m := ExactlyOnce()
	r := put("c1", 1, "k", "a")
	assert.NoError(t, m.Check(noCluster{}, ev("n1", Applied{Index: 2, Req: r, Outcome: Executed})))
	// Another replica, and a replay after a restart: the same index.
	assert.NoError(t, m.Check(noCluster{}, ev("n2", Applied{Index: 2, Req: r, Outcome: Executed})))
	// A retry appended again is a duplicate the machine recognised.
	assert.NoError(t, m.Check(noCluster{}, ev("n1", Applied{Index: 3, Req: r, Outcome: Duplicate})))
	// Executed again at another index: the harm.
	err := m.Check(noCluster{}, ev("n2", Applied{Index: 5, Req: r, Outcome: Executed}))
	assert.EqualError(t, err, "exactly-once: n2 executed c1#1 put(k,a) at index 5, but it was already executed at index 2")
	// A byzantine replica's claims are not judged.
	assert.NoError(t, m.Check(noCluster{byz: "n4"}, ev("n4", Applied{Index: 9, Req: r, Outcome: Executed})))
}

func TestStaleReads(t *testing.T) {
	get := func(seq uint64) (Invoked, Completed) {
		op := GetOp("k")
		return Invoked{Client: "c2", Seq: seq, Op: op}, Completed{Client: "c2", Seq: seq, Op: op, Server: "n1"}
	}
	tests := []struct {
		name   string
		output string
		late   bool   // a newer write applied while the get was outstanding
		want   string // "" for no violation
	}{
		{"the current value", "ab", false, ""},
		{"a value written while it was outstanding", "abc", true, ""},
		{"a value older than the get", "a", false, `stale-read: c2's get(k) returned "a" from n1, but when it was invoked the log was applied up to index 3, where k = "ab"`},
		{"the initial empty value", "", false, `returned "" from n1`},
		{"a value never written", "zz", true, `returned "zz"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := StaleReads()
			apply := func(i int, r Request) {
				assert.NoError(t, m.Check(noCluster{}, ev("n2", Applied{Index: i, Req: r, Outcome: Executed})))
			}
			apply(1, Request{}) // a no-op
			apply(2, put("c1", 1, "k", "a"))
			apply(3, Request{Client: "c1", Seq: 2, Op: AppendOp("k", "b")})
			inv, done := get(1)
			assert.NoError(t, m.Check(noCluster{}, ev("c2", inv)))
			if tc.late {
				apply(4, Request{Client: "c1", Seq: 3, Op: AppendOp("k", "c")})
			}
			done.Output = tc.output
			err := m.Check(noCluster{}, ev("c2", done))
			if tc.want == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.want)
			}
		})
	}
}

// CheckApplied judges as Check does, given the event's Applied notes
// picked out: the same verdicts, event by event, for exactly-once and
// stale reads, through duplicates, replays, a byzantine replica and reads.
func TestCheckAppliedAgreesWithCheck(t *testing.T) {
	r1, r2 := put("c1", 1, "k", "a"), Request{Client: "c1", Seq: 2, Op: AppendOp("k", "b")}
	inv := Invoked{Client: "c2", Seq: 1, Op: GetOp("k")}
	events := []protocols.Event{
		ev("n1", Applied{Index: 1, Req: r1, Outcome: Executed}, Applied{Index: 2, Req: r2, Outcome: Executed}),
		ev("n2", Applied{Index: 1, Req: r1, Outcome: Executed}),
		ev("c2", inv),
		ev("n4", Applied{Index: 3, Req: r1, Outcome: Executed}), // byzantine
		ev("n2", Applied{Index: 2, Req: r2, Outcome: Executed}, Applied{Index: 3, Req: r1, Outcome: Duplicate}),
		ev("c2", Completed{Client: "c2", Seq: 1, Op: inv.Op, Output: "a", Server: "n1"}),
		ev("n3", Applied{Index: 4, Req: r1, Outcome: Executed}),
	}
	c := noCluster{byz: "n4"}
	for _, mk := range []func(*ClientNumbers) AppliedMonitor{ExactlyOnceNumbering, StaleReadsNumbering} {
		// b shares its numbering with a caller that numbers clients in
		// another order, as a suite of monitors does.
		var shared ClientNumbers
		shared.Of("c9")
		shared.Of("c2")
		a, b := mk(&ClientNumbers{}), mk(&shared)
		var got, want []string
		for _, e := range events {
			want = append(want, fmt.Sprint(a.Check(c, e)))
			var applied []AppliedRequest
			client := false
			for _, n := range e.Notes {
				switch n := n.(type) {
				case Applied:
					applied = append(applied, AppliedRequest{Applied: &n, Key: KeyOf(&shared, &n)})
				default:
					client = true
				}
			}
			if client { // stale reads takes only events without client notes
				got = append(got, fmt.Sprint(b.Check(c, e)))
			} else {
				got = append(got, fmt.Sprint(b.CheckApplied(c, e.Node, applied)))
			}
		}
		assert.Equal(t, want, got)
		violations := slices.DeleteFunc(slices.Clone(want), func(s string) bool { return s == "<nil>" })
		assert.Len(t, violations, 1, "one event must break the property, for the comparison to mean something")
	}
}

// ClientNumbers numbers clients in the order first seen, whether a name
// comes as the string first seen or as the same text elsewhere, and
// whatever its name cache holds.
func TestClientNumbersNumberInOrderFirstSeen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var x ClientNumbers
		var want []protocols.NodeID
		names := []protocols.NodeID{"c1", "c2", "c10", "n1", "c3"}
		for i := range rapid.IntRange(1, 60).Draw(t, "lookups") {
			id := rapid.SampledFrom(names).Draw(t, fmt.Sprint("name ", i))
			if rapid.Bool().Draw(t, fmt.Sprint("copied ", i)) {
				id = protocols.NodeID(strings.Clone(string(id)))
			}
			w := slices.Index(want, id)
			if w < 0 {
				w = len(want)
				want = append(want, id)
			}
			if got := x.Of(id); int(got) != w {
				t.Fatalf("lookup %d: %s is %d, want %d", i, id, got, w)
			}
			if got := x.Name(int32(w)); got != id {
				t.Fatalf("lookup %d: client %d is %s, want %s", i, w, got, id)
			}
		}
	})
}

// firstAfter finds what slices.BinarySearchFunc finds: the first version
// set at an index past from, in versions in index order.
func TestFirstAfterIsTheBinarySearch(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		indexes := rapid.SliceOfDistinct(rapid.IntRange(1, 60), rapid.ID[int]).Draw(t, "indexes")
		slices.Sort(indexes)
		vs := make([]version, len(indexes))
		for i, x := range indexes {
			vs[i] = version{index: x}
		}
		from := rapid.IntRange(-1, 62).Draw(t, "from")
		want, _ := slices.BinarySearchFunc(vs, from+1, func(v version, x int) int { return cmp.Compare(v.index, x) })
		if got := firstAfter(vs, from); got != want {
			t.Fatalf("firstAfter(%v, %d) = %d, want %d", indexes, from, got, want)
		}
	})
}

// An entry Followers.Repeats passes over is one that neither exactly-once
// nor stale reads acts on: CheckApplied of it fails in neither and leaves
// both as they were, whoever applied it (a byzantine replica too), in
// whatever state streams of applied entries with duplicates, replays,
// outcomes that differ from server to server, and pruning left them. An
// entry exactly-once holds executed where it lies repeats as
// RepeatsExecuted says; and exactly-once goes on holding a request where
// it held it until Forgot changes.
func TestFollowersRepeatsActsOnNothing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		clients := &ClientNumbers{}
		once, stale := ExactlyOnceNumbering(clients), StaleReadsNumbering(clients)
		once.(*exactlyOnce).limit = rapid.IntRange(1, 8).Draw(t, "once limit") // prune often
		f := FollowersOf(once, stale)
		c := noCluster{byz: "n3"}
		type held struct {
			at     int
			forgot uint32
		}
		heldAt := map[RequestKey]held{}
		for step := range rapid.IntRange(1, 100).Draw(t, "steps") {
			a := Applied{Index: rapid.IntRange(1, 12).Draw(t, "index"), Term: 1, Outcome: rapid.SampledFrom([]Outcome{Executed, Duplicate}).Draw(t, "outcome")}
			if rapid.IntRange(0, 5).Draw(t, "no-op") > 0 {
				a.Req = put(protocols.NodeID(fmt.Sprint("c", rapid.IntRange(1, 2).Draw(t, "client"))),
					rapid.SampledFrom([]uint64{1, 2, 3, 1500, 3000}).Draw(t, "seq"), "k", fmt.Sprint("v", step))
			}
			id := protocols.NodeID(fmt.Sprint("n", rapid.IntRange(1, 3).Draw(t, "server")))
			ar := AppliedRequest{Applied: &a, Key: KeyOf(clients, &a)}
			if a.Req.Client == "" {
				// a no-op: its key (client -1) is never looked up
			} else if at, ok := f.ExecutedAt(ar.Key); ok && at == a.Index {
				if f.RepeatsExecuted(&ar) != f.Repeats(&ar) {
					t.Fatalf("step %d: RepeatsExecuted(%+v) is not Repeats", step, a)
				}
			}
			if f.Repeats(&ar) {
				before := fmt.Sprintf("%+v %+v", *f.once, *f.stale)
				beforeVersions := fmt.Sprint(f.stale.versions, *f.stale.sm)
				if err := once.CheckApplied(c, id, []AppliedRequest{ar}); err != nil {
					t.Fatalf("step %d: exactly-once failed on an entry Repeats passes over: %v", step, err)
				}
				if err := stale.CheckApplied(c, id, []AppliedRequest{ar}); err != nil {
					t.Fatalf("step %d: stale reads failed on an entry Repeats passes over: %v", step, err)
				}
				if after := fmt.Sprintf("%+v %+v", *f.once, *f.stale); after != before || fmt.Sprint(f.stale.versions, *f.stale.sm) != beforeVersions {
					t.Fatalf("step %d: an entry Repeats passes over changed them:\n%s\n%s", step, before, after)
				}
			} else {
				_ = once.CheckApplied(c, id, []AppliedRequest{ar})
				_ = stale.CheckApplied(c, id, []AppliedRequest{ar})
			}
			for k, h := range heldAt {
				if at, ok := f.ExecutedAt(k); h.forgot == f.Forgot() && (!ok || at != h.at) {
					t.Fatalf("step %d: %v held at %d is now at %d %v, and Forgot did not change", step, k, h.at, at, ok)
				}
			}
			if a.Req.Client == "" {
				continue
			}
			if at, ok := f.ExecutedAt(ar.Key); ok {
				heldAt[ar.Key] = held{at, f.Forgot()}
			}
		}
	})
}
