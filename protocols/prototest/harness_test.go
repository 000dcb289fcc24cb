package prototest

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"

	"github.com/dsimlab/dsim/protocols"
)

// counter is a tiny protocol for testing the harness: on "bump" it persists
// its new count and tells every peer, which adopt any larger count.
type counter struct {
	cfg   protocols.Config
	count int
}

type bump struct{ N int }

func (bump) Kind() string     { return "Bump" }
func (b bump) String() string { return fmt.Sprintf("Bump{n=%d}", b.N) }

func newCounter(cfg protocols.Config) protocols.Node {
	c := &counter{cfg: cfg}
	for _, r := range cfg.Store {
		c.count = r.(int)
	}
	return c
}

func (c *counter) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		out.SetTimer("tick", 100_000_000)
	case protocols.Timer:
		c.count++
		out.Persist(c.count)
		out.Broadcast(c.cfg.Peers, bump{c.count})
		out.SetTimer("tick", 100_000_000)
	case protocols.Admin:
		// "reset N": compact the store to one record holding N.
		if len(in.Command) == 2 && in.Command[0] == "reset" {
			fmt.Sscan(in.Command[1], &c.count)
			out.ReplaceStore(c.count)
		}
	case protocols.Receive:
		if b := in.Msg.(bump); b.N > c.count {
			c.count = b.N
			out.Persist(c.count)
			out.NoSync = b.N%2 == 0 // even counts are written lazily, to exercise unsynced records
		}
	}
}

func (c *counter) Status() protocols.Status {
	return protocols.Status{Role: "counter", Commit: c.count}
}

// noGoingBack is a monitor: a node's count never decreases while it is up.
type noGoingBack struct{ last map[protocols.NodeID]int }

func (m *noGoingBack) Check(c protocols.Cluster, ev protocols.Event) error {
	for _, id := range c.Servers() {
		if n := c.Node(id); n != nil {
			v := n.Status().Commit
			if v < m.last[id] {
				return protocols.Violationf("monotonic", "%s went from %d to %d", id, m.last[id], v)
			}
			m.last[id] = v
		}
	}
	return nil
}

func TestHarnessScripts(t *testing.T) {
	Run(t, "testdata", func(t *testing.T) *Harness {
		h := New(1)
		h.AddServers(newCounter, "n1", "n2", "n3")
		h.AddMonitor(&noGoingBack{last: map[protocols.NodeID]int{}})
		return h
	}, map[string]Command{
		"send": func(t *testing.T, h *Harness, d *datadriven.TestData) string {
			var from, to string
			var n int
			d.ScanArgs(t, "from", &from)
			d.ScanArgs(t, "to", &to)
			d.ScanArgs(t, "n", &n)
			h.Inject(protocols.NodeID(from), protocols.NodeID(to), bump{n})
			return ""
		},
	})
}

func TestCrashLosesUnsyncedRecords(t *testing.T) {
	h := New(1)
	h.AddServers(newCounter, "n1", "n2")
	h.Start()
	h.Inject("n1", "n2", bump{3}) // synced
	h.Inject("n1", "n2", bump{4}) // lazy
	recs, synced := h.Store("n2")
	assert.Equal(t, []protocols.Record{3, 4}, recs)
	assert.Equal(t, 1, synced)
	h.Crash("n2")
	h.Restart("n2")
	assert.Equal(t, 3, h.Node("n2").Status().Commit, "restart sees only the synced record")
}

func TestMonitorViolationIsReported(t *testing.T) {
	h := New(1)
	h.AddServers(newCounter, "n1", "n2")
	h.AddMonitor(&noGoingBack{last: map[protocols.NodeID]int{}})
	h.Start()
	h.Inject("n1", "n2", bump{4}) // lazy: lost by the crash
	h.Crash("n2")
	h.Restart("n2")
	assert.ErrorContains(t, h.Failure(), "monotonic: n2 went from 4 to 0")
}

func TestAdminAndReplaceStore(t *testing.T) {
	h := New(1)
	h.AddServers(newCounter, "n1", "n2")
	h.Start()
	h.Inject("n1", "n2", bump{3})
	h.Inject("n1", "n2", bump{4}) // lazy
	h.Output()
	h.Admin("n2", "reset", "7")
	assert.Equal(t, "n2 admin reset 7\n  replace store: drop 2 records\n  persist 7\n", h.Output())
	recs, synced := h.Store("n2")
	assert.Equal(t, []protocols.Record{7}, recs)
	assert.Equal(t, 1, synced)
	h.Crash("n2")
	h.Admin("n2", "reset", "1")
	assert.Contains(t, h.Output(), "n2: down, admin reset 1 not delivered")
	h.Restart("n2")
	assert.Equal(t, 7, h.Node("n2").Status().Commit)
}
