package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// A metamorphic test in the manner of pebble's: one client runs the same
// sequence of operations (its draws depend on its seed alone) against a
// replicated store in four worlds: 3 and 5 servers, each under a perfect
// network and under swarm chaos. One client means no concurrency, so a
// linearizable store must give every operation the same result in all four
// (the client pauses between operations, so they spread over the chaos):
// the result a plain map gives. A failure prints the seed, the worlds and
// the first operation they disagree on.
func TestMetamorphicSameWorkloadSameResults(t *testing.T) {
	for _, p := range Protocols() {
		if !linearizableStore(p) {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 6; seed++ {
				var base []string
				var baseName string
				for _, nodes := range []int{3, 5} {
					for _, chaos := range []bool{false, true} {
						s := &Scenario{
							Name: fmt.Sprintf("%s/metamorphic nodes=%d chaos=%v", p.Name, nodes, chaos), Protocol: p.Name,
							Nodes: max(nodes, p.MinServers), Clients: 1, Duration: 6 * clock.Second, Healing: 10 * clock.Second,
							Seed: seed, Link: net.DefaultLink,
							Workload: []Setting{{Key: "ops", Value: "40"}, {Key: "keys", Value: "2"}, {Key: "think", Value: "120ms"}},
						}
						if chaos {
							s.Chaos = "swarm"
						}
						r, err := Start(s, RunOptions{Seed: seed})
						if err != nil {
							t.Fatal(err)
						}
						res := r.Finish()
						if !res.Pass {
							t.Fatalf("%s seed %d fails: %v", s.Name, seed, res.Violations)
						}
						got := results(r.History())
						if len(got) != 40 {
							t.Fatalf("%s seed %d: %d of 40 operations acknowledged", s.Name, seed, len(got))
						}
						if base == nil {
							base, baseName = got, s.Name
							continue
						}
						for i := range base {
							if got[i] != base[i] {
								t.Fatalf("seed %d: operation %d of c1 differs:\n  %s: %s\n  %s: %s\nfirst operations:\n  %s",
									seed, i+1, baseName, base[i], s.Name, got[i], strings.Join(base[:i+1], "\n  "))
							}
						}
					}
				}
			}
		})
	}
}

// linearizableStore reports whether a protocol's clients are KV clients
// whose history it promises to keep linearizable.
func linearizableStore(p *protocols.Protocol) bool {
	if p.Consistency != "" && p.Consistency != "linearizable" {
		return false
	}
	w, err := p.Build(p.DefaultSetup())
	return err == nil && w.Checks.History && p.DefaultClients > 0
}

// results renders each acknowledged operation with what it returned, in
// call order (one client: its sequence).
func results(ops []checker.Op) []string {
	var out []string
	for _, op := range ops {
		if op.Outcome != checker.OutcomeOK {
			continue
		}
		out = append(out, fmt.Sprintf("%s(%s,%q) -> %q", op.Kind, op.Key, op.Value, op.Output))
	}
	return out
}
