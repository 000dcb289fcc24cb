package sim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// manyTimers names a timer per "transaction", as 2PC's coordinator does:
// at start it sets t0..t(n-1), timer i to fire after (i+1)ms; when ti fires
// it sets it again once, 100ms later, and cancels t(i+1) if i is a multiple
// of 10, so setting again, cancelling and firing all go through the index.
type manyTimers struct {
	n     int
	fired []string
	again map[string]bool
}

func (m *manyTimers) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		for i := range m.n {
			out.SetTimer(fmt.Sprintf("t%d", i), clock.Duration(i+1)*ms)
		}
	case protocols.Timer:
		m.fired = append(m.fired, in.Timer)
		if !m.again[in.Timer] {
			m.again[in.Timer] = true
			out.SetTimer(in.Timer, 100*ms)
		}
		var i int
		fmt.Sscanf(in.Timer, "t%d", &i)
		if i%10 == 0 && i+1 < m.n {
			out.CancelTimer(fmt.Sprintf("t%d", i+1))
		}
	}
}

func (m *manyTimers) Status() protocols.Status { return protocols.Status{Role: "timers"} }

// A node with many timers (indexed past timerScan) gets each one's firings,
// resets and cancellations exactly as a node with a few does.
func TestManyNamedTimers(t *testing.T) {
	for _, n := range []int{timerScan - 2, timerScan + 1, 4 * timerScan} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			node := &manyTimers{n: n, again: map[string]bool{}}
			w, err := New(Config{Seed: 1, Servers: []protocols.NodeID{"n1"}, Server: func(protocols.Config) protocols.Node { return node }})
			require.NoError(t, err)
			w.RunUntil(clock.Time(clock.Second))
			var want []string
			cancelled := map[int]bool{}
			for i := range n { // the first round, in order of their delays
				if !cancelled[i] {
					want = append(want, fmt.Sprintf("t%d", i))
					if i%10 == 0 {
						cancelled[i+1] = true
					}
				}
			}
			// Then each again, 100ms after its first firing, in the same
			// order; the cancelled stay cancelled.
			assert.Equal(t, append(want, want...), node.fired)
		})
	}
}
