package raft

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// schedule drives 3 to 5 servers and two kv clients through a random
// schedule: deliveries (in order per link and message kind), late copies of
// any message in flight (so stale and duplicated messages arrive out of
// order), drops, timer firings, crashes and restarts, with every monitor
// on. It stops at the first violation.
func schedule(d prototest.Draw, opts Options) *prototest.Harness {
	return scheduleWith(d, opts, false)
}

// monitorsUnderTest is what the schedules check with: the list, or the
// suite the protocol's Build uses.
var monitorsUnderTest = Monitors

// featureOptions switches on every production feature whose safety does
// not rest on timing: these schedules fire timers in any order, which a
// lease (a bound on real time) cannot survive, so reads use ReadIndex.
func featureOptions(bug string) Options {
	return Options{Bug: bug, PreVote: true, CheckQuorum: true, Read: ReadIndex,
		SnapshotMin: 2, SnapshotMax: 6, SnapshotChunk: 8, Members: 3}
}

// scheduleWith is schedule; with admin on, operators' commands (drawn as
// the swarm's admin class draws them) reach random servers too.
func scheduleWith(d prototest.Draw, opts Options, admin bool) *prototest.Harness {
	n := d("servers", 3, 5)
	h := prototest.New(uint64(d("seed", 0, 1<<30)))
	servers := protocols.Servers(n)
	h.AddServers(New(opts), servers...)
	clients := protocols.Clients(2)
	h.AddClients(kv.NewClient(kv.ClientOptions{Keys: 2}), clients...)
	for _, m := range monitorsUnderTest() {
		h.AddMonitor(m)
	}
	h.Start()
	all := append(append([]protocols.NodeID{}, servers...), clients...)
	steps := d("steps", 100, 1500)
	for range steps {
		inflight := h.Inflight()
		switch a := d("action", 0, 99); {
		case a < 60 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Deliver(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 64 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Inject(e.From, e.To, e.Msg) // a copy now; the original stays in flight
		case a < 70 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Drop(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 93 || (a < 95 && !admin):
			fireOne(d, h, all)
		case a < 95:
			if id := servers[d("admin", 0, n-1)]; h.Node(id) != nil {
				h.Admin(id, Admin(drawRand{d}, servers)...)
			}
		case a < 97:
			if id := servers[d("crash", 0, n-1)]; h.Node(id) != nil {
				h.Crash(id)
			}
		default:
			if id := servers[d("restart", 0, n-1)]; h.Node(id) == nil {
				h.Restart(id)
			}
		}
		h.Output() // discard the trace
		if h.Failure() != nil {
			break
		}
	}
	return h
}

// drawRand draws Admin's choices from the schedule's draws.
type drawRand struct{ d prototest.Draw }

func (r drawRand) IntN(n int) int { return r.d("admin-choice", 0, n-1) }

// fireOne fires an armed timer of a random live node. An election timer,
// once picked, fires only one time in four, as in a real run where they
// rarely expire, so schedules get work done between elections.
func fireOne(d prototest.Draw, h *prototest.Harness, all []protocols.NodeID) {
	id := all[d("node", 0, len(all)-1)]
	timers := h.Timers(id)
	if h.Node(id) == nil || len(timers) == 0 {
		return
	}
	timer := timers[d("timer", 0, len(timers)-1)]
	if timer == timerElection && d("election", 0, 3) > 0 {
		return
	}
	h.Fire(id, timer)
}

// Correct Raft never breaks a safety property, whatever the schedule.
func TestRandomSchedulesAreSafe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := schedule(prototest.RapidDraw(t), Options{})
		if err := h.Failure(); err != nil {
			t.Fatalf("violation on correct Raft: %v", err)
		}
	})
}

// Correct Raft with PreVote, CheckQuorum, ReadIndex, snapshots and
// membership changes never breaks a safety property either.
func TestRandomSchedulesWithEveryFeatureAreSafe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := scheduleWith(prototest.RapidDraw(t), featureOptions(""), true)
		if err := h.Failure(); err != nil {
			t.Fatalf("violation on correct Raft: %v", err)
		}
	})
}

// Every bug variant is caught by some random schedule within a few hundred
// seeds: the monitors and the schedules are strong enough to matter. The
// bugs of the production features run with those features on. A lease
// rests on timing these schedules do not keep, so lease-without-check-quorum
// is left to the scenario sweeps (raft/chaos) and its script, as is
// snapshot-without-config, which needs membership churn these schedules
// rarely reach.
func TestRandomSchedulesCatchEveryBug(t *testing.T) {
	const maxSeeds = 500
	for _, bug := range Bugs {
		t.Run(bug.Name, func(t *testing.T) {
			opts, admin := Options{Bug: bug.Name}, false
			switch bug.Name {
			case BugLeaseWithoutCheckQuorum:
				t.Skip("leases rest on timing; raft/chaos catches it")
			case BugSnapshotWithoutConfig:
				t.Skip("needs configuration changes compacted into a snapshot that a lagging server installs; raft/chaos and its script catch it")
			case BugReadIndexBeforeNoop, BugSnapshotWithoutSessions, BugEarlyConfigChange:
				opts, admin = featureOptions(bug.Name), true
			}
			for seed := uint64(1); seed <= maxSeeds; seed++ {
				if err := scheduleWith(prototest.SeededDraw(seed, 0x5eed), opts, admin).Failure(); err != nil {
					t.Logf("seed %d: %v", seed, err)
					return
				}
			}
			t.Errorf("no violation in %d seeds", maxSeeds)
		})
	}
}

// The suite reports exactly what the list of monitors reports, at the same
// event, on the schedules that catch each bug and on correct Raft's.
func TestMonitorSuiteAgreesWithTheList(t *testing.T) {
	defer func() { monitorsUnderTest = Monitors }()
	suite := func() []protocols.Monitor { return []protocols.Monitor{MonitorSuite()} }
	failures := 0
	for _, bug := range append([]protocols.Bug{{}}, Bugs...) {
		opts := featureOptions(bug.Name)
		for seed := uint64(1); seed <= 40; seed++ {
			monitorsUnderTest = Monitors
			a := scheduleWith(prototest.SeededDraw(seed, 0x5eed), opts, true)
			monitorsUnderTest = suite
			b := scheduleWith(prototest.SeededDraw(seed, 0x5eed), opts, true)
			if a.Failure() != nil {
				failures++
			}
			require.Equal(t, fmt.Sprint(a.Failure()), fmt.Sprint(b.Failure()), "bug %q seed %d", bug.Name, seed)
			require.Equal(t, a.Output(), b.Output(), "bug %q seed %d", bug.Name, seed)
		}
	}
	t.Logf("%d of the schedules failed", failures)
	require.Greater(t, failures, 40, "the schedules must fail often enough for the comparison to mean something")
}

// listMonitor runs monitors in order, as the world runs Build's list.
type listMonitor []protocols.Monitor

func (l listMonitor) Check(c protocols.Cluster, ev protocols.Event) error {
	for _, m := range l {
		if err := m.Check(c, ev); err != nil {
			return err
		}
	}
	return nil
}

// The suite prunes leader-completeness's ghost at the same events the list
// does. It used to prune only on a leader's events, so a follower's
// snapshot moved the horizon, the leader's next quiet event (which the
// suite skips) pruned the list's ghost only, and a later election was
// judged against different ghosts. (Found in review; correct Raft cannot
// reach the mismatched snapshot this needs, so the state is built by hand.)
func TestMonitorSuitePrunesAsTheListDoes(t *testing.T) {
	run := func(m protocols.Monitor) []string {
		c := newFakeCluster()
		var out []string
		step := func(id protocols.NodeID, notes ...protocols.Note) {
			out = append(out, fmt.Sprint(c.step(m, id, notes...)))
		}
		terms := make([]uint64, 0, 1200)
		for range 1100 {
			terms = append(terms, 1)
		}
		c.set("n1", leader, 1, 1100, terms...)
		step("n1", BecameLeader{Term: 1})
		c.set("n1", follower, 3, 1100, terms...)
		step("n1")
		for range 100 {
			terms = append(terms, 3)
		}
		c.set("n4", leader, 3, 1200, terms...)
		step("n4", BecameLeader{Term: 3})
		step("n4", SnapshotTaken{Index: 1150, Term: 3})
		c.set("n3", follower, 1, 0)
		for _, id := range []protocols.NodeID{"n1", "n2", "n5", "n3"} {
			step(id, SnapshotTaken{Index: 1150, Term: 3})
		}
		step("n4") // quiet: the suite skips it
		n3 := c.set("n3", leader, 2, 0)
		n3.log.restore(1150, 3, 12345, Config{})
		step("n3", BecameLeader{Term: 2})
		return out
	}
	require.Equal(t, run(listMonitor(Monitors())), run(MonitorSuite()))
}
