package shardkv

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// schedule drives a small deployment (a controller of one server, three
// groups of one or three, four shards, two routed kv clients) through a
// random schedule: deliveries, late copies, drops, timer firings, crashes,
// restarts and operators' joins and leaves, with every monitor on. It stops
// at the first violation.
func schedule(d prototest.Draw, bug string) *prototest.Harness {
	size := []int{1, 3}[d("group-size", 0, 1)]
	o := Options{Controllers: 1, GroupSize: size, InitialGroups: 2, Shards: 4, Bug: bug}
	servers := protocols.Servers(1 + 3*size)
	h := prototest.New(uint64(d("seed", 0, 1<<30)))
	h.AddServers(New(o, servers), servers...)
	layout := NewLayout(servers, o)
	h.AddClients(kv.NewClient(kv.ClientOptions{Keys: 4, Router: newRouter(o.withDefaults(), layout)}), protocols.Clients(2)...)
	checks := perGroup(layout, 0)
	for _, m := range checks.Monitors {
		h.AddMonitor(m)
	}
	h.AddMonitor(newGhost(layout, o))
	h.Start()
	all := append(slices.Clone(servers), protocols.Clients(2)...)
	for range d("steps", 200, 1500) {
		inflight := h.Inflight()
		switch a := d("action", 0, 99); {
		case a < 60 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Deliver(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 63 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Inject(e.From, e.To, e.Msg)
		case a < 68 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Drop(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 94:
			id := all[d("node", 0, len(all)-1)]
			if timers := h.Timers(id); h.Node(id) != nil && len(timers) > 0 {
				timer := timers[d("timer", 0, len(timers)-1)]
				if timer != "election" || d("election", 0, 3) == 0 {
					h.Fire(id, timer)
				}
			}
		case a < 96:
			if h.Node("n1") != nil {
				h.Admin("n1", []string{"join", "leave"}[d("admin", 0, 1)], strconv.Itoa(d("gid", 1, 3)))
			}
		case a < 98:
			if id := servers[d("crash", 0, len(servers)-1)]; h.Node(id) != nil {
				h.Crash(id)
			}
		default:
			if id := servers[d("restart", 0, len(servers)-1)]; h.Node(id) == nil {
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

// Correct shardkv never breaks a safety property, whatever the schedule.
func TestRandomSchedulesAreSafe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		if err := schedule(prototest.RapidDraw(t), "").Failure(); err != nil {
			t.Fatalf("violation on correct shardkv: %v", err)
		}
	})
}

// Every bug variant is caught by some random schedule within a few hundred
// seeds.
func TestRandomSchedulesCatchEveryBug(t *testing.T) {
	const maxSeeds = 300
	for _, bug := range Bugs {
		t.Run(bug.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= maxSeeds; seed++ {
				if err := schedule(prototest.SeededDraw(seed, 0x5eed), bug.Name).Failure(); err != nil {
					t.Logf("seed %d: %v", seed, strings.SplitN(err.Error(), "\n", 2)[0])
					return
				}
			}
			t.Errorf("no violation in %d seeds", maxSeeds)
		})
	}
}
