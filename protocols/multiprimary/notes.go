package multiprimary

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// Wrote is the Note a server emits when it accepts a client's write: the
// version it made, whether or not the key kept it (an LWW write stamped
// below the key's current stamp is discarded at once).
type Wrote struct {
	Client  protocols.NodeID
	Seq     uint64
	Key     string
	Version Version
}

// String renders the note as wrote c1#7 k1 [c1:7]="c1.7".
func (n Wrote) String() string {
	return "wrote " + string(n.Client) + "#" + strconv.FormatUint(n.Seq, 10) + " " + n.Key + " " + n.Version.String()
}

// Merged is the Note a server emits for every version it merges into a
// key, its own writes included: the input of the merge check.
type Merged struct {
	Key     string
	Version Version
}

// String renders the note as merged k1 [c1:7]="c1.7".
func (n Merged) String() string { return "merged " + n.Key + " " + n.Version.String() }

// The probes, emitted with Effects.Probe.
const (
	ProbeSiblings     = "siblings"     // a key came to hold two or more concurrent versions
	ProbeSiblingRead  = "sibling-read" // a get returned siblings
	ProbeMerge        = "client-merge" // a write with a context replaced two or more siblings
	ProbeLWWDiscard   = "lww-discard"  // an LWW write or update lost to a higher stamp already held
	ProbeStateReply   = "state-reply"  // anti-entropy: a server answered a peer that lacked something
	ProbeDuplicateReq = "duplicate-request"
)

// Probes lists the probe names the servers report.
var Probes = []string{ProbeSiblings, ProbeSiblingRead, ProbeMerge, ProbeLWWDiscard, ProbeStateReply, ProbeDuplicateReq}
