package chain

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// schedule drives the master, four chain servers and two kv clients
// through a random schedule: deliveries in any order, late copies of any
// message in flight, drops, timer firings (pings, the master's ticks, lease
// timers, retries), crashes and restarts, with every monitor on. It stops
// at the first violation.
//
// Timers fire here in any order, which no clock allows, and reads are safe
// only because a lease lapses before the master's timeout does: so the
// clients only write, and the update path (propagation, Sent lists,
// commits, durability) is what these schedules judge. Reads are judged by
// the simulator's sweeps, where time is time.
func schedule(d prototest.Draw, opts Options) *prototest.Harness {
	h := prototest.New(uint64(d("seed", 0, 1<<30)))
	servers := protocols.Servers(5)
	h.AddServers(New(opts), servers...)
	clients := protocols.Clients(2)
	h.AddClients(kv.NewClient(kv.ClientOptions{Keys: 2, Mix: kv.Mix{Put: 1, Append: 1}, SplitReads: true}), clients...)
	ms, _ := Monitors(opts.CRAQ, clock.Second)
	for _, m := range ms {
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
			h.Inject(e.From, e.To, e.Msg) // a copy now; the original stays in flight
		case a < 70 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Drop(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 95:
			id := all[d("node", 0, len(all)-1)]
			timers := h.Timers(id)
			if h.Node(id) == nil || len(timers) == 0 {
				break
			}
			h.Fire(id, timers[d("timer", 0, len(timers)-1)])
		case a < 97:
			if id := servers[d("crash", 1, 4)]; h.Node(id) != nil {
				h.Crash(id)
			}
		default:
			if id := servers[d("restart", 1, 4)]; h.Node(id) == nil {
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

// Correct chain replication and CRAQ never break a safety property of the
// update path, whatever the schedule.
func TestRandomSchedulesAreSafe(t *testing.T) {
	for _, craq := range []bool{false, true} {
		rapid.Check(t, func(t *rapid.T) {
			if err := schedule(prototest.RapidDraw(t), Options{CRAQ: craq}).Failure(); err != nil {
				t.Fatalf("violation on correct code (craq=%v): %v", craq, err)
			}
		})
	}
}

// forget-sent breaks the update path; random schedules find it.
func TestRandomSchedulesCatchForgetSent(t *testing.T) {
	const maxSeeds = 500
	for seed := uint64(1); seed <= maxSeeds; seed++ {
		if err := schedule(prototest.SeededDraw(seed, 0x5eed), Options{Bug: BugForgetSent}).Failure(); err != nil {
			t.Logf("seed %d: %v", seed, err)
			return
		}
	}
	t.Errorf("no violation in %d seeds", maxSeeds)
}
