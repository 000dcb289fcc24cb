package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

func TestParseFaultForms(t *testing.T) {
	// Each form parses and prints back exactly as written.
	for _, s := range []string{
		"partition n1 | n2 n3",
		"partition n1 n2 | n3 | n4 n5",
		"partition halves",
		"partition majority",
		"partition ring",
		"isolate n1",
		"oneway n1 n2 -> n3",
		"bridge n1 n2 | n3 | n4 n5",
		"heal",
		"recover",
		"crash n1",
		"crash n1 n2",
		"restart n2",
		"pause n3",
		"resume n3",
		"clock n1 offset +50ms",
		"clock n1 offset -2s",
		"clock n2 drift -20%",
		"clock n2 drift +0.05%",
		"clock n3 jump -1s",
		"net loss 10%",
		"net dup 0.5%",
		"net latency uniform 1ms 10ms",
		"net latency fixed 5ms",
		"net latency exp 1ms 5ms",
		"net latency exp 1ms 5ms 200ms",
		"net n1->n2 loss 100%",
		"drop next 2 AppendEntries n1->n3",
		"drop next 1 * *->n2",
		"delay next 1 RequestVote n1->* 50ms",
		"clog n1->n2 500ms",
		"hold n2->n1",
		"release n2->n1",
		"drop inflight AppendEntries n1->n2 sent 1.234567s",
	} {
		f, err := ParseFault(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, f.String())
	}
}

func TestParseFaultAccepts(t *testing.T) {
	f, err := ParseFault("clock n1 drift 500ppm")
	require.NoError(t, err)
	assert.Equal(t, int64(500), f.PPM)
	assert.Equal(t, "clock n1 drift +0.05%", f.String())
}

func TestParseFaultErrors(t *testing.T) {
	cases := map[string]string{
		"":                             "empty fault",
		"explode n1":                   `unknown fault "explode"`,
		"partition n1":                 "want groups separated by |",
		"partition n1 | | n2":          "empty group",
		"partition | n2":               "empty group",
		"isolate":                      "want one or more nodes",
		"oneway n1 n2":                 "oneway n1 -> n2 n3",
		"bridge n1 | n2 n3 | n4":       "one node in the middle",
		"heal now":                     "heal takes no arguments",
		"crash":                        "one or more nodes",
		"clock n1 offset fast":         "duration",
		"clock n1 speed 2x":            "unknown setting",
		"clock n1 drift 60%":           "strictly between",
		"clock n1 drift 10":            "want a percentage",
		"clock n1 jump +48h":           "more than a day",
		"net loss 110%":                "over 100%",
		"net loss -1%":                 "want a percentage",
		"net loss 1.23456%":            "at most 4 decimals",
		"net speed 3":                  "unknown setting",
		"net latency uniform 10ms 1ms": "max below min",
		"net latency normal 1ms":       "want fixed D",
		"net n1->n1 loss 1%":           "no link to itself",
		"drop next 0 X n1->n2":         "count from 1",
		"drop 2 X n1->n2":              "drop next N KIND FROM->TO",
		"drop next 2 X n1-n2":          "want FROM->TO",
		"delay next 1 X n1->n2":        "followed by a duration",
		"delay next 1 X n1->n2 -5ms":   "no sign allowed",
		"clog n1->n2":                  "clog n1->n2 500ms",
		"clog n1->n2 0s":               "must be positive",
		"hold n1":                      "want FROM->TO",
		"crash n1|n2":                  "not a node name",
	}
	for in, want := range cases {
		_, err := ParseFault(in)
		assert.ErrorContains(t, err, want, "%q", in)
	}
}

func TestPercent(t *testing.T) {
	for in, ppm := range map[string]int64{"0%": 0, "10%": 100_000, "0.5%": 5_000, "100%": 1_000_000, "0.0001%": 1, "12.34%": 123_400} {
		got, err := ParsePercent(in, false)
		require.NoError(t, err, in)
		assert.Equal(t, ppm, got, in)
		assert.Equal(t, in, FormatPercent(ppm))
	}
	v, err := ParsePercent("-20%", true)
	require.NoError(t, err)
	assert.Equal(t, int64(-200_000), v)
	for _, bad := range []string{"", "%", "10", "1e3%", "ten%", ".5%", "-1%"} {
		_, err := ParsePercent(bad, false)
		assert.Error(t, err, bad)
	}
}

// genFault draws any valid fault over nodes n1..n5.
func genFault(t *rapid.T) Fault {
	node := func(label string) protocols.NodeID {
		return protocols.NodeID("n" + string(rune('1'+rapid.IntRange(0, 4).Draw(t, label))))
	}
	group := func(label string) [][]protocols.NodeID {
		perm := rapid.Permutation(protocols.Servers(5)).Draw(t, label)
		cut := rapid.IntRange(1, 4).Draw(t, label+"-cut")
		return [][]protocols.NodeID{perm[:cut], perm[cut:]}
	}
	link := func() net.Link {
		a := rapid.IntRange(0, 4).Draw(t, "from")
		b := (a + rapid.IntRange(1, 4).Draw(t, "off")) % 5
		return net.Link{From: protocols.Servers(5)[a], To: protocols.Servers(5)[b]}
	}
	dur := func(label string) clock.Duration {
		return clock.Duration(rapid.Int64Range(1, 10_000_000).Draw(t, label)) * clock.Microsecond
	}
	switch kind := FaultKind(rapid.IntRange(int(Partition), int(DropInFlight)).Draw(t, "kind")); kind {
	case Partition:
		return Fault{Kind: kind, Groups: group("groups")}
	case PartitionBy:
		return Fault{Kind: kind, Shape: rapid.SampledFrom([]Shape{ShapeHalves, ShapeMajority, ShapeRing}).Draw(t, "shape")}
	case Isolate:
		return Fault{Kind: kind, Nodes: []protocols.NodeID{node("n")}}
	case OneWay:
		return Fault{Kind: kind, Groups: group("groups")}
	case Bridge:
		perm := rapid.Permutation(protocols.Servers(5)).Draw(t, "perm")
		return Fault{Kind: kind, Groups: [][]protocols.NodeID{perm[:2], perm[3:]}, Nodes: perm[2:3]}
	case Heal, Recover:
		return Fault{Kind: kind}
	case Crash, Restart, Pause, Resume:
		return Fault{Kind: kind, Nodes: group("nodes")[0]}
	case ClockOffset, ClockJump:
		d := dur("d")
		if rapid.Bool().Draw(t, "neg") {
			d = -d
		}
		return Fault{Kind: kind, Nodes: []protocols.NodeID{node("n")}, Span: d}
	case ClockDrift:
		return Fault{Kind: kind, Nodes: []protocols.NodeID{node("n")}, PPM: rapid.Int64Range(-499_999, 499_999).Draw(t, "ppm") / 100 * 100}
	case NetSet:
		f := Fault{Kind: kind}
		if rapid.Bool().Draw(t, "per-link") {
			f.Link = link()
		}
		f.Field = rapid.SampledFrom([]NetField{FieldLoss, FieldDup, FieldLatency}).Draw(t, "field")
		if f.Field == FieldLatency {
			lo := dur("lo")
			f.Lat = net.UniformLatency(lo, lo+dur("span"))
		} else {
			f.PPM = rapid.Int64Range(0, 10_000).Draw(t, "pct") * 100
		}
		return f
	case DropNext, DelayNext:
		l := link()
		r := net.Rule{Action: net.DropRule, From: l.From, To: l.To, Kind: rapid.SampledFrom([]string{"", "AppendEntries", "Vote"}).Draw(t, "kind"), Count: rapid.IntRange(1, 100).Draw(t, "count")}
		if rapid.Bool().Draw(t, "any-from") {
			r.From = ""
		}
		if kind == DelayNext {
			r.Action, r.Delay = net.DelayRule, dur("delay")
		}
		return Fault{Kind: kind, Rule: r}
	case Clog:
		return Fault{Kind: kind, Link: link(), Span: dur("span")}
	case DropInFlight:
		l := link()
		return Fault{Kind: kind, Sent: clock.Time(dur("sent")), Rule: net.Rule{Action: net.DropRule, From: l.From, To: l.To, Kind: "Vote", Count: 1}}
	case Hold, Release:
		return Fault{Kind: kind, Link: link()}
	}
	panic("unreachable")
}

func TestFaultRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genFault(t)
		back, err := ParseFault(f.String())
		if err != nil {
			t.Fatalf("%q does not parse: %v", f.String(), err)
		}
		assert.Equal(t, f, back, "%q", f.String())
	})
}

func FuzzParseFault(f *testing.F) {
	for _, s := range []string{"partition n1 | n2", "clock n1 drift -10%", "net latency exp 1ms 5ms", "drop next 1 * *->*", "bridge a | b | c", "clog x->y 1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fault, err := ParseFault(s)
		if err != nil {
			return
		}
		// Anything that parses prints as something that parses to the same fault.
		again, err := ParseFault(fault.String())
		if err != nil {
			t.Fatalf("%q parsed, but its rendering %q does not: %v", s, fault.String(), err)
		}
		if again.String() != fault.String() {
			t.Fatalf("%q renders as %q, then as %q", s, fault.String(), again.String())
		}
	})
}

// FuzzParsePercent: a percentage either is refused or renders back to
// itself, in parts per million.
func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"10%", "0.5%", "-20%", "+500ppm", "100%", "1e3%", "0.00001%", "%", ""} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, signed bool) {
		v, err := ParsePercent(s, signed)
		if err != nil {
			return
		}
		back, err := ParsePercent(FormatPercent(v), true)
		if err != nil || back != v {
			t.Fatalf("%q is %d ppm, renders as %q, which parses as %d (%v)", s, v, FormatPercent(v), back, err)
		}
	})
}
