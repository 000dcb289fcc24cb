// Package banktest holds the test helpers shared by the twopc and threepc
// tests (like etcd's rafttest): a driver of random fault schedules on the
// prototest harness (Chaos for an asynchronous world with loss, duplication,
// crashes and restarts; CrashOnly for a prompt, reliable network with
// crashes; Heal and the final checks), the script commands both protocols'
// datadriven tests share (Commands), a probe counter, and Freeze, which
// catches nodes that mutate messages or records. Only tests import it.
package banktest

import (
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/bank"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Chooser makes the schedule's choices: a rapid.T (so failures shrink) or a
// seeded random stream (so a sweep of seeds can hunt for a bug).
type Chooser interface {
	// IntN returns a choice in [0, n); label names it for shrinking output.
	IntN(n int, label string) int
}

// Weights are the relative odds of each kind of schedule step.
type Weights struct {
	Deliver, Drop, Dup int
	Fire               int // a server's timer
	Submit             int // a client's "next" timer: a new transfer
	GiveUp             int // a client's "timeout" timer: the outcome becomes unknown
	Crash, Restart     int
}

// DefaultWeights mostly deliver and fire timers, with a steady trickle of
// loss, duplication, crashes and restarts. Clients rarely give up, so most
// outcomes are learned and the durability check has work to do.
var DefaultWeights = Weights{Deliver: 60, Drop: 4, Dup: 4, Fire: 15, Submit: 8, GiveUp: 1, Crash: 2, Restart: 6}

// World is one run: servers n1..nN, clients c1..cK, the bank monitors.
type World struct {
	H        *prototest.Harness
	Monitors []protocols.Monitor
	Servers  []protocols.NodeID
	Clients  []protocols.NodeID
	log      strings.Builder
}

// NewWorld builds and starts a world. Clients should run the random closed
// loop (bank.World.Manual false).
func NewWorld(seed uint64, servers, clients int, server, client protocols.Factory, monitors []protocols.Monitor) *World {
	w := &World{H: prototest.New(seed), Monitors: monitors, Servers: protocols.Servers(servers), Clients: protocols.Clients(clients)}
	w.H.AddServers(server, w.Servers...)
	w.H.AddClients(client, w.Clients...)
	for _, m := range monitors {
		w.H.AddMonitor(m)
	}
	w.H.Start()
	w.flush()
	return w
}

// Log returns everything the harness printed, for failure messages.
func (w *World) Log() string { return w.log.String() }

func (w *World) flush() { w.log.WriteString(w.H.Output()) }

// Chaos runs steps random schedule steps and returns the first violation.
func (w *World) Chaos(ch Chooser, steps int, wt Weights) error {
	cum := []int{wt.Deliver, wt.Drop, wt.Dup, wt.Fire, wt.Submit, wt.GiveUp, wt.Crash, wt.Restart}
	for i := 1; i < len(cum); i++ {
		cum[i] += cum[i-1]
	}
	for range steps {
		r := ch.IntN(cum[len(cum)-1], "action")
		switch {
		case r < cum[0]:
			w.onMessage(ch, w.H.Deliver)
		case r < cum[1]:
			w.onMessage(ch, w.H.Drop)
		case r < cum[2]:
			w.onMessage(ch, w.H.Duplicate)
		case r < cum[3]:
			w.fireOne(ch, w.up(true), func(string) bool { return true })
		case r < cum[4]:
			w.fireOne(ch, w.Clients, func(t string) bool { return t == "next" })
		case r < cum[5]:
			w.fireOne(ch, w.Clients, func(t string) bool { return t == "timeout" })
		case r < cum[6]:
			if up := w.up(true); len(up) > 0 {
				w.H.Crash(up[ch.IntN(len(up), "crash")])
			}
		default:
			if down := w.up(false); len(down) > 0 {
				w.H.Restart(down[ch.IntN(len(down), "restart")])
			}
		}
		w.flush()
		if err := w.H.Failure(); err != nil {
			return err
		}
	}
	return nil
}

// CrashOnly runs steps random steps of a gentler world: messages are never
// lost or duplicated (though delivered in any order), and a server's timer
// fires only when no message is in flight, so a timeout always means the
// silent node really is down: a perfect failure detector, the assumption
// 3PC's termination protocol rests on. Crashes and restarts come at any
// moment. The Drop and Dup weights are ignored.
func (w *World) CrashOnly(ch Chooser, steps int, wt Weights) error {
	quiet, busy := wt, wt
	quiet.Drop, quiet.Dup = 0, 0
	busy.Drop, busy.Dup, busy.Fire = 0, 0, 0
	for range steps {
		cur := busy
		if len(w.H.Inflight()) == 0 {
			cur = quiet
		}
		if err := w.Chaos(ch, 1, cur); err != nil {
			return err
		}
	}
	return nil
}

// onMessage applies op to one message in flight, chosen at random. The
// harness matches by (from, to, kind), so among equal triples the oldest
// goes first; reordering across links and kinds is still arbitrary.
func (w *World) onMessage(ch Chooser, op func(prototest.Filter, int) int) {
	in := w.H.Inflight()
	if len(in) == 0 {
		return
	}
	e := in[ch.IntN(len(in), "message")]
	op(prototest.Filter{From: e.From, To: e.To, Kind: e.Msg.Kind()}, 1)
}

// fireOne fires one armed timer, chosen at random among the nodes' timers
// that pass keep.
func (w *World) fireOne(ch Chooser, nodes []protocols.NodeID, keep func(string) bool) {
	type armed struct {
		id    protocols.NodeID
		timer string
	}
	var all []armed
	for _, id := range nodes {
		for _, t := range w.H.Timers(id) {
			if keep(t) {
				all = append(all, armed{id, t})
			}
		}
	}
	if len(all) == 0 {
		return
	}
	a := all[ch.IntN(len(all), "timer")]
	w.H.Fire(a.id, a.timer)
}

// up returns the servers that are up (or, with want false, down).
func (w *World) up(want bool) []protocols.NodeID {
	var out []protocols.NodeID
	for _, id := range w.Servers {
		if (w.H.Node(id) != nil) == want {
			out = append(out, id)
		}
	}
	return out
}

// Heal ends the chaos: every server restarts, no message is lost any more,
// clients submit nothing new, and the servers' timers fire until nothing is
// in flight and nothing is in doubt (at most rounds times). Then time moves
// past the monitors' grace and the final checks run.
func (w *World) Heal(rounds int) error {
	for _, id := range w.up(false) {
		w.H.Restart(id)
	}
	for range rounds {
		w.H.Stabilize(100_000)
		w.flush()
		if err := w.H.Failure(); err != nil {
			return err
		}
		if len(bank.InDoubt(w.H)) == 0 {
			break
		}
		for _, id := range w.Servers {
			for _, t := range w.H.Timers(id) {
				w.H.Fire(id, t)
			}
		}
		for _, id := range w.Clients {
			if clientTimer(w.H.Timers(id)) {
				w.H.Fire(id, "timeout")
			}
		}
	}
	w.H.Stabilize(100_000)
	w.H.Advance(10 * bank.DefaultGrace)
	w.flush()
	if err := w.H.Failure(); err != nil {
		return err
	}
	if err := bank.FinalChecks(w.H, w.Monitors); err != nil {
		return fmt.Errorf("final: %w", err)
	}
	return nil
}

func clientTimer(ts []string) bool {
	for _, t := range ts {
		if t == "timeout" {
			return true
		}
	}
	return false
}

// ProbeCounter is a monitor that counts the coverage probes nodes report.
type ProbeCounter map[string]int

// Check implements protocols.Monitor.
func (p ProbeCounter) Check(_ protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		if pr, ok := n.(protocols.Probe); ok {
			p[string(pr)]++
		}
	}
	return nil
}
