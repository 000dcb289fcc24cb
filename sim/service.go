package sim

import (
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// Load. A node's step may take virtual service time: its service model's
// time per step plus whatever Effects.Work the step declares. The step runs
// when the node takes its input; the node is then busy for the step's
// cost, its messages leave and its timers start when the cost is paid, and
// every input that arrives meanwhile (messages, timers coming due, operator
// commands) waits in the node's queue, in arrival order: the queue a paused
// node keeps, drained one input at a time as the node becomes free. So
// latency rises with load, and a node offered more work than it can do
// falls behind. A bounded queue sheds what arrives when it is full; a node
// with a service model drops a message past its deadline
// (protocols.Expiring) instead of starting on it. Service time is true
// time: a drifting clock does not make a node faster or slower.
//
// With no service model (the default) and no Work, a step takes no time
// and the queue is unbounded: the kernel behaves exactly as before load
// was modelled.

// ServiceModel is a node's service model. The zero value is none.
type ServiceModel struct {
	// Time is what every step of the node costs, on top of its Work.
	Time clock.Duration
	// Queue bounds the inputs waiting: a message arriving at a full queue
	// is dropped (the reason "shed"). Timers and operator commands always
	// queue. Zero means unbounded.
	Queue int
	// Reject answers a message shed at a full queue with its rejection
	// (protocols.Rejectable), sent at once by the node's runtime, instead
	// of dropping it silently.
	Reject bool
}

// MaxServiceTime and MaxQueue bound a service model, so that a typo fails
// at once.
const (
	MaxServiceTime = 10 * clock.Second
	MaxQueue       = 1_000_000
)

// String renders the model in scenario-file syntax after the node: "2ms
// queue 64 reject", or "off".
func (s ServiceModel) String() string {
	if s == (ServiceModel{}) {
		return "off"
	}
	out := clock.FormatDuration(s.Time)
	if s.Queue > 0 {
		out += " queue " + strconv.Itoa(s.Queue)
	}
	if s.Reject {
		out += " reject"
	}
	return out
}

// parseService parses "NODE TIME [queue N] [reject]" or "NODE off".
func parseService(args []string) (Fault, error) {
	usage := fmt.Errorf(`service: want "service NODE|all|leader TIME [queue N] [reject]", as in "service n1 2ms queue 64", or "service n1 off"`)
	if len(args) < 2 {
		return Fault{}, usage
	}
	nodes, err := nodeArgs("service", args[:1], 1)
	if err != nil {
		return Fault{}, err
	}
	f := Fault{Kind: Service, Nodes: nodes}
	if args[1] == "off" {
		if len(args) > 2 {
			return f, usage
		}
		return f, nil
	}
	m := &f.Service
	if m.Time, err = clock.ParseDuration(args[1]); err != nil {
		return f, fmt.Errorf("service: %w", err)
	}
	if m.Time > MaxServiceTime {
		return f, fmt.Errorf("service %s: at most %s a step", args[1], clock.FormatDuration(MaxServiceTime))
	}
	rest := args[2:]
	if len(rest) >= 2 && rest[0] == "queue" {
		n, err := strconv.Atoi(rest[1])
		if err != nil || n < 1 || n > MaxQueue {
			return f, fmt.Errorf("service: queue %s: want a bound from 1 to %d", rest[1], MaxQueue)
		}
		m.Queue, rest = n, rest[2:]
	}
	if len(rest) == 1 && rest[0] == "reject" {
		if m.Queue == 0 {
			return f, fmt.Errorf("service: reject needs a queue bound: only a full queue rejects")
		}
		m.Reject, rest = true, nil
	}
	if len(rest) > 0 {
		return f, usage
	}
	return f, nil
}

var serviceSpec = faultSpec{
	verb:  "service",
	parse: parseService,
	check: func(f *Fault, e *faultEnv) error {
		if id := f.Nodes[0]; id != Leader && id != All {
			return e.exists(id)
		}
		return nil
	},
	apply: func(w *World, f *Fault) error {
		for _, id := range f.Nodes {
			w.nodeByID(id).svc = f.Service
		}
		return nil
	},
	render: func(f Fault) string { return "service " + f.node() + " " + f.Service.String() },
}

// waits reports whether an input arriving at time t would wait in the
// node's queue: the node is paused, busy, or still has inputs waiting.
func (n *node) waits(t clock.Time) bool {
	return n.paused || len(n.held) > 0 || t < n.busyUntil
}

// admit decides what becomes of a message reaching an up node at its
// arrival or, if it waited in the queue, when the node takes it: shed when
// it would wait at a full queue, expired when the node would start on it
// after its deadline; else delivered (to wait, or to run now).
func (w *World) admit(n *node, ev *event) net.Reason {
	if n.svc == (ServiceModel{}) {
		return net.Delivered
	}
	if !ev.arrived && n.waits(ev.at) {
		if n.svc.Queue > 0 && len(n.held) >= n.svc.Queue {
			return net.Shed
		}
		return net.Delivered
	}
	if m, ok := ev.msg.(protocols.Expiring); ok {
		if d := m.Expires(); d > 0 && n.clock.Now(ev.at) > d {
			return net.Expired
		}
	}
	return net.Delivered
}

// reject answers a message shed at a full queue with its rejection, sent
// by the node's runtime at once, when the node's model says so.
func (w *World) reject(n *node, ev *event) {
	m, ok := ev.msg.(protocols.Rejectable)
	if !ok || !n.svc.Reject {
		return
	}
	ans := m.Rejection()
	if ans == nil {
		return
	}
	w.trace.note("rejected")
	plan := w.net.Send(int(n.idx), int(ev.from), ans.Kind())
	w.stats.Sent += uint64(plan.Copies)
	for c := 0; c < plan.Copies; c++ {
		msg := ans
		if w.cfg.DeepCopy {
			msg = deepCopy(msg).(protocols.Message)
		}
		w.push(event{at: w.now.Add(plan.Delay[c]), kind: evDeliver, node: ev.from, from: n.idx, fate: plan.Fate, sent: w.now, msg: msg})
	}
}

// Backlog returns how many inputs wait in a node's queue (while it is
// paused or busy).
func (w *World) Backlog(id protocols.NodeID) int {
	if i := w.lookup(id); i >= 0 {
		return len(w.nodes[i].held)
	}
	return 0
}

// Service returns a node's service model and until when it is busy.
func (w *World) Service(id protocols.NodeID) (ServiceModel, clock.Time) {
	if i := w.lookup(id); i >= 0 {
		return w.nodes[i].svc, w.nodes[i].busyUntil
	}
	return ServiceModel{}, 0
}
