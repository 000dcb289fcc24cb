package sim

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

const ms = clock.Millisecond

// ball is the message of the test protocol: a counter bounced between nodes.
type ball struct {
	N    int
	Path []protocols.NodeID // every node that touched it; exercises deep copy
}

func (ball) Kind() string { return "Ball" }
func (b ball) String() string {
	return "Ball{n=" + strconv.Itoa(b.N) + " hops=" + strconv.Itoa(len(b.Path)) + "}"
}

// bouncer is the test protocol. n1 serves a ball to its first peer at start;
// whoever receives a ball returns it with N+1 to a random peer. Every node
// ticks every 100ms and persists its tick count, synced or not.
type bouncer struct {
	cfg      protocols.Config
	ticks    int
	received int
	opts     bouncerOpts
	lastSent ball
}

type bouncerOpts struct {
	lazy     bool // persist ticks without syncing
	panicAt  int  // panic on receiving the ball with this N (0: never)
	mutate   bool // mutate the last ball sent on the next tick: breaks rule 5
	noTick   bool
	allPeers bool // broadcast instead of bouncing: a message storm
	replace  int  // replace the store with one record every this many ticks (0: never)
}

type tickRecord struct{ Ticks int }

func newBouncer(o bouncerOpts) protocols.Factory {
	return func(cfg protocols.Config) protocols.Node {
		b := &bouncer{cfg: cfg, opts: o}
		for _, r := range cfg.Store {
			b.ticks = r.(tickRecord).Ticks
		}
		return b
	}
}

func (b *bouncer) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		if !b.opts.noTick {
			out.SetTimer("tick", 100*ms)
		}
		if b.cfg.ID == "n1" && len(b.cfg.Peers) > 0 {
			out.Send(b.cfg.Peers[0], ball{N: 1, Path: []protocols.NodeID{"n1"}})
		}
	case protocols.Timer:
		if b.opts.mutate && len(b.lastSent.Path) > 0 {
			b.lastSent.Path[0] = "zz" // a receiver may see this: shared memory through a message
		}
		b.ticks++
		out.Persist(tickRecord{b.ticks})
		out.NoSync = b.opts.lazy
		if b.opts.replace > 0 && b.ticks%b.opts.replace == 0 {
			out.ReplaceStore(tickRecord{b.ticks})
		}
		out.SetTimer("tick", 100*ms)
	case protocols.Admin:
		out.Note("admin " + strings.Join(in.Command, " "))
	case protocols.Receive:
		m := in.Msg.(ball)
		b.received++
		if m.N == b.opts.panicAt {
			var nilMap map[string]int
			nilMap["boom"] = m.N // a real bug: assignment to a nil map
		}
		next := ball{N: m.N + 1, Path: append(append([]protocols.NodeID(nil), m.Path...), b.cfg.ID)}
		if b.opts.allPeers {
			out.Broadcast(b.cfg.Peers, next)
			return
		}
		to := b.cfg.Peers[b.cfg.Rand.IntN(len(b.cfg.Peers))]
		out.Send(to, next)
		out.Note(fmt.Sprintf("bounce %d", m.N))
		b.lastSent = next
	}
}

func (b *bouncer) Status() protocols.Status {
	return protocols.Status{Role: "bouncer", Commit: b.ticks, Fields: []protocols.Field{{Name: "received", Value: strconv.Itoa(b.received)}}}
}

func config(seed uint64, n int, o bouncerOpts, faults ...string) Config {
	cfg := Config{
		Seed:    seed,
		Servers: protocols.Servers(n),
		Server:  newBouncer(o),
		Link:    net.LinkConfig{Latency: net.UniformLatency(1*ms, 10*ms)},
	}
	for _, s := range faults {
		at, rest, _ := strings.Cut(s, " ")
		d, err := clock.ParseDuration(at)
		if err != nil {
			panic(err)
		}
		f, err := ParseFault(rest)
		if err != nil {
			panic(fmt.Sprintf("%q: %v", s, err))
		}
		f.At = clock.Time(d)
		cfg.Faults = append(cfg.Faults, f)
	}
	return cfg
}

// run builds a world, runs it for d and returns it with its trace lines.
func run(t *testing.T, cfg Config, d clock.Duration) (*World, []string) {
	t.Helper()
	var trace strings.Builder
	cfg.Trace = &trace
	w, err := New(cfg)
	require.NoError(t, err)
	w.RunUntil(clock.Time(d))
	return w, strings.Split(strings.TrimSuffix(trace.String(), "\n"), "\n")
}

// untraced builds a world that renders no lines and runs it for d.
func untraced(t *testing.T, cfg Config, d clock.Duration) *World {
	t.Helper()
	cfg.Trace = nil
	w, err := New(cfg)
	require.NoError(t, err)
	w.RunUntil(clock.Time(d))
	return w
}

func grep(lines []string, substr string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}
