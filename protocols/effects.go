package protocols

import "github.com/dsimlab/dsim/clock"

// Effects is what a node asks of the world in response to one Input. The
// driver applies them in this order: Records are appended to the durable
// store and synced (unless NoSync), then Sends leave, then Timers are set or
// cancelled, then Notes go to the checkers.
type Effects struct {
	Records []Record // appended to the durable store
	NoSync  bool     // leave this step's Records unsynced: a crash before the next sync loses them
	// Replace makes this step's Records the whole durable store: every
	// earlier record is discarded once they are synced, atomically, as a
	// snapshot file written and renamed over an old write-ahead log. A
	// replacement is always synced (NoSync is ignored). It is how a node
	// that compacts its log keeps its store bounded; set it with
	// ReplaceStore.
	Replace bool
	Sends   []Send    // messages to send, in order
	Timers  []TimerOp // timers to set or cancel, in order
	Notes   []Note    // observations for checkers and the UI
	// Work is the virtual CPU time this step costs the node, on top of its
	// service model's time per step (load.go): the node is busy for it,
	// its messages leave and its timers start when it is done, and inputs
	// arriving meanwhile wait in its queue. Zero costs nothing.
	Work clock.Duration
}

// Send is one outgoing message.
type Send struct {
	To  NodeID
	Msg Message
}

// TimerOp sets or cancels one named timer.
type TimerOp struct {
	Name   string
	After  clock.Duration // local time until it fires; ignored when Cancel
	Cancel bool
}

// Reset empties e for reuse, keeping its capacity. It does not clear the
// old entries: the next step overwrites them, and until it does they keep
// alive no more than one step's messages and notes, which is cheaper than
// clearing three slices at every step of a run.
func (e *Effects) Reset() {
	e.Records, e.Sends, e.Timers, e.Notes = e.Records[:0], e.Sends[:0], e.Timers[:0], e.Notes[:0]
	e.NoSync, e.Replace = false, false
	e.Work = 0
}

// Persist appends durable records. They are synced before any message of the
// same step is sent.
func (e *Effects) Persist(r ...Record) { e.Records = append(e.Records, r...) }

// ReplaceStore makes r the node's whole durable store once this step's
// records are synced: it drops whatever this step persisted before (r must
// say everything the node needs to recover), and records persisted later
// in the step follow r.
func (e *Effects) ReplaceStore(r ...Record) {
	clear(e.Records)
	e.Records = append(e.Records[:0], r...)
	e.Replace = true
}

// Send queues a message to one node.
func (e *Effects) Send(to NodeID, m Message) { e.Sends = append(e.Sends, Send{To: to, Msg: m}) }

// Broadcast queues the same message to each of to, in the given order.
func (e *Effects) Broadcast(to []NodeID, m Message) {
	for _, id := range to {
		e.Sends = append(e.Sends, Send{To: id, Msg: m})
	}
}

// SetTimer (re)arms the timer called name to fire after d of the node's local
// time. Setting a timer that is already armed replaces it.
func (e *Effects) SetTimer(name string, d clock.Duration) {
	e.Timers = append(e.Timers, TimerOp{Name: name, After: d})
}

// CancelTimer disarms the timer called name, if it is armed.
func (e *Effects) CancelTimer(name string) {
	e.Timers = append(e.Timers, TimerOp{Name: name, Cancel: true})
}

// Note reports an observation to the checkers.
func (e *Effects) Note(n Note) { e.Notes = append(e.Notes, n) }

// Probe reports that the node reached the named coverage probe.
func (e *Effects) Probe(name string) { e.Notes = append(e.Notes, Probe(name)) }
