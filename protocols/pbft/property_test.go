package pbft

import (
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/byzantine"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// everyStrategy is PBFT's strategies and the generic ones.
var everyStrategy = slices.Concat(Strategies, byzantine.Generic)

// schedule drives four replicas (or seven) and two PBFT clients through a
// random schedule: up to f replicas made byzantine with a drawn strategy,
// deliveries, late copies of messages in flight (duplicated, reordered,
// replayed), drops, timer firings, crashes and restarts of the others,
// with every monitor on. It stops at the first violation.
func schedule(d prototest.Draw, opts Options, force string) *prototest.Harness {
	n := 4
	if d("seven", 0, 3) == 0 {
		n = 7
	}
	opts.CheckpointInterval = []int{2, 4, 16}[d("checkpoint", 0, 2)]
	h := prototest.New(uint64(d("seed", 0, 1<<30)))
	servers := protocols.Servers(n)
	h.AddServers(New(opts), servers...)
	clients := protocols.Clients(2)
	b, _ := parseBug(opts.Bug)
	h.AddClients(NewClient(kv.ClientOptions{Keys: 2}, b.trustFirstReply), clients...)
	for _, m := range Monitors() {
		h.AddMonitor(m)
	}
	f := (n - 1) / 3
	var faulty []protocols.NodeID
	for range d("byzantine", 0, f) {
		id := servers[d("who", 0, n-1)]
		if slices.Contains(faulty, id) {
			continue
		}
		faulty = append(faulty, id)
		name := everyStrategy[d("strategy", 0, len(everyStrategy)-1)].Name
		if force != "" {
			name = force
		}
		wrap, err := byzantine.Lookup(Strategies, name, nil)
		if err != nil {
			panic(err)
		}
		h.MakeByzantine(id, wrap)
	}
	h.Start()
	all := slices.Concat(servers, clients)
	steps := d("steps", 100, 2000)
	for range steps {
		inflight := h.Inflight()
		switch a := d("action", 0, 99); {
		case a < 70 && len(inflight) > 0:
			e := inflight[d("msg", 0, min(len(inflight)-1, 8))] // mostly in order, a little reordering
			h.Deliver(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 73 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Inject(e.From, e.To, e.Msg) // a copy now; the original stays in flight
		case a < 78 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Drop(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 97:
			fireOne(d, h, all)
		case a < 98:
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

// fireOne fires an armed timer of a random live node. A replica's request
// and view-change timers, once picked, fire only one time in four, as in a
// real run where they rarely expire, so schedules get work done between
// view changes.
func fireOne(d prototest.Draw, h *prototest.Harness, all []protocols.NodeID) {
	id := all[d("node", 0, len(all)-1)]
	timers := h.Timers(id)
	if h.Node(id) == nil || len(timers) == 0 {
		return
	}
	timer := timers[d("timer", 0, len(timers)-1)]
	if (timer == timerRequest || timer == timerViewChange) && d("suspect", 0, 3) > 0 {
		return
	}
	h.Fire(id, timer)
}

// Correct PBFT with at most f byzantine replicas never breaks a safety
// property, whatever the schedule.
func TestRandomSchedulesAreSafe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := schedule(prototest.RapidDraw(t), Options{}, "")
		if err := h.Failure(); err != nil {
			t.Fatalf("violation on correct PBFT: %v", err)
		}
	})
}

// Every bug variant is caught by some random schedule within a few hundred
// seeds, given the strategy that exploits it (amnesia needs none).
func TestRandomSchedulesCatchEveryBug(t *testing.T) {
	const maxSeeds = 500
	exploit := map[string]string{
		BugAcceptConflictingPrePrepare: StrategyEquivocate,
		BugDuplicateSigners:            StrategyForgeCertificate,
		BugUnverifiedCertificates:      StrategyForgeCertificate,
		BugTrustFirstReply:             StrategyLieToClients,
	}
	for _, bug := range Bugs {
		t.Run(bug.Name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= maxSeeds; seed++ {
				if err := schedule(prototest.SeededDraw(seed, 0x5eed), Options{Bug: bug.Name}, exploit[bug.Name]).Failure(); err != nil {
					t.Logf("seed %d: %v", seed, err)
					return
				}
			}
			t.Errorf("no violation in %d seeds", maxSeeds)
		})
	}
}
