package scenarios

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

func sweep(t *testing.T, name string, o SweepOptions) []*Result {
	t.Helper()
	s, err := Builtin(name)
	require.NoError(t, err)
	var out []*Result
	require.NoError(t, Sweep(context.Background(), s, o, func(r *Result) { out = append(out, r) }))
	return out
}

func seedsOf(rs []*Result) []uint64 {
	var out []uint64
	for _, r := range rs {
		out = append(out, r.Seed)
	}
	return out
}

func TestSweepOrderIsIndependentOfWorkers(t *testing.T) {
	one := sweep(t, "broadcast/chaos", SweepOptions{Seeds: 24, Start: 10, Workers: 1})
	four := sweep(t, "broadcast/chaos", SweepOptions{Seeds: 24, Start: 10, Workers: 4})
	require.Len(t, one, 24)
	assert.Equal(t, one, four, "same results, same order")
	assert.True(t, slices.IsSorted(seedsOf(one)))
}

// The union of the shards of a sweep is exactly the sweep: seed for seed and
// hash for hash.
func TestShardsPartitionTheSweep(t *testing.T) {
	all := sweep(t, "broadcast/chaos", SweepOptions{Seeds: 23, Start: 1, Workers: 2})
	var union []*Result
	for i := range 4 {
		part := sweep(t, "broadcast/chaos", SweepOptions{Seeds: 23, Start: 1, Workers: 2, Shard: i, Shards: 4})
		for _, r := range part {
			assert.Equal(t, uint64(i), (r.Seed-1)%4, "shard %d ran seed %d", i, r.Seed)
		}
		union = append(union, part...)
	}
	slices.SortFunc(union, func(a, b *Result) int { return int(a.Seed) - int(b.Seed) })
	assert.Equal(t, all, union)
}

func TestSweepFindsABugVariant(t *testing.T) {
	res := sweep(t, "broadcast/chaos", SweepOptions{Seeds: 40, Start: 1, Bug: "forget-on-restart"})
	failed := slices.IndexFunc(res, func(r *Result) bool { return !r.Pass })
	require.GreaterOrEqual(t, failed, 0, "forget-on-restart is caught within 40 seeds")
	r := res[failed]
	assert.Equal(t, "dsim run broadcast/chaos --seed "+itoa(r.Seed)+" --bug forget-on-restart", r.Repro)
	// The repro reproduces the failure exactly.
	s, err := Builtin("broadcast/chaos")
	require.NoError(t, err)
	again, err := RunScenario(s, RunOptions{Seed: r.Seed, Bug: "forget-on-restart"})
	require.NoError(t, err)
	assert.Equal(t, r.TraceHash, again.TraceHash)
	assert.Equal(t, r.Violations, again.Violations)
}

func itoa(v uint64) string { return string(appendUint(nil, v)) }

func appendUint(b []byte, v uint64) []byte {
	if v >= 10 {
		b = appendUint(b, v/10)
	}
	return append(b, byte('0'+v%10))
}

func TestSweepOptionErrors(t *testing.T) {
	for _, c := range []struct {
		o    SweepOptions
		want string
	}{
		{SweepOptions{}, "--seeds must be at least 1"},
		{SweepOptions{Seeds: 1, Workers: -1}, "--workers"},
		{SweepOptions{Seeds: 1, Shard: 4, Shards: 4}, "--shard 4/4"},
		{SweepOptions{Seeds: 10, Start: ^uint64(0)}, "goes past the last seed"},
		{SweepOptions{Seeds: 2, Start: ^uint64(0)}, "goes past the last seed"},
	} {
		assert.ErrorContains(t, c.o.Validate(), c.want)
	}
	// The last seed there is can be swept: only seeds past it overflow.
	for _, ok := range []SweepOptions{{Seeds: 1, Start: ^uint64(0)}, {Seeds: 10, Start: ^uint64(0) - 9}} {
		assert.NoError(t, ok.Validate())
		assert.Equal(t, ^uint64(0), ok.Seed(ok.Seeds-1))
	}
	for _, bad := range []string{"", "1", "4/4", "-1/3", "a/b", "1/0"} {
		_, _, err := ParseShard(bad)
		assert.Error(t, err, bad)
	}
	i, n, err := ParseShard("3/8")
	require.NoError(t, err)
	assert.Equal(t, []int{3, 8}, []int{i, n})
}

// A swarm seed's fault schedule depends on the seed alone, stays within the
// chaos phase, and never takes out a majority of servers at once.
func TestDrawChaos(t *testing.T) {
	for _, name := range []string{"broadcast/chaos", "2pc/chaos"} { // 5 and 4 servers
		s, err := Builtin(name)
		require.NoError(t, err)
		checkChaos(t, s)
	}
}

func checkChaos(t *testing.T, s *Scenario) {
	kinds := map[string]bool{}
	for seed := uint64(1); seed <= 200; seed++ {
		a, mix := DrawChaos(s, seed)
		b, _ := DrawChaos(s, seed)
		require.Equal(t, a, b)
		for _, c := range mix.Classes {
			kinds[c] = true
		}
		out := map[protocols.NodeID]bool{}
		outage := 0 // servers down in a power cut, which takes out a majority on purpose
		for _, f := range a {
			require.LessOrEqual(t, int64(f.At), int64(s.Duration))
			big := len(f.Nodes) >= protocols.Quorum(s.Nodes)
			for _, id := range f.Nodes {
				switch f.Kind {
				case sim.Crash, sim.Pause:
					require.False(t, out[id], "seed %d: %s taken out twice", seed, id)
					out[id] = true
				case sim.Restart, sim.Resume:
					out[id] = false
				}
			}
			if big && f.Kind == sim.Crash {
				outage += len(f.Nodes)
			}
			if big && f.Kind == sim.Restart {
				outage -= len(f.Nodes)
			}
			down := 0
			for _, o := range out {
				if o {
					down++
				}
			}
			if outage == 0 {
				require.GreaterOrEqual(t, s.Nodes-down, protocols.Quorum(s.Nodes), "seed %d at %s: no majority is in", seed, f.At)
			}
		}
	}
	p, _ := Lookup(s.Protocol)
	want := 0
	for _, c := range faultClasses {
		if (c.applies == nil || c.applies(p)) && !c.optIn {
			want++
		}
	}
	assert.Len(t, kinds, want, "every class of fault that applies to %s shows up in some seed", s.Protocol)
}

// The admin and byzantine classes draw from streams of their own: a
// protocol that has them gets exactly the other classes' faults that one
// without them gets, plus its own; byzantine nodes stay within the
// protocol's bound.
func TestOwnStreamClassesLeaveTheOthersAlone(t *testing.T) {
	s, err := Builtin("raft/chaos")
	require.NoError(t, err)
	plain := &protocols.Protocol{Name: "plain"}
	hooked := &protocols.Protocol{
		Name: "hooked",
		Admin: func(r *rand.Rand, servers []protocols.NodeID) []string {
			return []string{"add", string(servers[r.IntN(len(servers))])}
		},
		MaxByzantine: func(n int) int { return (n - 1) / 3 },
		Strategies:   []protocols.Strategy{{Name: "equivocate"}},
	}
	sawAdmin, sawByzantine := false, false
	for seed := uint64(1); seed <= 100; seed++ {
		a, _ := drawChaos(s, plain, seed)
		b, mix := drawChaos(s, hooked, seed)
		var rest []sim.Fault
		byz := 0
		for _, f := range b {
			switch f.Kind {
			case sim.Admin:
				sawAdmin = true
				assert.Equal(t, sim.Leader, f.Nodes[0])
				assert.Equal(t, "add", f.Words[0])
			case sim.Byzantine:
				sawByzantine = true
				byz++
				assert.Contains(t, []string{"equivocate", "silent", "crash-like", "selective", "replay"}, f.Words[0])
			default:
				rest = append(rest, f)
			}
		}
		assert.Equal(t, a, rest, "seed %d (%s)", seed, mix)
		assert.LessOrEqual(t, byz, 1, "5 servers tolerate one byzantine")
	}
	assert.True(t, sawAdmin && sawByzantine)
}

// Restricting the swarm to some classes leaves those classes' episodes as
// they were: the other classes' draws still happen.
func TestChaosClassesDoNotReshuffle(t *testing.T) {
	s, err := Builtin("raft/chaos")
	require.NoError(t, err)
	only := *s
	only.ChaosOf = []string{"drop"}
	for seed := uint64(1); seed <= 50; seed++ {
		_, all := DrawChaos(s, seed)
		_, some := DrawChaos(&only, seed)
		i := slices.Index(all.Classes, "drop")
		if i < 0 {
			assert.Empty(t, some.Classes, "seed %d", seed)
			continue
		}
		assert.Equal(t, []string{"drop"}, some.Classes)
		assert.Equal(t, all.Gaps[i], some.Gaps[0], "seed %d: the drop class kept its rate", seed)
	}
}

// The sample a Summary keeps for the determinism check stays bounded and
// spread over the whole sweep, however many seeds it has seen.
func TestSummarySampleStaysBounded(t *testing.T) {
	var sum Summary
	for seed := uint64(1); seed <= 100_000; seed++ {
		sum.Add(&Result{Seed: seed, TraceHash: "h", Pass: seed%7 != 0})
	}
	assert.LessOrEqual(t, len(sum.Sample), MaxSample)
	assert.GreaterOrEqual(t, len(sum.Sample), MaxSample/2)
	assert.Equal(t, uint64(1), sum.Sample[0].Seed)
	assert.Greater(t, sum.Sample[len(sum.Sample)-1].Seed, uint64(90_000), "the sample reaches the end of the sweep")
	assert.Len(t, sum.Failed, MaxKeptFailures)
	assert.Equal(t, 100_000/7, sum.FailedCount)

	var small Summary
	for seed := uint64(1); seed <= 95; seed++ {
		small.Add(&Result{Seed: seed, Pass: true})
	}
	assert.Len(t, small.Sample, 10, "one run in ten")
}

// A sweep validates its bug before it finds that its shard is empty, and a
// cancelled sweep stops within a run, reporting the cancellation's cause.
func TestSweepValidatesBeforeAnEmptyShard(t *testing.T) {
	s, err := Builtin("raft/chaos")
	require.NoError(t, err)
	err = Sweep(context.Background(), s, SweepOptions{Seeds: 3, Shard: 5, Shards: 10, Bug: "bogus"}, func(*Result) {})
	assert.ErrorContains(t, err, `no bug variant "bogus"`)
	n := 0
	err = Sweep(context.Background(), s, SweepOptions{Seeds: 3, Shard: 5, Shards: 10}, func(*Result) { n++ })
	assert.NoError(t, err)
	assert.Zero(t, n)
}

func TestInterruptedSweepStopsPromptly(t *testing.T) {
	s, err := Builtin("raft/chaos")
	require.NoError(t, err)
	s.Duration = MaxDuration // an hour a seed: only an interruption ends this soon
	cause := errors.New("interrupted by a test")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(200*time.Millisecond, func() { cancel(cause) })
	start := time.Now()
	n := 0
	err = Sweep(ctx, s, SweepOptions{Seeds: 1000, Workers: 2}, func(*Result) { n++ })
	assert.ErrorIs(t, err, cause)
	assert.Zero(t, n)
	assert.Less(t, time.Since(start), 10*time.Second)
}
