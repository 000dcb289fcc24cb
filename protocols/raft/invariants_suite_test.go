package raft

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
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

// ghostOf renders a monitor's ghost, but for what it points to (its
// numbering of clients, which monitors share and cache, the horizon).
func ghostOf(m protocols.Monitor) string {
	return regexp.MustCompile(`0x[0-9a-f]+`).ReplaceAllString(fmt.Sprintf("%+v", m), "p")
}

// byzCluster is a fakeCluster with a byzantine node (none: "").
type byzCluster struct {
	*fakeCluster
	byz protocols.NodeID
}

func (c byzCluster) Byzantine(id protocols.NodeID) bool { return id == c.byz }

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

// byzSetCluster is a fakeCluster whose byzantine servers are those in
// *byz, which a test grows as a run goes (a server made byzantine stays so).
type byzSetCluster struct {
	*fakeCluster
	byz *[]protocols.NodeID
	now clock.Time
}

func (c byzSetCluster) Byzantine(id protocols.NodeID) bool { return slices.Contains(*c.byz, id) }
func (c byzSetCluster) Now() clock.Time                    { return c.now }

// byzantineNode stands for a byzantine server's wrapper: an event's Self
// that is not a *node, as the world hands the monitors.
type byzantineNode struct{ protocols.Node }

// The suite keeps convergence's applied positions itself and shows it
// only the positions that push a mark (converge, followed): convergence
// ends as the list's, shown every event, does, at any end, on streams
// where servers apply one log in order, some events at a time, restart,
// install snapshots, and are made byzantine as the run goes (their events'
// Self then a wrapper, as the world's, so the suite numbers them by name).
func TestMonitorSuiteKeepsConvergenceAsTheListDoes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		const lag = 10
		entries := rapid.IntRange(1, 30).Draw(t, "entries")
		var byz []protocols.NodeID
		c := byzSetCluster{newFakeCluster(), &byz, 0}
		listConv, suiteConv := protocols.Convergence(lag), protocols.Convergence(lag)
		list := listMonitor(append(Monitors(), listConv.Monitors...))
		s := monitorSuiteWith(suiteConv.Monitors[0])
		servers := []protocols.NodeID{"n1", "n2", "n3"}
		next := make([]int, len(servers)) // by server: how much of the log it applied
		for _, id := range servers {
			c.set(id, follower, 1, 0)
		}
		for step := range rapid.IntRange(1, 80).Draw(t, "steps") {
			c.now += clock.Time(rapid.IntRange(0, 6).Draw(t, fmt.Sprint("dt ", step)))
			k := rapid.IntRange(0, len(servers)-1).Draw(t, fmt.Sprint("server ", step))
			id, in := servers[k], protocols.Receive
			var notes []protocols.Note
			switch what := rapid.IntRange(0, 9).Draw(t, fmt.Sprint("what ", step)); {
			case what < 6:
				for range rapid.IntRange(1, 3).Draw(t, fmt.Sprint("count ", step)) {
					if next[k] < entries {
						next[k]++
						notes = append(notes, Applied{Index: next[k], Term: 1, Outcome: kv.Executed})
					}
				}
			case what < 7:
				in, next[k] = protocols.Start, 0
				c.set(id, follower, 1, 0)
				if rapid.Bool().Draw(t, fmt.Sprint("replays ", step)) {
					next[k]++
					notes = append(notes, Applied{Index: 1, Term: 1, Outcome: kv.Executed})
				}
			case what < 8:
				if r := min(slices.Max(next)+rapid.IntRange(0, 2).Draw(t, fmt.Sprint("past ", step)), entries); r >= next[k] {
					next[k] = r
					notes = append(notes, Restored{Index: r, Term: 1})
				}
			case what < 9:
				if !slices.Contains(byz, id) {
					byz = append(byz, id)
				}
				continue
			}
			ev := protocols.Event{Seq: uint64(step + 1), Time: c.now, Node: id, Input: in, Notes: notes}
			if slices.Contains(byz, id) {
				ev.Self = byzantineNode{c.Node(id)}
			}
			want, got := fmt.Sprint(list.Check(c, ev)), fmt.Sprint(s.Check(c, ev))
			require.Equal(t, want, got, "step %d (%s %v)", step, id, notes)
			if want != "<nil>" {
				return
			}
			for back := clock.Time(0); back <= 2*lag; back++ {
				end := byzSetCluster{c.fakeCluster, &byz, c.now + back}
				require.Equal(t, fmt.Sprint(listConv.Final[0](end)), fmt.Sprint(suiteConv.Final[0](end)), "step %d, end %v", step, end.now)
			}
		}
	})
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

// An entry ackedWriteLost.repeats passes over is one apply acts on not:
// it fails not and leaves the monitor as it was, in whatever state
// streams of applied entries, acknowledgements and pruning left it.
func TestAckedWriteLostRepeatsActsOnNothing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := &horizon{snaps: map[protocols.NodeID]int{}}
		m := newAckedWriteLost(h, &kv.ClientNumbers{})
		m.limit = rapid.IntRange(1, 8).Draw(t, "limit") // prune at once
		for step := range rapid.IntRange(1, 80).Draw(t, "steps") {
			client := protocols.NodeID(fmt.Sprint("c", rapid.IntRange(1, 2).Draw(t, "client")))
			seq := rapid.SampledFrom([]uint64{1, 2, 3, 1500, 3000}).Draw(t, "seq")
			a := &Applied{Index: rapid.IntRange(1, 12).Draw(t, "index"), Term: 1,
				Outcome: rapid.SampledFrom([]kv.Outcome{kv.Executed, kv.Duplicate}).Draw(t, "outcome")}
			if rapid.IntRange(0, 5).Draw(t, "no-op") > 0 {
				a.Req = kv.Request{Client: client, Seq: seq, Op: kv.PutOp("k", "v")}
			}
			switch rapid.IntRange(0, 3).Draw(t, "what") {
			case 0:
				_ = m.completed(kv.Completed{Client: client, Seq: seq, Op: kv.PutOp("k", "v"), Server: "n1"})
			case 1:
				h.floor = rapid.IntRange(0, 12).Draw(t, "floor")
			default:
				k := kv.KeyOf(m.clients, a)
				if !m.repeats(a, k) {
					_ = m.apply("n1", a, k)
					continue
				}
				before := fmt.Sprintf("%+v", *m)
				if err := m.apply("n1", a, k); err != nil {
					t.Fatalf("step %d: apply failed on an entry repeats passes over: %v", step, err)
				}
				if after := fmt.Sprintf("%+v", *m); after != before {
					t.Fatalf("step %d: an entry repeats passes over changed it:\n%s\n%s", step, before, after)
				}
			}
		}
	})
}

// The suite shows acked-write-lost, exactly-once and stale reads only the
// entries from the first one of them acts on (applyEntries), and asks of
// an entry the ghost knows only what its knowing leaves open: it agrees
// with the list, event by event, on streams where servers apply one log
// with outcomes that differ from server to server, start over after
// restarts, install snapshots, apply entries of their own, and clients
// complete writes and invoke reads; and an entry it knows is one that both monitors hold as it
// says, through their pruning.
func TestMonitorSuitePassesOverRepeatedEntriesAsTheListDoes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var log []kv.Request // the one log the servers apply; zero: a no-op
		retry := []bool{}    // by entry: a request appended again, which servers find a duplicate
		seqs := map[protocols.NodeID]uint64{}
		for i := range rapid.IntRange(1, 40).Draw(t, "entries") {
			var r kv.Request
			// (rapid draws small numbers most: the rare cases are the large)
			switch what := rapid.IntRange(0, 7).Draw(t, fmt.Sprint("entry ", i)); {
			case what == 7:
			case what == 6 && len(log) > 0:
				r = log[rapid.IntRange(0, len(log)-1).Draw(t, fmt.Sprint("retried ", i))]
			default:
				client := protocols.NodeID(fmt.Sprint("c", rapid.IntRange(1, 2).Draw(t, fmt.Sprint("client ", i))))
				seqs[client] += rapid.SampledFrom([]uint64{1, 1, 1, 1500}).Draw(t, fmt.Sprint("seq ", i)) // jumps let pruning forget
				op := kv.PutOp("k", fmt.Sprint("v", i))
				if rapid.IntRange(0, 3).Draw(t, fmt.Sprint("get ", i)) == 0 {
					op = kv.GetOp("k")
				}
				r = kv.Request{Client: client, Seq: seqs[client], Op: op}
			}
			log = append(log, r)
			retry = append(retry, r.Client != "" && r.Seq != seqs[r.Client] || slices.Contains(log[:len(log)-1], r))
		}
		c := byzCluster{newFakeCluster(), protocols.NodeID(rapid.SampledFrom([]string{"", "n3"}).Draw(t, "byzantine"))}
		list, s := listMonitor(Monitors()), MonitorSuite().(*suite)
		list[10].(*ackedWriteLost).limit, s.awl.limit = 2, 2 // prune early
		servers := []protocols.NodeID{"n1", "n2", "n3"}
		next := make([]int, len(servers)) // by server: how much of the log it applied
		for _, id := range servers {
			c.set(id, follower, 1, 0)
		}
		for step := range rapid.IntRange(1, 100).Draw(t, "steps") {
			var id protocols.NodeID
			var notes []protocols.Note
			in := protocols.Receive
			switch what := rapid.IntRange(0, 10).Draw(t, fmt.Sprint("what ", step)); {
			case what < 6:
				k := rapid.IntRange(0, len(servers)-1).Draw(t, fmt.Sprint("server ", step))
				id = servers[k]
				for range rapid.IntRange(1, 3).Draw(t, fmt.Sprint("count ", step)) {
					if next[k] == len(log) {
						break
					}
					r, o := log[next[k]], kv.Executed
					if retry[next[k]] {
						o = kv.Duplicate
					}
					switch rapid.IntRange(0, 29).Draw(t, fmt.Sprint("odd ", step)) {
					case 29:
						r = kv.Request{Client: "c1", Seq: 2, Op: kv.PutOp("k", "mine")} // an entry of its own
					case 27, 28:
						o = kv.Executed + kv.Duplicate - o // an outcome that differs
					}
					next[k]++
					notes = append(notes, Applied{Index: next[k], Term: 1, Req: r, Outcome: o})
				}
			case what < 7:
				k := rapid.IntRange(0, len(servers)-1).Draw(t, fmt.Sprint("restart ", step))
				id, in, next[k] = servers[k], protocols.Start, 0
				c.set(id, follower, 1, 0)
			case what < 8: // a server installs a snapshot, of what others applied or past it
				k := rapid.IntRange(0, len(servers)-1).Draw(t, fmt.Sprint("restore ", step))
				if r := min(slices.Max(next)+rapid.IntRange(0, 2).Draw(t, fmt.Sprint("past ", step)), len(log)); r > next[k] {
					id, next[k] = servers[k], r
					notes = append(notes, Restored{Index: r, Term: 1})
				}
			default: // a client completes a write some server applied, or invokes a get
				if slices.Max(next) == 0 {
					continue
				}
				r := log[rapid.IntRange(0, slices.Max(next)-1).Draw(t, fmt.Sprint("completed ", step))]
				if r.Client == "" {
					continue
				}
				id = r.Client
				if r.Op.Kind == kv.Get {
					notes = append(notes, kv.Invoked{Client: r.Client, Seq: r.Seq, Op: r.Op})
				} else {
					notes = append(notes, kv.Completed{Client: r.Client, Seq: r.Seq, Op: r.Op, Server: "n1"})
				}
			}
			check := func(m protocols.Monitor) string {
				c.seq++
				return fmt.Sprint(m.Check(c, protocols.Event{Seq: c.seq, Node: id, Input: in, Notes: notes}))
			}
			want, got := check(list), check(s)
			if got != want {
				t.Fatalf("step %d (%s %v): the suite says %s, the list %s", step, id, notes, got, want)
			}
			if want != "<nil>" {
				return
			}
			for _, part := range []int{10, 12, 13} { // acked-write-lost, exactly-once, stale reads
				if ghostOf(s.Parts()[part]) != ghostOf(list[part]) {
					t.Fatalf("step %d (%s %v): the suite left part %d unlike the list", step, id, notes, part)
				}
			}
			for x := s.sms.abase + 1; x <= s.sms.top(); x++ {
				if g := s.sms.entryAt(x); g.known == s.stamp() {
					k := kv.RequestKey{Client: g.client, Seq: g.note.Req.Seq}
					_, executed := s.awl.executed.Get(k)
					at, held := s.follow.ExecutedAt(k)
					if g.note.Req.Client == "" || !executed || !held || at != x {
						t.Fatalf("step %d: the entry at %d is known, but acked-write-lost holds it %v, exactly-once at %d %v", step, x, executed, at, held)
					}
				}
			}
		}
	})
}

// The edges of what the suite asks of an entry the ghost knows, scripted:
// an acknowledged write executed, past the ghost's end, where another
// request later lies (acked-write-lost must still look at the index); an
// entry a byzantine server's applying put ahead of stale reads, which
// stale reads must still take as its next; and a request exactly-once
// forgot while acked-write-lost did not, which it must take again. The
// suite reports what the list reports, event by event, and leaves the
// three monitors as the list does.
func TestMonitorSuiteAsksOfKnownEntriesWhatIsLeft(t *testing.T) {
	put := func(client protocols.NodeID, seq uint64, v string) kv.Request {
		return kv.Request{Client: client, Seq: seq, Op: kv.PutOp("k", v)}
	}
	at := func(x int, r kv.Request) Applied { return Applied{Index: x, Term: 1, Req: r, Outcome: kv.Executed} }
	type event struct {
		id    protocols.NodeID
		notes []protocols.Note
	}
	noop := func(x int) Applied { return Applied{Index: x, Term: 1, Outcome: kv.Executed} }
	w, k := put("c2", 1, "w"), put("c1", 1, "k")
	var many, some []protocols.Note // c3's requests 1..9000, and the first 100 of them
	for i := 1; i <= 9000; i++ {
		many = append(many, at(i, put("c3", uint64(i), "x")))
	}
	some = many[:100]
	runs := []struct {
		name   string
		events []event
		want   string // in the list's last verdict
	}{
		{"acknowledged where another request lies", []event{
			{"n1", []protocols.Note{Restored{Index: 2, Term: 1}, at(3, w)}}, // past the ghost's end
			{"n2", []protocols.Note{noop(1), noop(2), at(3, k)}},            // makes the ghost's entry at 3
			{"n2", []protocols.Note{noop(4)}},                               // the suite learns that 3 is known
			{"c2", []protocols.Note{kv.Completed{Client: "c2", Seq: 1, Op: w.Op, Server: "n1"}}},
			{"n3", []protocols.Note{noop(1), noop(2), at(3, k)}},
		}, "acknowledged write c2#1"},
		{"next for stale reads", []event{
			{"n4", []protocols.Note{noop(1), noop(2)}}, // byzantine: stale reads stays at 0
			{"n1", []protocols.Note{Restored{Index: 2, Term: 1}}},
			{"n1", []protocols.Note{at(3, k)}},
			{"n1", []protocols.Note{noop(4)}}, // the suite learns that 3 is known
			{"n2", []protocols.Note{noop(1), noop(2)}},
			{"n2", []protocols.Note{at(3, k)}}, // known, and next for stale reads
			{"c9", []protocols.Note{kv.Invoked{Client: "c9", Seq: 1, Op: kv.GetOp("k")}}},
			{"c9", []protocols.Note{kv.Completed{Client: "c9", Seq: 1, Op: kv.GetOp("k"), Output: "k", Server: "n2"}}},
		}, "<nil>"},
		{"forgotten by exactly-once", []event{
			{"n1", some},
			{"n1", many[100:]}, // exactly-once forgets the first
			{"n2", some},       // and takes them again
		}, "<nil>"},
	}
	for _, r := range runs {
		run := func(m protocols.Monitor, parts []protocols.Monitor) []string {
			c := byzCluster{newFakeCluster(), "n4"}
			for _, id := range []protocols.NodeID{"n1", "n2", "n3", "n4"} {
				c.set(id, follower, 1, 0)
			}
			parts[10].(*ackedWriteLost).limit = 1 << 30 // exactly-once alone prunes
			var out []string
			for _, e := range r.events {
				c.seq++
				out = append(out, fmt.Sprint(m.Check(c, protocols.Event{Seq: c.seq, Node: e.id, Input: protocols.Receive, Notes: e.notes})))
				for _, part := range []int{10, 12, 13} {
					out = append(out, ghostOf(parts[part]))
				}
			}
			return out
		}
		list := listMonitor(Monitors())
		want := run(list, list)
		require.Contains(t, want[len(want)-4], r.want, "%s: the list's verdict", r.name)
		s := MonitorSuite()
		got := run(s, s.(protocols.Composite).Parts())
		for i := range want {
			require.Equal(t, want[i], got[i], "%s: event %d, %s", r.name, i/4, []string{"verdict", "acked-write-lost", "exactly-once", "stale reads"}[i%4])
		}
	}
}
