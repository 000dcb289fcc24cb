package sim

import (
	"cmp"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// InFlight is a message on the wire, as the terminal UI shows it.
type InFlight struct {
	ID       uint64 // stable for the life of the message: its queue sequence number
	From, To protocols.NodeID
	Msg      protocols.Message
	Sent     clock.Time
	Due      clock.Time
	Fate     net.Reason // Lost or Targeted if it is doomed; Delivered otherwise
	Held     bool       // waiting on a clogged or held link; Due is when the clog ends (clock.Never: until released)
}

// eachOnWire calls f for every message on the wire: queued deliveries and
// messages waiting on clogged or held links.
func (w *World) eachOnWire(f func(e *event, held bool)) {
	w.q.each(func(e *event) {
		if e.kind == evDeliver {
			f(e, false)
		}
	})
	for l := range w.linkHeld {
		for i := range w.linkHeld[l] {
			f(&w.linkHeld[l][i], true)
		}
	}
}

// InFlight lists the messages sent and not yet delivered or dropped,
// ordered by due time.
func (w *World) InFlight() []InFlight {
	var out []InFlight
	w.eachOnWire(func(e *event, held bool) {
		due := e.at
		if held {
			_, due = w.net.Arrive(int(e.from), int(e.node), w.now)
		}
		out = append(out, InFlight{ID: e.seq, From: w.nodes[e.from].id, To: w.nodes[e.node].id, Msg: e.msg, Sent: e.sent, Due: due, Fate: e.fate, Held: held})
	})
	slices.SortFunc(out, func(a, b InFlight) int {
		return cmp.Or(cmp.Compare(a.Due, b.Due), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// DropFault returns the fault that drops an in-flight message, in the form a
// scenario file can replay: it names the message by kind, link and send time.
func (m InFlight) DropFault() Fault {
	return Fault{Kind: DropInFlight, Sent: m.Sent, Rule: net.Rule{Action: net.DropRule, From: m.From, To: m.To, Kind: m.Msg.Kind(), Count: 1}}
}

// DropInFlight dooms the in-flight message with the given ID: it will be
// dropped on arrival. It reports whether such a message was in flight.
func (w *World) DropInFlight(id uint64) bool {
	found := false
	w.eachOnWire(func(e *event, _ bool) {
		if e.seq == id {
			e.fate, found = net.Targeted, true
		}
	})
	return found
}

// NodeState is a node's lifecycle state and clock, for display.
type NodeState struct {
	ID        protocols.NodeID
	Server    bool
	Up        bool
	Paused    bool
	Byzantine bool           // made byzantine: it runs wrapped by a strategy
	Queued    int            // inputs held while paused
	Offset    clock.Duration // local clock minus global time
	DriftPPM  int64
	Records   int // durable records, synced or not
	Synced    int
	Timers    []ArmedTimer
}

// ArmedTimer is a timer that will fire unless cancelled.
type ArmedTimer struct {
	Name string
	Due  clock.Time
}

// State returns a node's lifecycle state.
func (w *World) State(id protocols.NodeID) NodeState {
	i, ok := w.index[id]
	if !ok {
		return NodeState{ID: id}
	}
	n := w.nodes[i]
	s := NodeState{
		ID: id, Server: n.server, Up: n.n != nil, Paused: n.paused, Byzantine: n.byz != nil, Queued: len(n.held),
		Offset: n.clock.Offset(w.now), DriftPPM: n.clock.Drift(), Records: len(n.store), Synced: n.synced,
	}
	for _, t := range n.timers {
		if t.armed {
			s.Timers = append(s.Timers, ArmedTimer{Name: t.name, Due: t.due})
		}
	}
	slices.SortFunc(s.Timers, func(a, b ArmedTimer) int {
		return cmp.Or(cmp.Compare(a.Due, b.Due), cmp.Compare(a.Name, b.Name))
	})
	return s
}

// Store returns a copy of a node's durable records and how many are synced.
func (w *World) Store(id protocols.NodeID) ([]protocols.Record, int) {
	i, ok := w.index[id]
	if !ok {
		return nil, 0
	}
	n := w.nodes[i]
	return slices.Clone(n.store), n.synced
}
