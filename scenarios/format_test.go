package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/sim"
)

const minimal = "protocol broadcast\nnodes 3\nduration 2s\n"

func TestParseMinimal(t *testing.T) {
	s, err := Parse("x.scn", strings.NewReader(minimal))
	require.NoError(t, err)
	assert.Equal(t, "broadcast", s.Protocol)
	assert.Equal(t, 3, s.Nodes)
	assert.Equal(t, 2*clock.Second, s.Duration)
	assert.Equal(t, -1, s.Clients, "unset: the protocol's default")
	assert.Equal(t, clock.Duration(-1), s.Healing, "unset: the default healing phase")
	assert.Equal(t, uint64(1), s.Seed)
	assert.Equal(t, net.DefaultLink, s.Link)
}

func TestParseEverything(t *testing.T) {
	src := `# a comment
title    Everything at once
protocol broadcast
nodes 5
clients 0
duration 10s
healing 3s
seed 42
net latency exp 1ms 5ms
net loss 2.5%
net dup 1%
option values 7
workload keys 4
bug no-retry
expect violation convergence
text First line, with a # that is not a comment.
text
text Third.
at 1s partition n1 n2 | n3 n4 n5
at 2.5s heal      # heal it
at 3s drop next 2 Gossip n1->*
`
	s, err := Parse("all.scn", strings.NewReader(src))
	require.NoError(t, err)
	assert.Equal(t, "Everything at once", s.Title)
	assert.Equal(t, []string{"First line, with a # that is not a comment.", "", "Third."}, s.Text)
	assert.Equal(t, uint64(42), s.Seed)
	assert.Equal(t, 0.025, s.Link.Loss)
	assert.Equal(t, net.ExpLatency(clock.Millisecond, 5*clock.Millisecond), s.Link.Latency)
	assert.Equal(t, []Setting{{Key: "values", Value: "7", Line: 12}}, s.Options)
	assert.Equal(t, Expectation{Kind: "violation", Name: "convergence"}, s.Expect)
	require.Len(t, s.Faults, 3)
	assert.Equal(t, clock.Time(2500*clock.Millisecond), s.Faults[1].At)
	assert.Equal(t, 21, s.Line(2))
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		src, want string
	}{
		{"", "x.scn: no protocol line"},
		{"protocol broadcast\n", "x.scn: no nodes line"},
		{"protocol broadcast\nnodes 3\n", "x.scn: no duration line"},
		{"protocol raft\nprotocol raft\n", `x.scn:2: protocol is set twice (first on line 1)`},
		{"flavour vanilla\n", `x.scn:1: unknown setting "flavour"`},
		{minimal + "nodes 4\n", "x.scn:4: nodes is set twice"},
		{"protocol broadcast\nnodes three\n", `x.scn:2: nodes "three": want a whole number`},
		{"protocol broadcast\nnodes -2\n", "x.scn:2: nodes -2: want 1 to 32"},
		{"protocol broadcast\nnodes 100000\n", "x.scn:2: nodes 100000: want 1 to 32"},
		{"protocol broadcast\nclients 99\n", "x.scn:2: clients 99: want 0 to 32"},
		{"duration -5s\n", `x.scn:1: duration "-5s": no sign allowed`},
		{"duration 0s\n", "x.scn:1: duration must be positive"},
		{"duration 1000h\n", "x.scn:1: duration 1000h: at most 1h"},
		{"duration soon\n", `x.scn:1: duration "soon": want a number with a unit`},
		{"healing 2\n", `x.scn:1: healing "2": want a number with a unit`},
		{"seed -1\n", `x.scn:1: seed "-1": want a non-negative whole number`},
		{"net loss 150%\n", "x.scn:1: net loss: 150% is over 100%"},
		{"net n1->n2 loss 5%\n", "x.scn:1: net: per-link settings go in the schedule"},
		{"option values\n", "x.scn:1: option: want a name and a value"},
		{"option a 1\noption a 2\n", "x.scn:2: option a is set twice (first on line 1)"},
		{"expect something\n", `x.scn:1: expect something: unknown expectation; want "expect violation KIND"`},
		{"at 2s\n", `x.scn:1: at: want "at TIME FAULT"`},
		{"at soon crash n1\n", "x.scn:1: at soon: duration"},
		{"at 1s explode n1\n", `x.scn:1: unknown fault "explode"`},
		{minimal + "at 5s crash n1\n", "x.scn:4: at 5s is after the end of the chaos phase (duration 2s)"},
		{"bug\n", "x.scn:1: bug: want one name"},
		{"chaos storm\n", `x.scn:1: chaos: want "chaos swarm [CLASS ...]"`},
		{"chaos swarm meteor\n", `x.scn:1: chaos: unknown fault class "meteor"`},
		{"chaos swarm crash crash\n", "x.scn:1: chaos: crash listed twice"},
	}
	for _, c := range cases {
		_, err := Parse("x.scn", strings.NewReader(c.src))
		if assert.Error(t, err, "%q", c.src) {
			assert.Contains(t, err.Error(), c.want, "%q", c.src)
		}
	}
}

func TestLongLineIsAnError(t *testing.T) {
	_, err := Parse("x.scn", strings.NewReader("text "+strings.Repeat("a", 2<<20)+"\n"))
	assert.EqualError(t, err, "x.scn:1: the line is longer than 1 MiB: a scenario is a short text file")
}

// Errors found when the run is wired (unknown nodes, unknown options) still
// point at the line.
func TestWiringErrorsNameTheLine(t *testing.T) {
	cases := map[string]string{
		minimal + "at 1s crash n7\n":                  "x.scn:4: unknown node n7",
		minimal + "at 1s isolate c1\n":                "x.scn:4: unknown node c1",
		minimal + "option colour blue\n":              `x.scn:4: unknown option "colour" (want batch, gossip-every, originate-every, values)`,
		minimal + "option values many\n":              `x.scn:4: option values: want a whole number from 0 to 10000, got "many"`,
		minimal + "option gossip-every fast\n":        "x.scn:4: option gossip-every: duration",
		minimal + "workload keys 3\n":                 `x.scn:4: unknown workload "keys" (this protocol takes none)`,
		minimal + "bug off-by-one\n":                  `protocol broadcast has no bug variant "off-by-one" (known: no-retry, forget-on-restart)`,
		minimal + "clients 2\n":                       "protocol broadcast has no clients",
		"protocol paxos-9000\nnodes 3\nduration 1s\n": `unknown protocol "paxos-9000"`,
		"protocol broadcast\nnodes 1\nduration 1s\n":  "broadcast needs at least 2 nodes",
	}
	for src, want := range cases {
		s, err := Parse("x.scn", strings.NewReader(src))
		require.NoError(t, err, src)
		_, err = Start(s, RunOptions{Seed: 1})
		if assert.Error(t, err, src) {
			assert.Contains(t, err.Error(), want, src)
		}
	}
}

// genScenario draws any scenario the format can express.
func genScenario(t *rapid.T) *Scenario {
	word := rapid.StringMatching(`[a-z][a-z0-9-]{0,8}`)
	dur := func(label string, lo int64) clock.Duration {
		return clock.Duration(rapid.Int64Range(lo, 600_000).Draw(t, label)) * clock.Millisecond
	}
	s := &Scenario{
		Name:     "gen.scn",
		Title:    rapid.StringMatching(`([A-Za-z0-9,.:#'()-]+ ){0,6}[A-Za-z0-9.]+`).Draw(t, "title"),
		Protocol: word.Draw(t, "protocol"),
		Nodes:    rapid.IntRange(1, 32).Draw(t, "nodes"),
		Clients:  rapid.IntRange(-1, MaxClients).Draw(t, "clients"),
		Duration: dur("duration", 1),
		Healing:  -1,
		Seed:     rapid.Uint64().Draw(t, "seed"),
		Link:     net.LinkConfig{Latency: net.UniformLatency(clock.Millisecond, dur("max-latency", 1))},
	}
	if rapid.Bool().Draw(t, "healing-set") {
		s.Healing = dur("healing", 0)
	}
	s.Link.Loss = float64(rapid.Int64Range(0, 1_000_000).Draw(t, "loss")/100*100) / 1e6
	s.Link.Dup = float64(rapid.Int64Range(0, 1_000_000).Draw(t, "dup")/100*100) / 1e6
	keys := rapid.SliceOfNDistinct(word, 0, 4, rapid.ID[string]).Draw(t, "option-keys")
	for _, k := range keys {
		s.Options = append(s.Options, Setting{Key: k, Value: rapid.StringMatching(`[a-z0-9.%]+( [a-z0-9.%]+)?`).Draw(t, "value")})
	}
	if rapid.Bool().Draw(t, "bug") {
		s.Bug = word.Draw(t, "bug-name")
	}
	if rapid.Bool().Draw(t, "expect") {
		s.Expect = Expectation{Kind: rapid.SampledFrom([]string{"violation", "probe"}).Draw(t, "expect-kind"), Name: word.Draw(t, "expect-name")}
	}
	if rapid.Bool().Draw(t, "chaos") {
		s.Chaos = "swarm"
		s.ChaosOf = rapid.SliceOfNDistinct(rapid.SampledFrom(FaultClasses()), 0, 3, rapid.ID[string]).Draw(t, "chaos-of")
		if len(s.ChaosOf) == 0 {
			s.ChaosOf = nil
		}
	}
	s.Text = rapid.SliceOfN(rapid.StringMatching(`(([A-Za-z0-9,.:#'()-]+ ){0,8}[A-Za-z0-9.]+)?`), 0, 4).Draw(t, "text")
	if len(s.Text) == 0 {
		s.Text = nil
	}
	for range rapid.IntRange(0, 6).Draw(t, "faults") {
		f := rapid.SampledFrom([]string{"crash n1", "restart n1", "partition n1 | n2", "heal", "net loss 5%", "clock n1 drift -10%", "drop next 1 * n1->*", "partition halves", "recover"}).Draw(t, "fault")
		fault, err := sim.ParseFault(f)
		if err != nil {
			t.Fatal(err)
		}
		fault.At = clock.Time(rapid.Int64Range(0, int64(s.Duration/clock.Millisecond)).Draw(t, "at")) * clock.Time(clock.Millisecond)
		s.Faults = append(s.Faults, fault)
	}
	return s
}

// Formatting a scenario and parsing it back gives the same scenario.
func TestFormatParseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genScenario(t)
		text := Format(s)
		back, err := Parse(s.Name, strings.NewReader(text))
		if err != nil {
			t.Fatalf("formatted scenario does not parse: %v\n%s", err, text)
		}
		for i := range back.Options {
			back.Options[i].Line = 0
		}
		back.faultLines, back.expectLine = nil, 0
		assert.Equal(t, s, back, text)
	})
}

// Every built-in scenario survives formatting too (its comments aside).
func TestBuiltinsRoundTrip(t *testing.T) {
	for _, name := range Names() {
		s, err := Builtin(name)
		require.NoError(t, err)
		back, err := Parse(name, strings.NewReader(Format(s)))
		require.NoError(t, err, name)
		assert.Equal(t, Format(s), Format(back), name)
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range Names() {
		src, _ := BuiltinSource(n)
		f.Add(string(src))
	}
	f.Add(minimal + "at 1s partition n1 | n2\n")
	f.Add("text #\nnet latency exp 1ms 5ms 1s\nexpect probe x\n")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := Parse("fuzz.scn", strings.NewReader(src))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.scn") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		back, err := Parse("fuzz.scn", strings.NewReader(Format(s)))
		if err != nil {
			t.Fatalf("parsed, but its formatting does not: %v\n%s", err, Format(s))
		}
		if Format(back) != Format(s) {
			t.Fatalf("formatting is not stable:\n%s\n---\n%s", Format(s), Format(back))
		}
	})
}

// FuzzStart: any scenario file that parses is either refused when its run
// is wired (bad options, unknown nodes, settings that cannot make sense),
// with an error naming the file, or yields a run with a budget; nothing
// panics. The run itself is not played: that is the catalogue's and the
// sweeps' job.
func FuzzStart(f *testing.F) {
	for _, n := range Names() {
		src, _ := BuiltinSource(n)
		f.Add(string(src), uint64(1))
	}
	f.Add("protocol raft\nnodes 3\nduration 1s\nnet latency fixed 0s\n", uint64(2))
	f.Add("protocol raft\nnodes 3\nduration 1s\noption heartbeat 1ns\nexpect probe x\n", uint64(3))
	f.Add("protocol 2pc\nnodes 3\nduration 1s\nhealing 3s\nexpect violation atomicity\nat 1s drop next 1 Vote n1->*\n", uint64(4))
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		s, err := Parse("fuzz.scn", strings.NewReader(src))
		if err != nil {
			return
		}
		r, err := Start(s, RunOptions{Seed: seed})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.scn") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if r.World.Events() != 0 || r.End <= 0 {
			t.Fatalf("a run that has not started: %d events, end %s", r.World.Events(), r.End)
		}
	})
}

// FuzzParseShard: --shard either is refused or names a shard of its sweep.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/4", "3/8", "4/4", "-1/3", "a/b", "1/0", "9999999999999999999/1", "0/9223372036854775807", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, n, err := ParseShard(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--shard ") {
				t.Fatalf("error does not name the flag: %v", err)
			}
			return
		}
		if i < 0 || n < 1 || i >= n {
			t.Fatalf("%q parsed as shard %d of %d", s, i, n)
		}
		o := SweepOptions{Seeds: 10, Start: 1, Shard: i, Shards: n}
		if err := o.Validate(); err != nil {
			t.Fatalf("%q parsed but does not validate: %v", s, err)
		}
	})
}
