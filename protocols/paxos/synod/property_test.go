package synod

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// schedule drives 3 to 5 servers, two or three of them proposers, through
// a random schedule: deliveries, late copies of messages in flight
// (duplicated and reordered), drops, timer firings, crashes and restarts,
// with every monitor on. It stops at the first violation.
func schedule(d prototest.Draw, bug string) *prototest.Harness {
	n := d("servers", 3, 5)
	servers := protocols.Servers(n)
	opts := Options{Proposers: servers[:d("proposers", 2, 3)], Bug: bug}
	h := prototest.New(uint64(d("seed", 0, 1<<30)))
	h.AddServers(New(servers, opts), servers...)
	for _, m := range Monitors(servers, opts) {
		h.AddMonitor(m)
	}
	h.Start()
	for range d("steps", 50, 600) {
		inflight := h.Inflight()
		switch a := d("action", 0, 99); {
		case a < 55 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Deliver(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 62 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Inject(e.From, e.To, e.Msg) // a copy now; the original stays in flight
		case a < 72 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Drop(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 94:
			id := servers[d("node", 0, n-1)]
			if timers := h.Timers(id); h.Node(id) != nil && len(timers) > 0 {
				h.Fire(id, timers[d("timer", 0, len(timers)-1)])
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

// Correct Paxos never breaks a safety property, whatever the schedule.
func TestRandomSchedulesAreSafe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		if err := schedule(prototest.RapidDraw(t), "").Failure(); err != nil {
			t.Fatalf("violation on correct Paxos: %v", err)
		}
	})
}

// Every bug variant is caught by some random schedule within a few hundred
// seeds: the monitors and the schedules are strong enough to matter.
func TestRandomSchedulesCatchEveryBug(t *testing.T) {
	const maxSeeds = 500
	for _, bug := range Bugs {
		t.Run(bug.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= maxSeeds; seed++ {
				if err := schedule(prototest.SeededDraw(seed, 0x5eed), bug.Name).Failure(); err != nil {
					t.Logf("seed %d: %v", seed, err)
					return
				}
			}
			t.Errorf("no violation in %d seeds", maxSeeds)
		})
	}
}
