package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// kvClient reads the workload lines every KV protocol shares:
//
//	workload keys 3              keys k1..kN
//	workload mix 2:1:1           get:put:append weights
//	workload timeout 100ms       retry at another server after this long
//	workload backoff 50ms        wait after "not leader" with no hint
//	workload think 0s            pause between operations
//	workload ops 0               stop after this many operations per client (0: no limit)
//	workload give-up 0           abandon an operation after this many timeouts (0: never)
func kvClient(w *Wiring, adapt func(*kv.ClientOptions)) protocols.Factory {
	o := kv.ClientOptions{
		Keys:        w.Workload.Int("keys", 0, 1, 1000),
		Timeout:     w.Workload.Duration("timeout", 0),
		Backoff:     w.Workload.Duration("backoff", 0),
		ThinkTime:   w.Workload.Duration("think", 0),
		MaxOps:      w.Workload.Int("ops", 0, 0, 1_000_000),
		GiveUpAfter: w.Workload.Int("give-up", 0, 0, 1_000_000),
	}
	if raw, ok := w.Workload.Raw("mix"); ok {
		m, err := parseMix(raw)
		if err != nil {
			w.Workload.Fail("mix", "%v", err)
		}
		o.Mix = m
	}
	if adapt != nil {
		adapt(&o)
	}
	return kv.NewClient(o)
}

func parseMix(s string) (kv.Mix, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return kv.Mix{}, fmt.Errorf("want GET:PUT:APPEND weights, as in 2:1:1, got %q", s)
	}
	var w [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 1000 {
			return kv.Mix{}, fmt.Errorf("want GET:PUT:APPEND weights from 0 to 1000, got %q", s)
		}
		w[i] = v
	}
	if w == [3]int{} {
		return kv.Mix{}, fmt.Errorf("the weights %q are all zero", s)
	}
	return kv.Mix{Get: w[0], Put: w[1], Append: w[2]}, nil
}

// hasLeader is the end-of-run check of leader-based protocols: after the
// healing phase some live server leads, in a term no live server has passed.
func hasLeader(c protocols.Cluster) error {
	var leader protocols.NodeID
	var leaderTerm, maxTerm uint64
	up := 0
	for _, id := range c.Servers() {
		n := c.Node(id)
		if n == nil {
			continue
		}
		up++
		st := n.Status()
		maxTerm = max(maxTerm, st.Term)
		if st.Role == "leader" && st.Term >= leaderTerm {
			leader, leaderTerm = id, st.Term
		}
	}
	switch {
	case up == 0:
		return protocols.Violationf("liveness", "no server is up after the healing phase")
	case leader == "":
		return protocols.Violationf("liveness", "no leader after the healing phase (highest term %d)", maxTerm)
	case leaderTerm < maxTerm:
		return protocols.Violationf("liveness", "%s leads term %d, but a server is in term %d: no current leader after the healing phase", leader, leaderTerm, maxTerm)
	}
	return nil
}
