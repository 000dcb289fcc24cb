package protocols

import (
	"math/rand/v2"

	"github.com/dsimlab/dsim/clock"
)

// Node is one participant of a protocol: a server, a replica, a coordinator
// or a client.
type Node interface {
	// Step consumes one input and appends the resulting effects to out,
	// which the caller has reset. It must not retain out.
	Step(in Input, out *Effects)
	// Status is a read-only summary for checkers and the terminal UI.
	Status() Status
}

// RoleReporter is a Node that can name its role without building a whole
// Status (which renders a log tail and fields). Checks that read only the
// role after every event, as dsimtest's Checklist does, ask it instead;
// Role must return exactly Status().Role, and the Checklist checks that it
// does. Implementing it is optional.
type RoleReporter interface {
	Role() string
}

// RoleOf returns n's role: Role if n is a RoleReporter, Status().Role if
// not.
func RoleOf(n Node) string {
	if r, ok := n.(RoleReporter); ok {
		return r.Role()
	}
	return n.Status().Role
}

// LeaderReporter is a Node that can say whether it leads, and in what term,
// without building a whole Status. The kernel asks every live server at
// each fault aimed at the leader ("crash leader", "partition leader"), and
// the end-of-run leader check asks them too: a whole Status renders a log
// tail, and in a short chaos seed those Status calls made a sixth of all
// allocations. Leads must return exactly Status().Leader and
// Status().Term; dsimtest's Checklist checks that it does at the events it
// samples, each node's first event as leader among them.
// Implementing it is optional.
type LeaderReporter interface {
	Leads() (leader bool, term uint64)
}

// LeadershipOf returns n's Status().Leader and Status().Term: from Leads if
// n is a LeaderReporter, from Status if not.
func LeadershipOf(n Node) (leader bool, term uint64) {
	if r, ok := n.(LeaderReporter); ok {
		return r.Leads()
	}
	st := n.Status()
	return st.Leader, st.Term
}

// Config is everything a node is built from. A restart builds a new node
// from the same Config with Store holding the synced records of all earlier
// incarnations.
type Config struct {
	ID    NodeID
	Peers []NodeID   // the protocol's other server nodes, sorted; clients get all servers
	Rand  *rand.Rand // this node's own random stream; survives restarts as one stream
	Store []Record   // synced durable records, oldest first; empty on a first start
	Keys  Keys       // signs as this node only, and verifies anyone's signature
}

// Factory builds a node. Protocol options (timeouts, bug variants) are
// captured by the closure that makes the Factory.
type Factory func(Config) Node

// InputKind says what an Input carries.
type InputKind uint8

// The kinds of input a node consumes.
const (
	// Start is the first input of every incarnation: after the initial start
	// and after each restart. Config.Store holds the records to recover from.
	Start InputKind = iota + 1
	// Receive delivers Msg from From.
	Receive
	// Timer fires the timer named Timer that this node set earlier.
	Timer
	// Admin delivers an operator's command (Input.Command), as a scenario's
	// "at 2s admin leader add-server n6" or the swarm's admin class sends
	// it: membership changes, snapshots on demand, anything an operator
	// does to a running cluster. A node that knows no such command ignores it.
	Admin
)

func (k InputKind) String() string {
	switch k {
	case Start:
		return "start"
	case Receive:
		return "recv"
	case Timer:
		return "timer"
	case Admin:
		return "admin"
	}
	return "input?"
}

// Input is one thing that happens to a node.
type Input struct {
	Kind  InputKind
	Now   clock.Time // the node's local clock reading: offset, drifting, jumping
	From  NodeID     // Receive: the authenticated sender
	Msg   Message    // Receive: the message; never mutate it or keep pointers into it
	Timer string     // Timer: the name given to SetTimer
	// Command is an Admin input's words, as the scenario wrote them after
	// the node: ["add-server", "n6"].
	Command []string
	// Backlog is how many inputs wait in the node's queue behind this one
	// (load.go): a server may shed work explicitly when it is long.
	Backlog int
}

// Message is a value sent between nodes. Messages are values: a node must
// not mutate anything it has sent, nor keep a pointer into one it received.
//
// A message may also implement encoding.TextAppender, to render its String
// form without allocating when a trace is written, and HashAppender, to
// fold into the trace hash without being rendered at all (hash.go): every
// event's message is hashed, so a protocol's hot messages should.
type Message interface {
	// Kind is the message type's short name ("AppendEntries"), used by
	// targeted fault rules ("drop the next AppendEntries n1->n3") and the TUI.
	Kind() string
	// String is a stable one-line rendering used verbatim in traces: no
	// pointers, no map order, no wall-clock time. Start it with Kind.
	String() string
}

// Record is one entry of a node's durable store: any value the node chooses.
// On restart the node receives its synced records, oldest first, and rebuilds
// its durable state from them (a write-ahead log). Records are values too.
type Record any

// Note is an observation a node reports for the checkers and the UI: a client
// operation invoked or completed, a leader elected, a probe reached. Notes
// never reach other nodes and must not influence the node's behaviour.
type Note any

// Probe is a Note naming a rare, interesting state a protocol reached (a
// leader change, a split vote, a log truncation). Sweeps count how many runs
// reached each declared probe.
type Probe string

// Status is a node's read-only summary, for generic checks and the UI.
type Status struct {
	Role   string     // one word: leader, follower, candidate, client, coordinator, ...
	Leader bool       // it leads a replicated service (Raft leader, Paxos leader, PBFT primary, primary): "crash leader" picks it
	Term   uint64     // term, view, ballot or epoch; 0 for protocols without one
	Commit int        // the commit point (index, slot or count); 0 when nothing is committed
	LogLen int        // the full length of the node's log, if it has one
	Log    []LogEntry // the tail of the log worth showing, oldest first
	Fields []Field    // further details for the detail pane, in display order
}

// LogEntry is one log entry as the UI shows it.
type LogEntry struct {
	Index int
	Term  uint64
	Text  string
}

// Field is one named detail of a node's status.
type Field struct {
	Name, Value string
}
