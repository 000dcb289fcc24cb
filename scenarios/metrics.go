package scenarios

import (
	"math"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// The richer metrics of a result: messages by kind and by node, bytes when
// the protocol sizes its messages, elections and the time to the first
// leader (counted from MomentLeader teaching moments), throughput over
// time, and latency max and mean beside p50 and p99. One observer gathers
// them as the run goes, cheaply: it counts what each event sent.

// NodeMsgs counts one node's messages.
type NodeMsgs struct {
	Sent     uint64 `json:"sent"`
	Received uint64 `json:"received"`
}

// metrics is the observer that gathers them.
type metrics struct {
	disp      *protocols.Display
	size      func(protocols.Message) int
	kinds     []string
	byKind    []uint64
	nodes     []protocols.NodeID
	sent      []uint64
	recv      []uint64
	bytes     uint64
	elections int
	first     clock.Time // the first leader's time; -1 before one
	moments   map[string]int
}

func newMetrics(p *protocols.Protocol, w *sim.World) *metrics {
	m := &metrics{disp: &p.Display, size: p.MessageSize, kinds: p.Kinds(), first: -1}
	m.byKind = make([]uint64, len(m.kinds))
	m.nodes = append(append(m.nodes, w.Servers()...), w.Clients()...) // sim.Info.Index's order
	m.sent = make([]uint64, len(m.nodes))
	m.recv = make([]uint64, len(m.nodes))
	return m
}

func (m *metrics) observe(_ *sim.World, ev *sim.Info) {
	if len(ev.Sends) > 0 {
		m.sent[ev.Index] += uint64(len(ev.Sends))
		for _, s := range ev.Sends {
			m.byKind[m.kindIndex(s.Msg.Kind())]++
			if m.size != nil {
				m.bytes += uint64(m.size(s.Msg))
			}
		}
	}
	if ev.Input == protocols.Receive {
		m.recv[ev.Index]++
	}
	if len(ev.Notes) > 0 && (m.disp.Moments != nil || hasMomentNote(ev.Notes)) {
		for _, mo := range m.disp.MomentsOf(protocols.Event{Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Input: ev.Input, Notes: ev.Notes}) {
			if m.moments == nil {
				m.moments = map[string]int{}
			}
			m.moments[mo.Kind]++
			if mo.Kind == protocols.MomentLeader {
				m.elections++
				if m.first < 0 {
					m.first = ev.Time
				}
			}
		}
	}
}

// kindIndex returns the position of a message kind in kinds, adding it
// if it is new. Kinds are almost always string constants, which
// protocols.SameString finds by where they point: a handful of kinds, so
// a scan beats a map.
func (m *metrics) kindIndex(k string) int {
	for i, have := range m.kinds {
		if protocols.SameString(have, k) {
			return i
		}
	}
	m.kinds = append(m.kinds, k)
	m.byKind = append(m.byKind, 0)
	return len(m.kinds) - 1
}

// fill adds the metrics to a result.
func (m *metrics) fill(res *Result) {
	res.MessagesByKind = map[string]uint64{}
	for i, k := range m.kinds {
		if m.byKind[i] > 0 {
			res.MessagesByKind[k] = m.byKind[i]
		}
	}
	res.MessagesByNode = map[string]NodeMsgs{}
	for i, id := range m.nodes {
		if m.sent[i] > 0 || m.recv[i] > 0 {
			res.MessagesByNode[string(id)] = NodeMsgs{Sent: m.sent[i], Received: m.recv[i]}
		}
	}
	if m.size != nil {
		b := m.bytes
		res.Bytes = &b
	}
	res.Elections = m.elections
	if m.first >= 0 {
		v := ms(m.first)
		res.FirstLeaderMS = &v
	}
	res.Moments = m.moments
}

// throughput is the operations completed in each second of virtual time,
// from the first second to the end of the run.
func throughput(ops []checker.Op, end clock.Time) []float64 {
	n := int(math.Ceil(float64(end) / float64(clock.Second)))
	if n <= 0 {
		return nil
	}
	out := make([]float64, n)
	for _, op := range ops {
		if op.Outcome == checker.OutcomeOK {
			out[min(int(op.Return/int64(clock.Second)), n-1)]++
		}
	}
	return out
}

// latencyStats are the max and mean latency of completed operations.
func latencyStats(ops []checker.Op) (maxL, mean clock.Duration) {
	var sum clock.Duration
	n := 0
	for _, op := range ops {
		if op.Outcome == checker.OutcomeOK {
			l := clock.Duration(op.Return - op.Call)
			maxL = max(maxL, l)
			sum += l
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return maxL, sum / clock.Duration(n)
}

func hasMomentNote(notes []protocols.Note) bool {
	for _, n := range notes {
		if _, ok := n.(protocols.Moment); ok {
			return true
		}
	}
	return false
}
