package multi

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// schedule drives 3 to 5 servers and two kv clients through a random
// schedule: deliveries, late copies of messages in flight (duplicated and
// reordered), drops, timer firings, crashes and restarts, with every
// monitor on. It stops at the first violation.
func schedule(d prototest.Draw, opts Options) *prototest.Harness {
	n := d("servers", 3, 5)
	h := prototest.New(uint64(d("seed", 0, 1<<30)))
	servers := protocols.Servers(n)
	h.AddServers(New(n, opts), servers...)
	clients := protocols.Clients(2)
	h.AddClients(kv.NewClient(kv.ClientOptions{Keys: 2}), clients...)
	for _, m := range Monitors(servers, opts.Quorums) {
		h.AddMonitor(m)
	}
	h.Start()
	all := append(append([]protocols.NodeID{}, servers...), clients...)
	for range d("steps", 100, 1500) {
		inflight := h.Inflight()
		switch a := d("action", 0, 99); {
		case a < 60 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Deliver(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 64 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Inject(e.From, e.To, e.Msg)
		case a < 70 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Drop(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 95:
			fireOne(d, h, all)
		case a < 97:
			if id := servers[d("crash", 0, n-1)]; h.Node(id) != nil {
				h.Crash(id)
			}
		default:
			if id := servers[d("restart", 0, n-1)]; h.Node(id) == nil {
				h.Restart(id)
			}
		}
		h.Output()
		if h.Failure() != nil {
			break
		}
	}
	return h
}

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

// Correct Multi-Paxos never breaks a safety property, whatever the schedule.
func TestRandomSchedulesAreSafe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		if err := schedule(prototest.RapidDraw(t), Options{}).Failure(); err != nil {
			t.Fatalf("violation on correct Multi-Paxos: %v", err)
		}
	})
}

// Every bug variant is caught by some random schedule within a few hundred
// seeds.
func TestRandomSchedulesCatchEveryBug(t *testing.T) {
	const maxSeeds = 500
	for _, bug := range Bugs {
		t.Run(bug.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= maxSeeds; seed++ {
				if err := schedule(prototest.SeededDraw(seed, 0x5eed), Options{Bug: bug.Name}).Failure(); err != nil {
					t.Logf("seed %d: %v", seed, err)
					return
				}
			}
			t.Errorf("no violation in %d seeds", maxSeeds)
		})
	}
}
