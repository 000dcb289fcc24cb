package scenarios

import (
	"fmt"
	"strings"
)

// Result is everything a run yields, as `dsim run --json` prints it and as
// `dsim fuzz --json` prints one per line. Its fields are part of the
// command-line contract: add, never rename.
type Result struct {
	Scenario  string `json:"scenario"`
	Protocol  string `json:"protocol"`
	Seed      uint64 `json:"seed"`
	Bug       string `json:"bug,omitempty"`
	Events    uint64 `json:"events"`
	SimTimeMS int64  `json:"sim_time_ms"`
	TraceHash string `json:"trace_hash"`
	// TraceHashVersion is how TraceHash was computed (sim.HashVersion):
	// hashes of different versions are not comparable.
	TraceHashVersion int            `json:"trace_hash_version"`
	Ops              OpCounts       `json:"ops"`
	Linearizable     string         `json:"linearizable"`           // ok, illegal, unknown or skipped
	IllegalKeys      []string       `json:"illegal_keys,omitempty"` // the keys whose operations have no linearization
	Consistency      *Consistency   `json:"consistency,omitempty"`  // the history's place on the consistency ladder
	Messages         MsgCounts      `json:"messages"`
	Signatures       *SigCounts     `json:"signatures,omitempty"` // for protocols that sign (PBFT)
	MsgsPerOp        float64        `json:"msgs_per_op"`
	LatencyMS        Latency        `json:"latency_ms"`
	Violations       []Violation    `json:"violations"`
	Expect           string         `json:"expect,omitempty"` // what the scenario exists to show, e.g. "violation atomicity"
	Mix              string         `json:"mix,omitempty"`    // the fault mix a swarm seed drew, e.g. "crash/2.1s loss/4s"
	Timeline         *Timeline      `json:"timeline,omitempty"`
	Recovery         *Recovery      `json:"recovery,omitempty"`
	Probes           map[string]int `json:"probes,omitempty"`
	Pass             bool           `json:"pass"`
	Repro            string         `json:"repro"`

	// The richer metrics (metrics.go): messages sent by kind, and sent
	// and received by node; bytes sent when the protocol sizes its
	// messages; elections (leader moments) and the time of the first;
	// operations completed in each second of virtual time; teaching
	// moments by kind.
	MessagesByKind map[string]uint64   `json:"messages_by_kind,omitempty"`
	MessagesByNode map[string]NodeMsgs `json:"messages_by_node,omitempty"`
	Bytes          *uint64             `json:"bytes,omitempty"`
	Elections      int                 `json:"elections"`
	FirstLeaderMS  *float64            `json:"first_leader_ms,omitempty"`
	Throughput     []float64           `json:"throughput,omitempty"` // ops completed per second of virtual time
	Moments        map[string]int      `json:"moments,omitempty"`
}

// Consistency is a client history's place on the consistency ladder:
// the model the scenario promised, the strongest rung the history reached,
// and for each rung it missed the smallest anomaly found.
type Consistency struct {
	Promised  string    `json:"promised"`
	Strongest string    `json:"strongest"` // "" when no rung holds
	Missed    []Anomaly `json:"missed,omitempty"`
}

// Anomaly is the proof that a history misses one rung.
type Anomaly struct {
	Model   string   `json:"model"`
	Verdict string   `json:"verdict"` // illegal, or unknown (with Detail saying why)
	Kind    string   `json:"kind,omitempty"`
	Detail  string   `json:"detail"`
	Ops     []string `json:"ops,omitempty"` // the operations that prove it, in order, each with its part
}

// OpCounts counts client operations by outcome.
type OpCounts struct {
	OK            int `json:"ok"`
	Failed        int `json:"failed"`
	Indeterminate int `json:"indeterminate"`
}

// MsgCounts counts messages over the run.
type MsgCounts struct {
	Sent      uint64 `json:"sent"`
	Delivered uint64 `json:"delivered"`
	Dropped   uint64 `json:"dropped"`
	Shed      uint64 `json:"shed,omitempty"`    // of dropped: at full queues (service models)
	Expired   uint64 `json:"expired,omitempty"` // of dropped: past their deadline
}

// SigCounts counts signatures made and checked over a run.
type SigCounts struct {
	Signed   uint64 `json:"signed"`
	Verified uint64 `json:"verified"`
}

// Latency is the client operation latency in virtual milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Violation is one failed check.
type Violation struct {
	Kind   string  `json:"kind"`
	Event  uint64  `json:"event"`
	TimeMS float64 `json:"time_ms"`
	Detail string  `json:"detail"`
	AtEnd  bool    `json:"at_end,omitempty"` // found by an end-of-run check, not during the run
}

func (v Violation) String() string {
	return fmt.Sprintf("%s at event %d (%.3fs): %s", v.Kind, v.Event, v.TimeMS/1000, v.Detail)
}

// Verdict says in a few words why a result passed or failed.
func (r *Result) Verdict() string {
	switch {
	case r.Pass && r.Expect != "":
		return "pass (found the expected " + strings.TrimPrefix(strings.TrimPrefix(r.Expect, "violation "), "probe ") + ")"
	case r.Pass:
		return "pass"
	case r.Expect != "" && len(r.Violations) == 0:
		return "FAIL: expected " + r.Expect + ", not found"
	case len(r.Violations) > 0:
		return "FAIL: " + r.Violations[0].Kind
	}
	return "FAIL"
}
