package dynamo

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Stored is the Note a server emits when its own store takes a new
// version of a key (synced in the same step).
type Stored struct {
	Key     string
	Version Version
	Value   string
}

// String renders the note as stored k1 6:c1#7 "c1.7".
func (n Stored) String() string {
	return string(versioned(append([]byte("stored "), n.Key...), n.Version, n.Value))
}

// Hinted is the Note a server emits when it keeps a write as a hint for
// Home, and Delivered when Home acknowledged it and the hint is dropped.
type Hinted struct {
	Home    protocols.NodeID
	Key     string
	Version Version
}

// String renders the note as hinted n2 k1 6:c1#7.
func (n Hinted) String() string {
	b := append(append(append(append([]byte("hinted "), n.Home...), ' '), n.Key...), ' ')
	return string(n.Version.appendText(b))
}

// Delivered is the Note a server emits when it drops a hint: its home
// replica acknowledged it, or a newer hint for the same home and key
// replaced it.
type Delivered struct {
	Home    protocols.NodeID
	Key     string
	Version Version
}

// String renders the note as delivered n2 k1 6:c1#7.
func (n Delivered) String() string {
	b := append(append(append(append([]byte("delivered "), n.Home...), ' '), n.Key...), ' ')
	return string(n.Version.appendText(b))
}

// Decided is the Note a coordinator emits when it answers a client: a
// write's new version, a read's returned version and value.
type Decided struct {
	Client  protocols.NodeID
	Seq     uint64
	Op      kv.Op
	Version Version
	Value   string
}

// String renders the note as decided c1#7 get(k1) 6:c2#3 "c2.3".
func (n Decided) String() string {
	b := append([]byte("decided "), kv.Request{Client: n.Client, Seq: n.Seq}.ID()...)
	b = append(append(b, ' '), n.Op.String()...)
	return string(versioned(b, n.Version, n.Value))
}

// The probes, emitted with Effects.Probe.
const (
	ProbeSloppy       = "sloppy-quorum"     // a coordinator asked a server past the home replicas to stand in
	ProbeHinted       = "hint-stored"       // a server kept a write as a hint for another
	ProbeHandoff      = "hinted-handoff"    // a home replica acknowledged a hinted write and the hint was dropped
	ProbeReadRepair   = "read-repair"       // a read sent its newest version to a replica that answered with an older one
	ProbeRepairStale  = "repair-stale"      // a read repair arrived at a replica that already held something newer
	ProbeSync         = "anti-entropy"      // anti-entropy sent a replica a newer version
	ProbeAbort        = "abort"             // a coordinator gave up on a first phase no quorum answered
	ProbeResend       = "resend"            // a coordinator resent a phase's message
	ProbeOpExpired    = "op-expired"        // a coordinator forgot an operation it could not finish
	ProbeDuplicateReq = "duplicate-request" // a coordinator ignored a request it had already taken on
	ProbeReplyResent  = "reply-resent"      // a coordinator answered a retry of a decided operation again
)

// Probes lists the probe names the servers report.
var Probes = []string{ProbeSloppy, ProbeHinted, ProbeHandoff, ProbeReadRepair, ProbeRepairStale, ProbeSync, ProbeAbort, ProbeResend, ProbeOpExpired, ProbeDuplicateReq, ProbeReplyResent}

func itoa(n int) string { return strconv.Itoa(n) }
