package mapreduce

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// world is one randomly drawn MapReduce world in the script harness.
type world struct {
	h       *prototest.Harness
	o       Options
	check   *Checker
	servers []protocols.NodeID
}

// newWorld draws a small world: 4 or 5 servers (coordinator n1, store
// last), one or two jobs of one to three splits, backups on or off.
func newWorld(d prototest.Draw, bug string) *world {
	n := d("servers", 4, 5)
	servers := protocols.Servers(n)
	o := Options{
		Coordinator: servers[0], Store: servers[n-1],
		Jobs: d("jobs", 1, 2), Job: JobMixed, Splits: d("splits", 1, 3), Reduces: d("reduces", 1, 2),
		Lines: 2, Chunk: d("chunk", 2, 5), Backup: d("backup", 0, 1) == 1, Bug: bug,
	}
	w := &world{h: prototest.New(uint64(d("seed", 0, 1<<30))), o: o.withDefaults(), check: NewChecker(o), servers: servers}
	w.h.AddServers(New(o), servers...)
	w.h.AddMonitor(w.check)
	w.h.Start()
	return w
}

// chaos drives the world through a random schedule: deliveries in any
// order, late copies of messages in flight (duplicates and stale
// requests), drops, timer firings, time passing (so attempts go silent),
// crashes and restarts of any server. It stops at the first violation.
func (w *world) chaos(d prototest.Draw, steps int) error {
	h := w.h
	for range steps {
		inflight := h.Inflight()
		switch a := d("action", 0, 99); {
		case a < 55 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Deliver(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 60 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Inject(e.From, e.To, e.Msg) // a copy now; the original stays in flight
		case a < 65 && len(inflight) > 0:
			e := inflight[d("msg", 0, len(inflight)-1)]
			h.Drop(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
		case a < 90:
			id := w.servers[d("node", 0, len(w.servers)-1)]
			if timers := h.Timers(id); h.Node(id) != nil && len(timers) > 0 {
				h.Fire(id, timers[d("timer", 0, len(timers)-1)])
			}
		case a < 95:
			h.Advance(clock.Duration(d("advance", 1, 400)) * clock.Millisecond)
		case a < 98:
			if id := w.servers[d("crash", 0, len(w.servers)-1)]; h.Node(id) != nil {
				h.Crash(id)
			}
		default:
			if id := w.servers[d("restart", 0, len(w.servers)-1)]; h.Node(id) == nil {
				h.Restart(id)
			}
		}
		h.Output() // discard the trace
		if err := h.Failure(); err != nil {
			return err
		}
	}
	return nil
}

// heal restarts every server, then delivers everything and fires every
// timer, round after round, until every job is done; then it runs the
// end-of-run checks.
func (w *world) heal(rounds int) error {
	h := w.h
	for _, id := range w.servers {
		if h.Node(id) == nil {
			h.Restart(id)
		}
	}
	for range rounds {
		h.Stabilize(100_000)
		if c, _ := h.Node(w.o.Coordinator).(*coordinator); c.finished() {
			break
		}
		for _, id := range w.servers {
			for _, t := range h.Timers(id) {
				h.Fire(id, t)
			}
		}
		h.Output()
		if err := h.Failure(); err != nil {
			return err
		}
	}
	h.Output()
	if err := h.Failure(); err != nil {
		return err
	}
	for _, check := range w.check.Checks().Final {
		if err := check(h); err != nil {
			return err
		}
	}
	return nil
}

// TestSafetyUnderRandomSchedules: correct code breaks no safety property
// under any mix of delivery order, loss, duplication, stale messages, timer
// firings, time jumps, crashes and restarts of the coordinator, the
// workers and the store; and once healed, every job completes with output
// equal to the sequential result.
func TestSafetyUnderRandomSchedules(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d := prototest.RapidDraw(rt)
		w := newWorld(d, "")
		if err := w.chaos(d, d("steps", 50, 600)); err != nil {
			rt.Fatalf("chaos: %v", err)
		}
		if err := w.heal(300); err != nil {
			rt.Fatalf("heal: %v", err)
		}
	})
}

// TestRandomSchedulesCatchEachBug: each bug variant is caught by the checks
// within a few hundred random schedules.
func TestRandomSchedulesCatchEachBug(t *testing.T) {
	for _, b := range Bugs {
		t.Run(b.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= 300; seed++ {
				d := prototest.SeededDraw(seed, 0x3a9)
				w := newWorld(d, b.Name)
				err := w.chaos(d, d("steps", 50, 600))
				if err == nil {
					err = w.heal(300)
				}
				if err != nil {
					t.Logf("caught at seed %d: %v", seed, err)
					return
				}
			}
			t.Fatalf("%s not caught in 300 random schedules", b.Name)
		})
	}
}
