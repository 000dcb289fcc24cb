package primarybackup

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// schedule drives the view service, three replicas and two kv clients
// through a random schedule: deliveries in any order, late copies of any
// message in flight, drops, timer firings (the view service's ticks and
// the replicas' pings, so views change when pings are lost), crashes and
// restarts, with every monitor on. It stops at the first violation.
func schedule(d prototest.Draw, opts Options) *prototest.Harness {
	h := prototest.New(uint64(d("seed", 0, 1<<30)))
	servers := protocols.Servers(4)
	h.AddServers(New(opts), servers...)
	clients := protocols.Clients(2)
	h.AddClients(kv.NewClient(kv.ClientOptions{Keys: 2}), clients...)
	for _, m := range Monitors(MonitorOptions{Async: opts.Async, AckedWrites: !opts.Async}) {
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
			if timers := h.Timers(id); h.Node(id) != nil && len(timers) > 0 {
				h.Fire(id, timers[d("timer", 0, len(timers)-1)])
			}
		case a < 97:
			if id := servers[d("crash", 0, 3)]; h.Node(id) != nil {
				h.Crash(id)
			}
		default:
			if id := servers[d("restart", 0, 3)]; h.Node(id) == nil {
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

// Correct primary-backup, synchronous or not, never breaks a safety
// property it promises, whatever the schedule.
func TestRandomSchedulesAreSafe(t *testing.T) {
	for _, async := range []bool{false, true} {
		rapid.Check(t, func(t *rapid.T) {
			if err := schedule(prototest.RapidDraw(t), Options{Async: async}).Failure(); err != nil {
				t.Fatalf("violation on correct code (async=%v): %v", async, err)
			}
		})
	}
}

// The bug variants that break a rule on the common path are caught by a
// random schedule within a few hundred seeds. (any-live-primary needs a
// failover whose lowest live server is not the backup; the chaos sweep
// catches it.)
func TestRandomSchedulesCatchBugs(t *testing.T) {
	const maxSeeds = 500
	for _, bug := range []string{BugReplyBeforeAck, BugAckBeforeTransfer, BugStaleViewForward} {
		t.Run(bug, func(t *testing.T) {
			for seed := uint64(1); seed <= maxSeeds; seed++ {
				if err := schedule(prototest.SeededDraw(seed, 0x5eed), Options{Bug: bug}).Failure(); err != nil {
					t.Logf("seed %d: %v", seed, err)
					return
				}
			}
			t.Errorf("no violation in %d seeds", maxSeeds)
		})
	}
}
