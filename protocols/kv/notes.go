package kv

import (
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// Invoked is the Note a client emits when it issues an operation: the
// invocation half of the history. Retries of the operation emit nothing.
type Invoked struct {
	Client protocols.NodeID
	Seq    uint64
	Op     Op
}

// String renders the note as invoke c1#7 put(k1,c1.7).
func (n Invoked) String() string {
	var b strings.Builder
	b.WriteString("invoke ")
	Request{Client: n.Client, Seq: n.Seq}.appendID(&b)
	b.WriteByte(' ')
	n.Op.appendTo(&b)
	return b.String()
}

// Completed is the Note a client emits when it accepts a reply: the response
// half of the history. Output is the get's value, "" for writes; a get
// answered with siblings has them encoded by EncodeSiblings. Server is
// the server whose reply completed it (the last of a quorum).
type Completed struct {
	Client protocols.NodeID
	Seq    uint64
	Op     Op
	Output string
	Server protocols.NodeID
}

// String renders the note as complete c1#7 get(k1) -> "c2.3" from n1.
func (n Completed) String() string {
	var b strings.Builder
	b.WriteString("complete ")
	Request{Client: n.Client, Seq: n.Seq}.appendID(&b)
	b.WriteByte(' ')
	n.Op.appendTo(&b)
	b.WriteString(" -> ")
	b.WriteString(strconv.Quote(n.Output))
	b.WriteString(" from ")
	b.WriteString(string(n.Server))
	return b.String()
}

// Abandoned is the Note a client emits when it gives up on an operation
// (ClientOptions.GiveUpAfter): the operation stays indeterminate, and
// nobody waits for it any more.
type Abandoned struct {
	Client protocols.NodeID
	Seq    uint64
	Op     Op
}

// String renders the note as abandon c1#7 put(k1,c1.7).
func (n Abandoned) String() string {
	var b strings.Builder
	b.WriteString("abandon ")
	Request{Client: n.Client, Seq: n.Seq}.appendID(&b)
	b.WriteByte(' ')
	n.Op.appendTo(&b)
	return b.String()
}

// The client's coverage probes, emitted with Effects.Probe.
const (
	ProbeTimeout  = "client-timeout"  // a request timed out and was retried at another server
	ProbeRedirect = "client-redirect" // a not-leader reply's hint was followed
	ProbeBackoff  = "client-backoff"  // a not-leader reply without a usable hint made the client wait
	ProbeGiveUp   = "client-give-up"  // an operation was abandoned after GiveUpAfter timeouts

	// The load options' probes (load.go).
	ProbeOverloaded  = "client-overloaded"   // a server refused a request at its full queue
	ProbeDeadline    = "client-deadline"     // an operation was given up at its deadline
	ProbeBudget      = "client-budget"       // a retry found the retry budget empty: the operation was given up
	ProbeBreakerOpen = "client-breaker-open" // the circuit breaker opened, or failed an operation fast
	ProbeBacklog     = "client-backlog-full" // an open-loop arrival found too many waiting and was given up
)

// Probes lists the client's probe names. client-give-up fires only when
// GiveUpAfter is set.
var Probes = []string{ProbeTimeout, ProbeRedirect, ProbeBackoff, ProbeGiveUp}

// LeaderlessProbes lists the client's probes a protocol without a leader
// can reach, for it to declare instead of Probes: its servers send a
// client elsewhere with NotLeader and no hint (the client backs off), never
// naming a server to go to, so client-redirect could never fire and
// --require-coverage could never pass. A protocol whose servers never
// answer NotLeader at all declares ProbeTimeout and ProbeGiveUp alone.
var LeaderlessProbes = []string{ProbeTimeout, ProbeBackoff, ProbeGiveUp}

// LoadProbes lists the probes of the load options (load.go), which fire
// only when those are set: a protocol whose chaos scenario sets them
// declares these too, so that --require-coverage asks for them.
var LoadProbes = []string{ProbeOverloaded, ProbeDeadline, ProbeBudget, ProbeBreakerOpen, ProbeBacklog}
