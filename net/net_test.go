package net

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

var five = protocols.Servers(5)

func ids(s string) []protocols.NodeID {
	var out []protocols.NodeID
	for _, f := range strings.Fields(s) {
		out = append(out, protocols.NodeID(f))
	}
	return out
}

// render lists cut links as "n1>n2 n1>n3 ...", sorted, for readable tables.
func render(links []Link) string {
	var s []string
	for _, l := range links {
		s = append(s, string(l.From)+">"+string(l.To))
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

func TestShapes(t *testing.T) {
	mustCut := func(l []Link, err error) []Link { require.NoError(t, err); return l }
	cases := []struct {
		name string
		cut  []Link
		want string
	}{
		{"isolate", mustCut(Isolate("n1", ids("n1 n2 n3"))), "n1>n2 n1>n3 n2>n1 n3>n1"},
		{"split", mustCut(Split(ids("n1 n2"), ids("n3"))), "n1>n3 n2>n3 n3>n1 n3>n2"},
		{"split three ways", mustCut(Split(ids("n1"), ids("n2"), ids("n3"))), "n1>n2 n1>n3 n2>n1 n2>n3 n3>n1 n3>n2"},
		{"one-way", mustCut(OneWay(ids("n1"), ids("n2 n3"))), "n1>n2 n1>n3"},
		{"bridge", mustCut(Bridge(ids("n1 n2"), "n3", ids("n4 n5"))), "n1>n4 n1>n5 n2>n4 n2>n5 n4>n1 n4>n2 n5>n1 n5>n2"},
		{"ring of five", Ring(five), "n1>n3 n1>n4 n2>n4 n2>n5 n3>n1 n3>n5 n4>n1 n4>n2 n5>n2 n5>n3"},
		{"ring of three is whole", Ring(ids("n1 n2 n3")), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, render(c.cut)) })
	}
}

func TestShapeErrors(t *testing.T) {
	_, err := Split(ids("n1 n2"), ids("n2 n3"))
	assert.ErrorContains(t, err, "n2 appears twice")
	_, err = Split(ids("n1"), nil)
	assert.ErrorContains(t, err, "empty group")
	_, err = Isolate("n9", five)
	assert.ErrorContains(t, err, "n9 is not a server")
	_, err = Bridge(ids("n1"), "n1", ids("n2"))
	assert.Error(t, err)
}

// Each node in a ring sees a majority counting itself, and no two see the
// same set of nodes.
func TestRingSeesDistinctMajorities(t *testing.T) {
	for n := 4; n <= 9; n++ {
		all := protocols.Servers(n)
		cut := map[Link]bool{}
		for _, l := range Ring(all) {
			cut[l] = true
		}
		seen := map[string]bool{}
		for _, a := range all {
			var sees []string
			for _, b := range all {
				if a == b || !cut[Link{a, b}] {
					sees = append(sees, string(b))
				}
				assert.Equal(t, cut[Link{a, b}], cut[Link{b, a}], "ring cuts are symmetric")
			}
			assert.GreaterOrEqual(t, len(sees), protocols.Quorum(n), "n=%d: %s sees %v", n, a, sees)
			key := strings.Join(sees, ",")
			assert.False(t, seen[key], "n=%d: two nodes see %s", n, key)
			seen[key] = true
		}
	}
}

func TestRandomSplits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		a, b := RandomHalves(five, r)
		assert.Len(t, a, 2)
		assert.Len(t, b, 3)
		assert.ElementsMatch(t, five, append(slices.Clone(a), b...))
		maj, minr := MajorityMinority(five, r)
		assert.Len(t, maj, 3)
		assert.Len(t, minr, 2)
		assert.ElementsMatch(t, five, append(slices.Clone(maj), minr...))
	}
}

func TestLossAndDuplicationRates(t *testing.T) {
	cfg := LinkConfig{Latency: FixedLatency(clock.Millisecond), Loss: 0.1, Dup: 0.05}
	n := New(ids("a b"), cfg, rand.NewPCG(7, 7))
	const draws = 100_000
	lost, dup := 0, 0
	for range draws {
		p := n.Send(0, 1, "M")
		if p.Fate == Lost {
			lost++
		}
		if p.Copies == 2 {
			dup++
		}
	}
	// Binomial standard deviation at these sizes is about 0.1%; allow 1%.
	assert.InDelta(t, 0.10, float64(lost)/draws, 0.01)
	assert.InDelta(t, 0.05*0.9, float64(dup)/draws, 0.01, "only delivered messages are duplicated")
}

func TestLatencyDistributions(t *testing.T) {
	r := newDraws(rand.NewPCG(3, 3))
	ms := clock.Millisecond
	u := UniformLatency(ms, 10*ms)
	var sum clock.Duration
	for range 10_000 {
		d := u.draw(r)
		require.GreaterOrEqual(t, d, ms)
		require.LessOrEqual(t, d, 10*ms)
		require.Zero(t, d%clock.Microsecond)
		sum += d
	}
	assert.InDelta(t, float64(5500*clock.Microsecond), float64(sum/10_000), float64(200*clock.Microsecond))

	e := ExpLatency(ms, 5*ms)
	sum = 0
	for range 10_000 {
		d := e.draw(r)
		require.GreaterOrEqual(t, d, ms)
		require.LessOrEqual(t, d, 251*ms)
		sum += d
	}
	assert.InDelta(t, float64(6*ms), float64(sum/10_000), float64(400*clock.Microsecond))
	assert.Equal(t, 2*ms, FixedLatency(2*ms).draw(r))
}

func TestLatencyValidate(t *testing.T) {
	ms := clock.Millisecond
	assert.NoError(t, UniformLatency(ms, 2*ms).Validate())
	assert.ErrorContains(t, UniformLatency(3*ms, 2*ms).Validate(), "max below min")
	assert.ErrorContains(t, FixedLatency(-ms).Validate(), "negative")
	assert.ErrorContains(t, FixedLatency(2*MaxLatency).Validate(), "limit")
	assert.ErrorContains(t, Latency{Dist: Exponential, Min: ms}.Validate(), "positive mean")
	assert.ErrorContains(t, LinkConfig{Latency: FixedLatency(ms), Loss: 1.5}.Validate(), "probability")
	assert.ErrorContains(t, LinkConfig{Latency: FixedLatency(ms), Dup: -0.1}.Validate(), "probability")
}

func TestCutHealAndArrive(t *testing.T) {
	n := New(ids("n1 n2 n3"), DefaultLink, rand.NewPCG(1, 1))
	cut, err := Isolate("n1", ids("n1 n2 n3"))
	require.NoError(t, err)
	require.NoError(t, n.Cut(cut))
	r, _ := n.Arrive(0, 1, 0)
	assert.Equal(t, Partitioned, r)
	r, _ = n.Arrive(1, 2, 0)
	assert.Equal(t, Delivered, r)
	assert.Len(t, n.CutLinks(), 4)
	require.NoError(t, n.AddRule(Rule{Action: DropRule, Count: 3}))
	n.Heal()
	assert.Empty(t, n.CutLinks())
	assert.Empty(t, n.Rules(), "a heal cancels targeted rules too")
	r, _ = n.Arrive(0, 1, 0)
	assert.Equal(t, Delivered, r)
	assert.Error(t, n.Cut([]Link{{"n1", "n9"}}))
}

func TestClogHoldsThenReleases(t *testing.T) {
	n := New(ids("n1 n2"), DefaultLink, rand.NewPCG(1, 1))
	sec := clock.Time(clock.Second)
	require.NoError(t, n.Clog(Link{"n1", "n2"}, 2*sec))
	r, until := n.Arrive(0, 1, sec)
	assert.Equal(t, Delivered, r)
	assert.Equal(t, 2*sec, until, "held until the clog ends")
	_, until = n.Arrive(1, 0, sec)
	assert.Zero(t, until, "the reverse direction is not clogged")
	_, until = n.Arrive(0, 1, 2*sec)
	assert.Zero(t, until, "released when the clog ends")
	assert.Empty(t, n.HeldLinks(2*sec))

	require.NoError(t, n.Clog(Link{"n1", "n2"}, clock.Never))
	assert.Len(t, n.HeldLinks(5*sec), 1)
	require.NoError(t, n.Release(Link{"n1", "n2"}))
	_, until = n.Arrive(0, 1, 5*sec)
	assert.Zero(t, until)
}

func TestTargetedRules(t *testing.T) {
	n := New(ids("n1 n2 n3"), LinkConfig{Latency: FixedLatency(clock.Millisecond)}, rand.NewPCG(1, 1))
	assert.False(t, n.HasRules())
	require.NoError(t, n.AddRule(Rule{Action: DropRule, From: "n1", To: "n3", Kind: "AppendEntries", Count: 2}))
	require.NoError(t, n.AddRule(Rule{Action: DelayRule, Kind: "RequestVote", Count: 1, Delay: 50 * clock.Millisecond}))
	assert.True(t, n.HasRules())

	assert.Equal(t, Delivered, n.Send(0, 1, "AppendEntries").Fate, "other receiver")
	assert.Equal(t, Delivered, n.Send(0, 2, "Heartbeat").Fate, "other kind")
	assert.Equal(t, Targeted, n.Send(0, 2, "AppendEntries").Fate)
	assert.Equal(t, Targeted, n.Send(0, 2, "AppendEntries").Fate)
	assert.Equal(t, Delivered, n.Send(0, 2, "AppendEntries").Fate, "the rule is used up after two")

	p := n.Send(2, 1, "RequestVote")
	assert.Equal(t, 51*clock.Millisecond, p.Delay[0])
	assert.Equal(t, clock.Millisecond, n.Send(2, 1, "RequestVote").Delay[0])
	assert.Empty(t, n.Rules())
	assert.False(t, n.HasRules(), "used-up rules are gone, and with them the need to know a message's kind")

	assert.Error(t, n.AddRule(Rule{Action: DropRule, Count: 0}))
	assert.Error(t, n.AddRule(Rule{Action: DelayRule, Count: 1}))
}

func TestPerLinkOverride(t *testing.T) {
	n := New(ids("n1 n2"), DefaultLink, rand.NewPCG(1, 1))
	slow := LinkConfig{Latency: FixedLatency(time(500))}
	require.NoError(t, n.SetLink(Link{"n1", "n2"}, slow))
	n.SetAll(LinkConfig{Latency: FixedLatency(time(1))})
	assert.Equal(t, slow, n.Config(Link{"n1", "n2"}), "per-link settings survive SetAll")
	assert.Equal(t, time(1), n.Config(Link{"n2", "n1"}).Latency.Min)
}

func time(ms int) clock.Duration { return clock.Duration(ms) * clock.Millisecond }

// A standing rule acts on K of every M matching messages; a heal leaves it
// standing, ClearRules (a recover) removes it. A delay range draws each
// delay from it.
func TestStandingRules(t *testing.T) {
	n := New(ids("a b"), LinkConfig{Latency: FixedLatency(clock.Millisecond)}, rand.NewPCG(1, 1))
	require.NoError(t, n.AddRule(Rule{Action: DropRule, Kind: "Ping", Every: 1, Of: 2}))
	fates := func() (dropped int) {
		for range 10 {
			if n.Send(0, 1, "Ping").Fate == Targeted {
				dropped++
			}
		}
		return dropped
	}
	assert.Equal(t, 5, fates(), "one of every two")
	assert.Equal(t, Delivered, n.Send(0, 1, "Pong").Fate, "other kinds pass")
	n.Heal()
	n.Send(0, 1, "Ping") // the 11th: dropped
	assert.Equal(t, 5, fates(), "a heal leaves it standing")
	n.ClearRules()
	assert.Equal(t, 0, fates())

	require.NoError(t, n.AddRule(Rule{Action: DelayRule, Every: 2, Of: 3, Delay: 200 * clock.Millisecond, DelayMax: 2 * clock.Second}))
	var late int
	for range 30 {
		d := n.Send(0, 1, "Ping").Delay[0]
		if d > clock.Millisecond {
			late++
			assert.GreaterOrEqual(t, d, 201*clock.Millisecond)
			assert.LessOrEqual(t, d, 2001*clock.Millisecond)
		}
	}
	assert.Equal(t, 20, late, "two of every three")
	assert.Error(t, Rule{Action: DropRule, Every: 3, Of: 2}.Validate())
	assert.Error(t, Rule{Action: DelayRule, Every: 1, Of: 2, Delay: clock.Second, DelayMax: clock.Millisecond}.Validate())
}
