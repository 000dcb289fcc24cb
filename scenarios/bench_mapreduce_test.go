package scenarios

import (
	"testing"
	"time"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols/mapreduce"
	"github.com/dsimlab/dsim/sim"
)

// BenchmarkMapReduceChaos runs mapreduce/chaos (5 servers: a coordinator,
// three workers and the store; four jobs, word counts and inverted indexes
// in turn; 10s of swarm chaos and 8s of healing; every output file checked
// after every event), one seed per iteration, and the same seed without
// its faults, and reports the progress metric MapReduce is about: how long
// the four jobs took (the time of the last job-done note, in virtual
// milliseconds) under chaos and fault-free, and the mean slowdown, besides
// the simulator's speed. Like the dsim command, it runs with GCPercent
// unless GOGC is set.
func BenchmarkMapReduceChaos(b *testing.B) {
	defer setGC()()
	s, err := Builtin("mapreduce/chaos")
	if err != nil {
		b.Fatal(err)
	}
	calm := *s
	calm.Chaos, calm.ChaosOf, calm.Faults = "", nil, nil
	var events uint64
	var simTime time.Duration
	var chaosMS, calmMS, slowdown float64
	b.ResetTimer()
	for i := range b.N {
		seed := uint64(i + 1)
		chaosDone, res := runJobs(b, s, seed)
		calmDone, _ := runJobs(b, &calm, seed)
		events += res.Events
		simTime += time.Duration(res.SimTimeMS) * time.Millisecond
		chaosMS += chaosDone.Seconds() * 1000
		calmMS += calmDone.Seconds() * 1000
		slowdown += chaosDone.Seconds() / calmDone.Seconds()
	}
	wall := b.Elapsed().Seconds()
	n := float64(b.N)
	b.ReportMetric(simTime.Seconds()/wall, "simsec/s")
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(n/wall, "seeds/s")
	b.ReportMetric(chaosMS/n, "jobs-ms")
	b.ReportMetric(calmMS/n, "calm-jobs-ms")
	b.ReportMetric(slowdown/n, "slowdown")
}

// BenchmarkMapReduceCalm runs mapreduce/calm (one word count, no faults):
// the cost of the simulation itself and the fault-free completion time.
func BenchmarkMapReduceCalm(b *testing.B) {
	defer setGC()()
	s, err := Builtin("mapreduce/calm")
	if err != nil {
		b.Fatal(err)
	}
	var events uint64
	var jobMS float64
	b.ResetTimer()
	for i := range b.N {
		done, res := runJobs(b, s, uint64(i+1))
		events += res.Events
		jobMS += done.Seconds() * 1000
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(float64(b.N)/wall, "seeds/s")
	b.ReportMetric(jobMS/float64(b.N), "job-ms")
}

// runJobs runs a MapReduce scenario that must pass and returns when its
// last job was done, in global virtual time.
func runJobs(tb testing.TB, s *Scenario, seed uint64) (time.Duration, *Result) {
	var last clock.Time
	watch := func(_ *sim.World, ev *sim.Info) {
		for _, n := range ev.Notes {
			if _, ok := n.(mapreduce.JobDone); ok {
				last = max(last, ev.Time)
			}
		}
	}
	res, err := RunScenario(s, RunOptions{Seed: seed, Observer: watch})
	if err != nil {
		tb.Fatal(err)
	}
	if !res.Pass {
		tb.Fatalf("%s: %s", res.Repro, res.Verdict())
	}
	return time.Duration(last), res
}

// The progress metric of the straggler scenarios, in virtual time (so it
// is exact, not a timed test): a straggler delays the job, and a backup
// attempt takes most of that delay back.
func TestMapReduceBackupsShortenAStraggledJob(t *testing.T) {
	took := map[string]time.Duration{}
	for _, name := range []string{"calm", "straggler-no-backup", "straggler-backup"} {
		s, err := Builtin("mapreduce/" + name)
		if err != nil {
			t.Fatal(err)
		}
		took[name], _ = runJobs(t, s, s.Seed)
	}
	t.Logf("job done at: calm %v, straggler without backups %v, with backups %v", took["calm"], took["straggler-no-backup"], took["straggler-backup"])
	if !(took["calm"] < took["straggler-no-backup"] && took["straggler-backup"] < took["straggler-no-backup"]) {
		t.Errorf("want calm and straggler-backup both faster than straggler-no-backup: %v", took)
	}
}
