package broadcast

// Learned is the durable record of a value, and also the note a node emits
// when it originates one (Origin set) so checkers know every value that must
// spread.
type Learned struct {
	Value  string
	Origin bool
}

// String renders the note as learned n1.1.
func (l Learned) String() string { return "learned " + l.Value }

// The coverage probes a node reports.
const (
	ProbeRetransmit      = "retransmit"       // a periodic gossip resent values a peer had not acknowledged
	ProbeRecoveredValues = "recovered-values" // a restarted node came back with the values it had persisted
)

// Probes lists the coverage probes this protocol declares.
var Probes = []string{ProbeRetransmit, ProbeRecoveredValues}
