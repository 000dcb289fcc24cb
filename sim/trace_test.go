package sim

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// hashWorlds are worlds that exercise every kind of event and every part
// of a trace line: starts and restarts, timers, deliveries and drops of
// every reason, faults with and without remarks, admin commands, unsynced
// and replacing writes, busy and byzantine nodes.
func hashWorlds() map[string]Config {
	byz := config(2, 3, bouncerOpts{}, "0s byzantine n2 mute", "300ms crash n2", "400ms restart n2")
	byz.Strategy = strategies
	return map[string]Config{
		"plain": config(7, 3, bouncerOpts{}),
		"faults": config(9, 4, bouncerOpts{lazy: true},
			"300ms crash n3", "400ms partition n1 n2 | n3 n4", "500ms restart n3", "600ms heal",
			"700ms pause n2", "800ms resume n2", "900ms clog n1->n2 200ms", "1s hold n2->n1", "1.2s release n2->n1",
			"1.3s net loss 20%", "1.4s partition halves", "1.5s admin n1 add-server n6", "1.6s crash n2", "1.7s restart n2",
			"1.8s drop next 1 * *->n2", "1.9s heal"),
		"replace":   config(3, 3, bouncerOpts{replace: 3}),
		"service":   config(4, 3, bouncerOpts{}, "0s service n1 3ms"),
		"byzantine": byz,
	}
}

// The hash is a function of the run alone: rendering lines (from the
// start, with a trace written, or from the middle, when an observer asks)
// changes neither the hash nor the bytes it counted, under any GOMAXPROCS.
func TestHashIsTheSameWithAndWithoutLines(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for name, cfg := range hashWorlds() {
		t.Run(name, func(t *testing.T) {
			d := time(2000)
			traced, lines := run(t, cfg, d)
			require.Greater(t, len(lines), 50)
			for _, procs := range []int{1, 2, 4} {
				runtime.GOMAXPROCS(procs)
				plain := untraced(t, cfg, d)
				assert.Equal(t, traced.Hash(), plain.Hash(), "GOMAXPROCS=%d", procs)
				assert.Equal(t, traced.HashedBytes(), plain.HashedBytes())
				assert.Equal(t, traced.Events(), plain.Events())
				assert.Equal(t, traced.Failure(), plain.Failure())
			}

			late, err := New(cfg)
			require.NoError(t, err)
			var got []string
			late.Observe(func(_ *World, ev *Info) {
				if ev.Line != nil {
					got = append(got, string(ev.Line))
				}
			})
			late.RunToEvent(20)
			assert.Empty(t, got, "no lines until asked")
			late.RenderLines()
			late.RunUntil(clock.Time(d))
			assert.Equal(t, traced.Hash(), late.Hash())
			assert.Equal(t, lines[20:], got, "lines from where they were asked for, numbered as ever")
		})
	}
}

// Each part of a line goes into the hash: runs whose traces differ only
// in the effects summary (unsynced, replacing the store) hash apart.
func TestHashSeesTheWholeLine(t *testing.T) {
	base, baseLines := run(t, config(5, 3, bouncerOpts{}), time(1000))
	for name, o := range map[string]bouncerOpts{"unsynced": {lazy: true}, "replacing": {replace: 3}} {
		w, lines := run(t, config(5, 3, o), time(1000))
		require.Equal(t, len(baseLines), len(lines), "%s: the same events", name)
		assert.NotEqual(t, baseLines, lines, name)
		assert.NotEqual(t, base.Hash(), w.Hash(), "%s: a trace that differs hashes apart", name)
	}
}

// The hash's definition is pinned: a change to what it folds, or how,
// changes every hash a user has recorded, and must bump HashVersion.
func TestHashVersionIsPinned(t *testing.T) {
	w := untraced(t, config(7, 3, bouncerOpts{}), time(2000))
	assert.Equal(t, 2, HashVersion)
	assert.Equal(t, uint64(0x4949c077ef08f7cb), w.Hash(), "the definition of the hash changed: bump HashVersion and say so in its comment")
}

// logLeader is a node that leads as badly as possible: every tick it
// appends an entry and sends its whole log to every peer, so its messages
// grow without bound while their number stays sane.
type logLeader struct {
	cfg protocols.Config
	log []string
}

// wholeLog carries a leader's whole log; it hashes field by field.
type wholeLog struct{ Entries []string }

func (wholeLog) Kind() string { return "WholeLog" }
func (m wholeLog) String() string {
	s := "WholeLog{"
	for i, e := range m.Entries {
		if i > 0 {
			s += " "
		}
		s += e
	}
	return s + "}"
}

func (m wholeLog) AppendHash(h *protocols.Hash) {
	h.Int(len(m.Entries))
	for _, e := range m.Entries {
		h.String(e)
	}
}

func (l *logLeader) Step(in protocols.Input, out *protocols.Effects) {
	if l.cfg.ID != "n1" || in.Kind == protocols.Receive {
		return
	}
	l.log = append(l.log, "entry-with-a-payload")
	for _, p := range l.cfg.Peers {
		out.Send(p, wholeLog{l.log[:len(l.log):len(l.log)]})
	}
	out.SetTimer("heartbeat", 10*ms)
}

func (l *logLeader) Status() protocols.Status { return protocols.Status{Role: "leader"} }

func logLeaderConfig() Config {
	cfg := config(1, 3, bouncerOpts{})
	cfg.Server = func(c protocols.Config) protocols.Node { return &logLeader{cfg: c} }
	return cfg
}
