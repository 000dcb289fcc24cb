package protocols

import (
	"fmt"

	"github.com/dsimlab/dsim/clock"
)

// Cluster is the read-only view of a run that monitors see.
type Cluster interface {
	Now() clock.Time     // global virtual time
	Servers() []NodeID   // the protocol's server nodes, sorted
	Node(id NodeID) Node // the node's current value, or nil while it is down
	// Byzantine reports whether a node has been made byzantine (it lies,
	// equivocates or stays silent): checks judge correct nodes only.
	Byzantine(id NodeID) bool
}

// Event describes one event of a run, as monitors see it.
type Event struct {
	Seq   uint64     // 1 for the first event of the run
	Time  clock.Time // global virtual time
	Node  NodeID     // the node that stepped, or "" for a fault or network event
	Input InputKind  // what the node consumed, when Node is set
	Notes []Note     // the notes the node emitted during this event
	// Self is Cluster.Node(Node) as the event left it (nil for a fault,
	// or a node that is down), handed over so that a monitor need not
	// look the node up by name at every event. Events built by hand may
	// leave it nil: use Cluster.Node then.
	Self Node
}

// Stepped returns the node that stepped in ev as the event left it:
// ev.Self, or c.Node(ev.Node) for an event built without it; nil for a
// fault or a node that is down.
func (ev Event) Stepped(c Cluster) Node {
	if ev.Self != nil || ev.Node == "" {
		return ev.Self
	}
	return c.Node(ev.Node)
}

// Monitor judges a run from outside the nodes. It is called after every
// event, keeps whatever ghost state it needs (who was elected in which term,
// which writes were acknowledged), and returns a *Violation at the first
// breach of a safety property. A Monitor belongs to one run.
type Monitor interface {
	Check(c Cluster, ev Event) error
}

// EventChecker is a Monitor that can be handed the event by address. A
// world running it calls CheckEvent instead of Check, which spares
// copying the event at every event of the run (raft.MonitorSuite, whose
// checks run after every event, is one). CheckEvent judges exactly as
// Check would; it may read *ev only during the call, and must not change it.
type EventChecker interface {
	Monitor
	CheckEvent(c Cluster, ev *Event) error
}

// Composite is a Monitor that runs several monitors as one, faster than
// the list would (raft.MonitorSuite): it reports the first violation any
// part finds, as the list would. A run that keeps going past violations
// (to show their harm) judges each part on its own instead, so that one
// part failing again and again hides no other; Parts returns them, in
// order, fresh or as the composite left them.
type Composite interface {
	Monitor
	Parts() []Monitor
}

// MonitorFunc adapts a stateless function to Monitor.
type MonitorFunc func(c Cluster, ev Event) error

// Check calls f.
func (f MonitorFunc) Check(c Cluster, ev Event) error { return f(c, ev) }

// Violation is a breach of a named property, as found by a monitor.
type Violation struct {
	Kind   string // the property, e.g. "election-safety"
	Detail string // what was seen, with node IDs, terms and indexes
}

func (v *Violation) Error() string { return v.Kind + ": " + v.Detail }

// Violationf builds a Violation with a formatted detail.
func Violationf(kind, format string, args ...any) *Violation {
	return &Violation{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}
