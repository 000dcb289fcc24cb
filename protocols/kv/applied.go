package kv

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// Applied is the Note a replicated KV server emits for every entry of its
// log (an index, a slot, a sequence number) it applies to its Machine, in
// order, and again after a restart if it rebuilds the Machine by replaying
// its log. Term is the term, ballot or view the entry was proposed in.
// Outcome says whether the request took effect or was a duplicate; a no-op
// (zero Req) is Executed.
type Applied struct {
	Index   int
	Term    uint64
	Req     Request // zero for a no-op
	Outcome Outcome
}

// AppliedIndex implements protocols.AppliedNote, for the shared
// convergence check.
func (n Applied) AppliedIndex() int { return n.Index }

// String renders the note as applied 5/2 c1#7 put(k1,c1.7) executed.
func (n Applied) String() string {
	b := append([]byte("applied "), strconv.Itoa(n.Index)...)
	b = append(b, '/')
	b = strconv.AppendUint(b, n.Term, 10)
	if n.Req.Client == "" {
		return string(append(b, " noop"...))
	}
	b = append(b, ' ')
	b = append(b, n.Req.ID()...)
	b = append(b, ' ')
	b = append(b, n.Req.Op.String()...)
	b = append(b, ' ')
	b = append(b, n.Outcome.String()...)
	return string(b)
}

// ExactlyOnce returns a monitor that fails when the replicated state
// machine executes one client request twice: two different log positions
// both apply the same (client, sequence number) with outcome Executed.
// At-most-once is the Machine's job (its session table); this checks it
// directly, rather than hoping a later read exposes the duplicate (an
// append applied twice) or not (a put applied twice is invisible to reads).
// A server replaying its log after a restart re-applies at the same
// positions, which is fine.
func ExactlyOnce() protocols.Monitor { return &exactlyOnce{at: map[reqKey]int{}} }

type reqKey struct {
	client protocols.NodeID
	seq    uint64
}

type exactlyOnce struct {
	at map[reqKey]int // where each request was executed
}

func (m *exactlyOnce) Check(c protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		a, ok := n.(Applied)
		if !ok || a.Outcome != Executed || a.Req.Client == "" || c.Byzantine(ev.Node) {
			continue
		}
		k := reqKey{a.Req.Client, a.Req.Seq}
		prev, seen := m.at[k]
		switch {
		case !seen:
			m.at[k] = a.Index
		case prev != a.Index:
			return protocols.Violationf("exactly-once", "%s executed %s %s at index %d, but it was already executed at index %d",
				ev.Node, a.Req.ID(), a.Req.Op, a.Index, prev)
		}
	}
	return nil
}
