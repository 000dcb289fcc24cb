package dynamo

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// schedule drives 3 to 5 servers and three kv clients on two keys through
// a random schedule: deliveries in any order, late copies of messages in
// flight, drops, timer firings, crashes and restarts, with every monitor
// on. It stops at the first violation.
func schedule(d prototest.Draw, opts Options) *prototest.Harness {
	n := d("servers", 3, 5)
	h := prototest.New(uint64(d("seed", 0, 1<<30)))
	servers := protocols.Servers(n)
	h.AddServers(New(opts, n), servers...)
	clients := protocols.Clients(3)
	h.AddClients(kv.NewClient(kv.ClientOptions{Keys: 2, Mix: kv.Mix{Get: 1, Put: 1}, RetrySame: true, GiveUpAfter: 3, Target: kv.TargetRandom}), clients...)
	for _, m := range Checks(opts, servers, opts.Strict, 0).Monitors {
		h.AddMonitor(m)
	}
	h.Start()
	all := append(append([]protocols.NodeID{}, servers...), clients...)
	for range d("steps", 100, 1500) {
		inflight := h.Inflight()
		switch a := d("action", 0, 99); {
		case a < 65 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Deliver(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 68 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Inject(e.From, e.To, e.Msg) // a copy now; the original stays in flight
		case a < 73 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Drop(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 96:
			id := all[d("node", 0, len(all)-1)]
			if timers := h.Timers(id); h.Node(id) != nil && len(timers) > 0 {
				h.Fire(id, timers[d("timer", 0, len(timers)-1)])
			}
		case a < 98:
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

// Correct Dynamo never breaks a safety property, whatever the schedule:
// sloppy (the default), and strict with R + W > N, where stale-read and
// lost-update are checked too.
func TestRandomSchedulesAreSafe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		opts := Options{Strict: rapid.Bool().Draw(t, "strict")}
		if err := schedule(prototest.RapidDraw(t), opts).Failure(); err != nil {
			t.Fatalf("violation on correct Dynamo: %v", err)
		}
	})
}

// The bug a monitor catches is caught by some random schedule within 500
// seeds (hints-never-delivered shows only at the end of a run, which the
// sweeps of dynamo/chaos judge).
func TestRandomSchedulesCatchEveryBug(t *testing.T) {
	for _, bug := range []protocols.Bug{Bugs[0]} {
		t.Run(bug.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= 500; seed++ {
				if err := schedule(prototest.SeededDraw(seed, 0xd1a), Options{Bug: bug.Name}).Failure(); err != nil {
					t.Logf("seed %d: %v", seed, err)
					return
				}
			}
			t.Errorf("no violation in 500 seeds")
		})
	}
}
