package abd

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Stored is the Note a server emits when it replaces a register's value
// (the record is synced in the same step): the ghost record of what each
// server durably holds, for tag-monotonic, tag-unique and quorum.
type Stored struct {
	Key   string
	Tag   Tag
	Value string
}

// String renders the note as stored k1 6:c1#7 "c1.7".
func (n Stored) String() string {
	b := append([]byte("stored "), n.Key...)
	b = append(b, ' ')
	b = n.Tag.appendText(b)
	b = append(b, ' ')
	return string(strconv.AppendQuote(b, n.Value))
}

// Decided is the Note a coordinator emits when an operation is done and it
// answers the client: a write's new tag, a read's returned tag and value.
// quorum and real-time-order judge it.
type Decided struct {
	Client protocols.NodeID
	Seq    uint64
	Op     kv.Op
	Tag    Tag
	Value  string
}

// String renders the note as decided c1#7 get(k1) 6:c2#3 "c2.3".
func (n Decided) String() string {
	b := append([]byte("decided "), kv.Request{Client: n.Client, Seq: n.Seq}.ID()...)
	b = append(b, ' ')
	b = append(b, n.Op.String()...)
	b = append(b, ' ')
	b = n.Tag.appendText(b)
	b = append(b, ' ')
	return string(strconv.AppendQuote(b, n.Value))
}

// The probes, emitted with Effects.Probe.
const (
	ProbeWriteBack    = "write-back"        // a read wrote back a value a majority did not hold yet
	ProbeNoWriteBack  = "read-one-phase"    // a read's query showed its value on a majority: no write-back needed
	ProbeTieBreak     = "tag-tie"           // a server held a tag with the same seq as an incoming store's, from another writer
	ProbeResend       = "resend"            // a coordinator resent a phase's message to servers that had not answered
	ProbeDuplicateReq = "duplicate-request" // a coordinator ignored a request it had already served
	ProbeAppend       = "append-rmw"        // an append was executed as a read-modify-write
	ProbeReplyResent  = "reply-resent"      // a coordinator answered a retry of a decided operation again
	ProbeAbort        = "abort"             // a coordinator gave up on a query phase no majority answered and sent the client elsewhere
	ProbeResume       = "resume"            // a restarted coordinator finished a write's store phase again for a retry
	ProbeRestart      = "restart"           // a coordinator ran again, for a fresh retry, an operation it had given up on or lost in a crash
)

// Probes lists the probe names the servers report.
var Probes = []string{ProbeWriteBack, ProbeNoWriteBack, ProbeTieBreak, ProbeResend, ProbeDuplicateReq, ProbeAppend, ProbeReplyResent, ProbeAbort, ProbeResume, ProbeRestart}
