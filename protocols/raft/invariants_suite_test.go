package raft

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// sameRequest must answer ==, for strings that share their bytes or not:
// it lists kv.Request's fields itself, so a field added there must be
// added to it (the field count below fails first).
func TestSameRequestIsEquality(t *testing.T) {
	assert.Equal(t, 6, reflect.TypeFor[kv.Request]().NumField(), "sameRequest compares kv.Request field by field")
	assert.Equal(t, 3, reflect.TypeFor[kv.Op]().NumField(), "sameRequest compares kv.Op field by field")
	rapid.Check(t, func(t *rapid.T) {
		str := func(label string) string {
			s := rapid.SampledFrom([]string{"", "c1", "c2", "k1", "x"}).Draw(t, label)
			if rapid.Bool().Draw(t, label+" copied") {
				s = strings.Clone(s) // the same text elsewhere
			}
			return s
		}
		req := func(label string) kv.Request {
			return kv.Request{
				Client:   protocols.NodeID(str(label + " client")),
				Seq:      rapid.Uint64Range(0, 2).Draw(t, label+" seq"),
				Op:       kv.Op{Kind: kv.OpKind(rapid.IntRange(0, 2).Draw(t, label+" kind")), Key: str(label + " key"), Value: str(label + " value")},
				Deadline: clock.Time(rapid.IntRange(0, 1).Draw(t, label+" deadline")),
				Context:  str(label + " context"),
				Attempt:  uint32(rapid.IntRange(0, 1).Draw(t, label+" attempt")),
			}
		}
		a, b := req("a"), req("b")
		if got, want := sameRequest(&a, &b), a == b; got != want {
			t.Fatalf("sameRequest(%+v, %+v) = %v, == says %v", a, b, got, want)
		}
	})
}

// markAt finds each incarnation's mark, whatever slot of recent its
// address picks and whoever used that slot before, and no mark for an
// incarnation it has not marked, even where its server has one.
func TestMarkAtFindsEachIncarnation(t *testing.T) {
	s := MonitorSuite().(*suite)
	var nodes []*node
	for k := range 200 {
		n := &node{id: protocols.NodeID(fmt.Sprint("n", k))}
		nodes = append(nodes, n)
		assert.Equal(t, -1, s.markAt(n))
		s.mark(n, k)
	}
	for round := range 2 {
		for k, n := range nodes {
			assert.Equal(t, k, s.markAt(n), "round %d", round)
		}
	}
	for k := range nodes {
		restarted := &node{id: nodes[k].id}
		assert.Equal(t, -1, s.markAt(restarted))
		s.mark(restarted, k)
		assert.Equal(t, k, s.markAt(restarted))
		assert.Equal(t, -1, s.markAt(nodes[k]), "a mark of an earlier incarnation")
	}
}

// appliedIn reads the Applied a note holds, in place, whether the note was
// boxed by a conversion or into a slab's slot (as servers note them), and
// the suite's sorting hands on exactly the event's Applied notes, in order.
func TestAppliedInReadsTheNote(t *testing.T) {
	var slab protocols.Slab[Applied]
	var notes []protocols.Note
	var want []Applied
	for i := range 20 {
		a := Applied{Index: i + 1, Term: uint64(i), Req: kv.Request{Client: "c1", Seq: uint64(i), Op: kv.GetOp("k")}, Outcome: kv.Outcome(i % 2)}
		want = append(want, a)
		if i%2 == 0 {
			notes = append(notes, protocols.Note(a))
		} else {
			notes = append(notes, slab.Note(a))
		}
		notes = append(notes, Voted{Term: uint64(i)})
	}
	var e eventNotes
	e.sort(notes)
	got := make([]Applied, 0, len(e.applied))
	for _, a := range e.applied {
		got = append(got, *a.Applied)
	}
	assert.Equal(t, want, got)
	assert.Equal(t, hasVoted, e.kinds)
}

// State-machine safety keys each applied request as kv.KeyOf would under
// the shared numbering, whether the entry is the first applied at its
// index or repeats it (its key then taken from the ghost), and whether
// the client's name is the first server's string or a copy.
func TestStateMachineSafetyKeysAsKeyOf(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		clients := &kv.ClientNumbers{}
		m := newStateMachineSafety(&lookup{}, &horizon{}, clients)
		var log []Applied // the one log every server applies
		for i := range rapid.IntRange(1, 30).Draw(t, "entries") {
			a := Applied{Index: i + 1, Term: 1, Outcome: kv.Executed}
			if c := rapid.IntRange(0, 3).Draw(t, fmt.Sprint("client ", i)); c > 0 {
				a.Req = kv.Request{Client: protocols.NodeID(fmt.Sprint("c", c)), Seq: uint64(i)}
			}
			log = append(log, a)
		}
		next := make([]int, 3) // by server: how much of the log it applied
		for step := range rapid.IntRange(1, 60).Draw(t, "steps") {
			k := rapid.IntRange(0, 2).Draw(t, fmt.Sprint("server ", step))
			n := min(rapid.IntRange(1, 3).Draw(t, fmt.Sprint("count ", step)), len(log)-next[k])
			var applied []kv.AppliedRequest
			for j := range n {
				a := log[next[k]+j]
				if rapid.Bool().Draw(t, fmt.Sprint("copied ", step, j)) {
					a.Req.Client = protocols.NodeID(strings.Clone(string(a.Req.Client)))
				}
				applied = append(applied, kv.AppliedRequest{Applied: &a})
			}
			next[k] += n
			ev := protocols.Event{Node: protocols.NodeID(fmt.Sprint("n", k))}
			if err := m.checkApplied(&ev, k, applied, false); err != nil {
				t.Fatal(err)
			}
			for _, a := range applied {
				if want := kv.KeyOf(clients, a.Applied); a.Key != want {
					t.Fatalf("%v keyed %v, KeyOf says %v", *a.Applied, a.Key, want)
				}
			}
		}
	})
}

// clusterAt is a cluster seen at another time, for an end-of-run check.
type clusterAt struct {
	protocols.Cluster
	now clock.Time
}

func (c clusterAt) Now() clock.Time { return c.now }

// The suite fed convergence (monitorSuiteWith) leaves it as the list with
// convergence after the suite leaves its own: the same verdicts and text
// of the end-of-run check, at any end, with the same failures and output,
// on schedules that restart servers and restore snapshots under every bug
// (those that end without a violation).
func TestMonitorSuiteFeedsConvergenceAsTheListDoes(t *testing.T) {
	defer func() { monitorsUnderTest = Monitors }()
	const lag = 200 * clock.Millisecond
	judged := 0
	for _, bug := range append([]protocols.Bug{{}}, Bugs...) {
		opts := featureOptions(bug.Name)
		for seed := uint64(1); seed <= 20; seed++ {
			listConv := protocols.Convergence(lag)
			monitorsUnderTest = func() []protocols.Monitor { return append(Monitors(), listConv.Monitors...) }
			a := scheduleWith(prototest.SeededDraw(seed, 0x5eed), opts, true)
			suiteConv := protocols.Convergence(lag)
			monitorsUnderTest = func() []protocols.Monitor { return []protocols.Monitor{monitorSuiteWith(suiteConv.Monitors[0])} }
			b := scheduleWith(prototest.SeededDraw(seed, 0x5eed), opts, true)
			require.Equal(t, fmt.Sprint(a.Failure()), fmt.Sprint(b.Failure()), "bug %q seed %d", bug.Name, seed)
			require.Equal(t, a.Output(), b.Output(), "bug %q seed %d", bug.Name, seed)
			if a.Failure() != nil {
				// The harness goes on calling every monitor after a
				// violation; the world stops at its first, as the suite
				// does, and so never calls convergence after the suite
				// fails (the suite neither).
				continue
			}
			judged++
			for back := clock.Time(0); back <= a.Now(); back += clock.Time(lag) / 4 {
				want := listConv.Final[0](clusterAt{a, a.Now() - back})
				got := suiteConv.Final[0](clusterAt{b, b.Now() - back})
				require.Equal(t, fmt.Sprint(want), fmt.Sprint(got), "bug %q seed %d, %v before the end", bug.Name, seed, back)
			}
		}
	}
	require.Greater(t, judged, 40, "enough runs must end without a violation for the comparison to mean something")
}

// The suite fed convergence runs it as its last part, as the list would.
func TestMonitorSuiteWithConvergenceParts(t *testing.T) {
	conv := protocols.Convergence(clock.Second).Monitors[0]
	parts := monitorSuiteWith(conv).(protocols.Composite).Parts()
	require.Len(t, parts, len(Monitors())+1)
	require.Same(t, conv, parts[len(parts)-1])
	require.Len(t, MonitorSuite().(protocols.Composite).Parts(), len(Monitors()))
}

// A follower's quiet event that applies entries (checkFollower) is shown
// to every monitor that follows applied entries, as the list shows it. In
// each run a follower applies entries before any other server, and a
// monitor must know of them from the follower alone: stale reads, to
// report a get that returns the value before a put it was invoked after;
// exactly-once, to report a request executed twice; acked-write-lost, to
// find the put that a client reports done executed (it reports one that
// was never executed).
func TestMonitorSuiteShowsAFollowersAppliedEntries(t *testing.T) {
	put := kv.Request{Client: "c2", Seq: 1, Op: kv.Op{Kind: kv.Put, Key: "k1", Value: "a"}}
	putDone := kv.Completed{Client: "c2", Seq: 1, Op: put.Op, Server: "n1"}
	get := kv.GetOp("k1")
	runs := []struct {
		name  string
		after []protocols.Note // the follower applies index 1 (put), then these
		want  string           // in the list's last verdict
	}{
		{"stale read", nil, "stale"},
		{"executed twice", []protocols.Note{Applied{Index: 2, Term: 1, Req: put, Outcome: kv.Executed}}, "exactly"},
		{"acknowledged", []protocols.Note{putDone}, "<nil>"},
	}
	for _, r := range runs {
		run := func(m protocols.Monitor) []string {
			c := newFakeCluster()
			var out []string
			step := func(id protocols.NodeID, notes ...protocols.Note) {
				out = append(out, fmt.Sprint(c.step(m, id, notes...)))
			}
			c.set("n1", leader, 1, 0, 1, 1)
			step("n1")
			c.set("n2", follower, 1, 2, 1, 1)
			step("n2") // first seen: check, not checkFollower
			step("n2", Applied{Index: 1, Term: 1, Req: put, Outcome: kv.Executed})
			switch {
			case r.after == nil:
				step("c1", kv.Invoked{Client: "c1", Seq: 1, Op: get})
				step("c1", kv.Completed{Client: "c1", Seq: 1, Op: get, Output: "", Server: "n1"})
			case r.name == "acknowledged":
				step("c2", r.after...)
			default:
				step("n2", r.after...)
			}
			return out
		}
		want := run(listMonitor(Monitors()))
		require.Contains(t, want[len(want)-1], r.want, "%s: the list's verdict", r.name)
		require.Equal(t, want, run(MonitorSuite()), r.name)
	}
}

// A client's event (checkClient) is shown to acked-write-lost and stale
// reads, as the list shows it: a write acknowledged that no server
// executed, and a get that misses a put applied before it was invoked,
// are reported at the client's event.
func TestMonitorSuiteShowsAClientsNotes(t *testing.T) {
	put := kv.Request{Client: "c2", Seq: 1, Op: kv.Op{Kind: kv.Put, Key: "k1", Value: "a"}}
	get := kv.GetOp("k1")
	runs := []struct {
		name  string
		notes [][]protocols.Note // the client's events, after follower n1 applied the put
		want  string             // in the list's last verdict
	}{
		{"acknowledged, never executed", [][]protocols.Note{{kv.Completed{Client: "c1", Seq: 9, Op: put.Op, Server: "n1"}}}, "no server has executed it"},
		{"stale read", [][]protocols.Note{{kv.Invoked{Client: "c1", Seq: 1, Op: get}}, {kv.Completed{Client: "c1", Seq: 1, Op: get, Server: "n1"}}}, "stale"},
		{"fresh read", [][]protocols.Note{{kv.Invoked{Client: "c1", Seq: 1, Op: get}}, {kv.Completed{Client: "c1", Seq: 1, Op: get, Output: "a", Server: "n1"}}}, "<nil>"},
	}
	for _, r := range runs {
		run := func(m protocols.Monitor) []string {
			c := newFakeCluster()
			var out []string
			c.set("n1", follower, 1, 1, 1)
			out = append(out, fmt.Sprint(c.step(m, "n1", Applied{Index: 1, Term: 1, Req: put, Outcome: kv.Executed})))
			for _, notes := range r.notes {
				out = append(out, fmt.Sprint(c.step(m, "c1", notes...)))
			}
			return out
		}
		want := run(listMonitor(Monitors()))
		require.Contains(t, want[len(want)-1], r.want, "%s: the list's verdict", r.name)
		require.Equal(t, want, run(MonitorSuite()), r.name)
	}
}

// The suite takes its events by address (protocols.EventChecker), so a
// world whose only monitor it is hands it each event without a copy; its
// Check is CheckEvent on the copy Check is given.
func TestMonitorSuiteIsAnEventChecker(t *testing.T) {
	_, ok := MonitorSuite().(protocols.EventChecker)
	assert.True(t, ok)
}
