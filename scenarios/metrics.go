package scenarios

import (
	"math"
	"unsafe"

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
	kindMemo  [kindMemoSize]kindSlot
	memoed    int // slots of kindMemo in use
	nodes     []protocols.NodeID
	sent      []uint64
	recv      []uint64
	bytes     uint64
	elections int
	first     clock.Time     // the first leader's time; -1 before one
	counts    map[string]int // moments by kind
}

func newMetrics(p *protocols.Protocol, w *sim.World) *metrics {
	m := &metrics{disp: &p.Display, size: p.MessageSize, kinds: p.Kinds(), first: -1}
	m.byKind = make([]uint64, len(m.kinds))
	m.nodes = append(append(m.nodes, w.Servers()...), w.Clients()...) // sim.Info.Index's order
	m.sent = make([]uint64, len(m.nodes))
	m.recv = make([]uint64, len(m.nodes))
	return m
}

// observe counts one event. The runner calls it from its own observer.
func (m *metrics) observe(ev *sim.Info) {
	if len(ev.Sends) > 0 {
		m.sent[ev.Index] += uint64(len(ev.Sends))
		for i := range ev.Sends {
			msg := ev.Sends[i].Msg
			k := msg.Kind()
			j, ok := m.memoKind(k)
			if !ok {
				j = m.kindIndex(k)
			}
			m.byKind[j]++
			if m.size != nil {
				m.bytes += uint64(m.size(msg))
			}
		}
	}
	if ev.Input == protocols.Receive {
		m.recv[ev.Index]++
	}
	if len(ev.Notes) > 0 {
		m.moments(ev)
	}
}

// moments counts an event's teaching moments. Display.Moments must see
// every event with notes, but it seldom finds a moment; only then are they
// gathered as Display.MomentsOf would.
func (m *metrics) moments(ev *sim.Info) {
	noted := hasMomentNote(ev.Notes)
	if m.disp.Moments == nil && !noted {
		return
	}
	pe := protocols.Event{Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Input: ev.Input, Notes: ev.Notes}
	var derived []protocols.Moment
	if m.disp.Moments != nil {
		derived = m.disp.Moments(pe)
	}
	if len(derived) == 0 && !noted {
		return
	}
	for _, mo := range protocols.GatherMoments(pe, derived) {
		if m.counts == nil {
			m.counts = map[string]int{}
		}
		m.counts[mo.Kind]++
		if mo.Kind == protocols.MomentLeader {
			m.elections++
			if m.first < 0 {
				m.first = ev.Time
			}
		}
	}
}

// kindSlot remembers a kind's position in kinds by where its bytes are:
// kinds are almost always string constants, so every message of a kind
// names the same bytes, found at the slot of kindMemo their address hashes
// to (or, after a collision, a later one).
type kindSlot struct {
	data *byte // keeps the bytes alive, so no other string can reuse them
	end  int   // the kind's length plus one: never 0, as in a free slot
	i    int
}

// kindMemoSize is a power of two; rememberKind fills at most half of it,
// so probes stay short even when kinds are built afresh for every message.
const kindMemoSize = 32

// kindHash is the slot of kindMemo where a kind whose bytes are at p is
// looked for first: the top bits of a Fibonacci hash of the address.
func kindHash(p *byte) uint {
	return uint(uintptr(unsafe.Pointer(p)) * 0x9e3779b97f4a7c15 >> (64 - 5))
}

// memoKind is the first probe of kindIndex, all a constant kind needs:
// small enough to be inlined into observe, where kindIndex is not.
func (m *metrics) memoKind(k string) (int, bool) {
	p := unsafe.StringData(k)
	s := &m.kindMemo[kindHash(p)]
	return s.i, s.data == p && s.end == len(k)+1
}

// kindIndex returns the position of a message kind in kinds, adding it if
// it is new: by its bytes' address in kindMemo, else by its text, and then
// it remembers the address when there is room.
func (m *metrics) kindIndex(k string) int {
	p := unsafe.StringData(k)
	if p == nil {
		return m.scanKinds(k)
	}
	h := kindHash(p)
	free := -1
	for probe := range uint(kindMemoSize) {
		at := (h + probe) % kindMemoSize
		s := &m.kindMemo[at]
		if s.data == p && s.end == len(k)+1 {
			return s.i
		}
		if s.data == nil {
			free = int(at)
			break
		}
	}
	i := m.scanKinds(k)
	if free >= 0 && m.memoed < kindMemoSize/2 {
		m.kindMemo[free] = kindSlot{data: p, end: len(k) + 1, i: i}
		m.memoed++
	}
	return i
}

// scanKinds finds a kind by its text, adding it if it is new.
func (m *metrics) scanKinds(k string) int {
	for i, have := range m.kinds {
		if have == k {
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
	res.Moments = m.counts
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
