package sim

import (
	"testing"

	"github.com/dsimlab/dsim/clock"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every event's Info holds its own event's fields and none of another's:
// the world reuses one Info and, between two deliveries, resets only what
// a delivery sets, so a field left over from an earlier event (a drop's
// reason on a delivery, a timer's name, a restart's record count) would
// show here. One run mixes deliveries, drops, timers, faults, a crash
// and a restart; a storm over lossy links has drops and deliveries
// interleaved.
func TestInfoShowsOnlyItsEventsFields(t *testing.T) {
	cfg := config(3, 4, bouncerOpts{},
		"500ms partition n1 | n2 n3 n4", "1.5s heal", "2s crash n2", "2.5s restart n2",
		"3s pause n3", "3.4s resume n3", "4s clog n4->n1 300ms")
	cfg.Link.Loss = 0.3
	kinds := checkInfos(t, cfg, 6_000)
	for _, k := range []string{"fault", "drop", "delivery", "timer", "restart"} {
		assert.Positive(t, kinds[k], "the run has no %s", k)
	}

	storm := config(3, 4, bouncerOpts{allPeers: true})
	storm.Link.Loss = 0.5
	kinds = checkInfos(t, storm, 60)
	assert.Greater(t, kinds["drop"], 100)
	assert.Greater(t, kinds["delivery"], 100)
}

// checkInfos runs cfg for ms milliseconds, checks each event's Info, and
// counts the events by kind.
func checkInfos(t *testing.T, cfg Config, ms int) map[string]int {
	t.Helper()
	kinds := map[string]int{}
	w, err := New(cfg)
	require.NoError(t, err)
	w.Observe(func(_ *World, ev *Info) {
		require.Equal(t, w.Events(), ev.Seq)
		require.Equal(t, w.Now(), ev.Time)
		delivery := ev.Msg != nil
		switch {
		case ev.Fault != nil:
			kinds["fault"]++
			assert.Empty(t, ev.Node, "fault %d", ev.Seq)
			assert.Equal(t, -1, ev.Index, "fault %d", ev.Seq)
		case delivery && ev.Drop != 0:
			kinds["drop"]++
			assert.Zero(t, ev.Input, "drop %d", ev.Seq)
			assert.Nil(t, ev.Sends, "drop %d", ev.Seq)
			assert.Nil(t, ev.Notes, "drop %d", ev.Seq)
		case delivery:
			kinds["delivery"]++
			assert.NotZero(t, ev.Input, "delivery %d", ev.Seq)
		case ev.Timer != "":
			kinds["timer"]++
		case ev.Restart:
			kinds["restart"]++
		}
		if ev.Fault == nil {
			assert.Nil(t, ev.Acted, "event %d", ev.Seq)
			assert.NotEmpty(t, ev.Node, "event %d", ev.Seq)
			assert.GreaterOrEqual(t, ev.Index, 0, "event %d", ev.Seq)
		}
		if !delivery {
			assert.Empty(t, ev.From, "event %d", ev.Seq)
			assert.Zero(t, ev.Sent, "event %d", ev.Seq)
			assert.Zero(t, ev.Drop, "event %d", ev.Seq)
		}
		if delivery || ev.Fault != nil {
			assert.Empty(t, ev.Timer, "event %d", ev.Seq)
			assert.False(t, ev.Restart, "event %d", ev.Seq)
			assert.Zero(t, ev.Records, "event %d", ev.Seq)
			assert.Nil(t, ev.Command, "event %d", ev.Seq)
		}
		if delivery {
			assert.Nil(t, ev.Fault, "event %d", ev.Seq)
		}
	})
	w.RunUntil(clock.Time(time(ms)))
	return kinds
}
