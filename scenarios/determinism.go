package scenarios

import (
	"fmt"
	"strings"
)

// Divergence describes two runs of one seed that should have been equal.
type Divergence struct {
	Seed   uint64
	Hashes [3]string // the sweep's run and two reruns
	Event  uint64    // the first event whose trace lines differ, 0 if the reruns agree
	Lines  [2]string // that event's line in each rerun
}

func (d *Divergence) String() string {
	if d.Event == 0 {
		return fmt.Sprintf("seed %d: the sweep's run hashed %s but both reruns hashed %s", d.Seed, d.Hashes[0], d.Hashes[1])
	}
	return fmt.Sprintf("seed %d: the runs diverge at event %d:\n  run 1: %s\n  run 2: %s", d.Seed, d.Event, d.Lines[0], d.Lines[1])
}

// CheckDeterminism reruns a seed twice, capturing both traces, and compares
// the trace hashes with the one a sweep reported. It returns nil when all
// three agree, and otherwise the first event at which the reruns' traces
// differ. Nondeterminism is a bug in a protocol (goroutines, real time,
// global randomness, map order) or in dsim itself.
func CheckDeterminism(s *Scenario, seed uint64, o SweepOptions, sweptHash string) (*Divergence, error) {
	var traces [2]strings.Builder
	var hashes [2]string
	for i := range traces {
		r, err := Start(s, RunOptions{Seed: seed, Bug: o.Bug, MaxEvents: o.MaxEvents, Trace: &traces[i]})
		if err != nil {
			return nil, err
		}
		hashes[i] = r.Finish().TraceHash
	}
	if hashes[0] == hashes[1] && hashes[0] == sweptHash {
		return nil, nil
	}
	d := &Divergence{Seed: seed, Hashes: [3]string{sweptHash, hashes[0], hashes[1]}}
	a := strings.Split(traces[0].String(), "\n")
	b := strings.Split(traces[1].String(), "\n")
	for i := 0; i < max(len(a), len(b)); i++ {
		var la, lb string
		if i < len(a) {
			la = a[i]
		}
		if i < len(b) {
			lb = b[i]
		}
		if la != lb {
			d.Event, d.Lines = uint64(i+1), [2]string{orEnd(la), orEnd(lb)}
			break
		}
	}
	return d, nil
}

func orEnd(line string) string {
	if line == "" {
		return "(the run ended here)"
	}
	return line
}
