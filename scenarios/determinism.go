package scenarios

import (
	"bytes"
	"fmt"

	"github.com/dsimlab/dsim/sim"
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
//
// The two reruns go in lockstep, one event each in turn, and keep only
// their latest trace line: the check takes as little memory however long
// the run (it used to hold both whole traces).
func CheckDeterminism(s *Scenario, seed uint64, o SweepOptions, sweptHash string) (*Divergence, error) {
	var runs [2]*Run
	var lines [2][]byte
	for i := range runs {
		r, err := Start(s, RunOptions{Seed: seed, Bug: o.Bug, MaxEvents: o.MaxEvents})
		if err != nil {
			return nil, err
		}
		r.World.RenderLines() // to name the first event that differs
		r.World.Observe(func(_ *sim.World, ev *sim.Info) { lines[i] = append(lines[i][:0], ev.Line...) })
		runs[i] = r
	}
	d := &Divergence{Seed: seed}
	for {
		lines[0], lines[1] = lines[0][:0], lines[1][:0]
		more0, more1 := runs[0].Step(), runs[1].Step()
		if d.Event == 0 && !bytes.Equal(lines[0], lines[1]) {
			d.Event = runs[0].World.Events()
			if !more0 {
				d.Event = runs[1].World.Events()
			}
			d.Lines = [2]string{orEnd(string(lines[0])), orEnd(string(lines[1]))}
		}
		if !more0 && !more1 {
			break
		}
	}
	d.Hashes = [3]string{sweptHash, runs[0].Finish().TraceHash, runs[1].Finish().TraceHash}
	if d.Hashes[0] == d.Hashes[1] && d.Hashes[1] == d.Hashes[2] {
		return nil, nil
	}
	return d, nil
}

func orEnd(line string) string {
	if line == "" {
		return "(the run ended here)"
	}
	return line
}
