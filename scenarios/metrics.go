package scenarios

import (
	"unsafe"

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
	kindMemo  [1 << kindMemoBits]kindSlot
	memoed    int    // slots of kindMemo in use
	mul       uint64 // kindSlot's multiplier
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
	m.memoKinds()
	m.nodes = append(append(m.nodes, w.Servers()...), w.Clients()...) // sim.Info.Index's order
	m.sent = make([]uint64, len(m.nodes))
	m.recv = make([]uint64, len(m.nodes))
	return m
}

// moments counts the teaching moments of an event, given what
// Display.Moments found in it, gathered as Display.MomentsOf would.
func (m *metrics) moments(ev *sim.Info, derived []protocols.Moment) {
	pe := protocols.Event{Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Input: ev.Input, Notes: ev.Notes}
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
// names the same bytes.
type kindSlot struct {
	data *byte // keeps the bytes alive, so no other string can reuse them
	end  int   // the kind's length plus one: never 0, as in a free slot
	i    int
}

// kindMemo has 1<<kindMemoBits slots and remembers at most kindMemoLimit
// kinds, so that kinds built afresh for every message cannot fill it.
const (
	kindMemoBits  = 6
	kindMemoLimit = 16
)

// kindMultipliers are odd constants for the multiplicative hash of a
// kind's address; newMetrics takes the first that gives every declared
// kind a slot of its own, whatever addresses the linker gave them.
var kindMultipliers = [...]uint64{
	0x9e3779b97f4a7c15, 0xc2b2ae3d27d4eb4f, 0x165667b19e3779f9, 0xd6e8feb86659fd93,
	0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53, 0x94d049bb133111eb, 0xbf58476d1ce4e5b9,
}

// kindSlot is the slot of kindMemo for the kind of length n whose bytes
// are at p: the length counts, as kinds may share their first bytes.
func (m *metrics) kindSlot(p *byte, n int) uint {
	return uint((uint64(uintptr(unsafe.Pointer(p))) + uint64(n)) * m.mul >> (64 - kindMemoBits))
}

// memoKinds picks the multiplier and remembers the declared kinds, each
// in a slot of its own when a multiplier allows.
func (m *metrics) memoKinds() {
	m.mul = kindMultipliers[0]
	for _, mul := range kindMultipliers {
		m.mul = mul
		var used uint64
		for _, k := range m.kinds {
			bit := uint64(1) << m.kindSlot(unsafe.StringData(k), len(k))
			if used&bit != 0 {
				used = 0
				break
			}
			used |= bit
		}
		if used != 0 || len(m.kinds) == 0 {
			break
		}
	}
	for i, k := range m.kinds {
		m.remember(k, i)
	}
}

// memoKind finds a remembered kind: small enough to be inlined into
// observe, where kindIndex is not.
func (m *metrics) memoKind(k string) (int, bool) {
	p := unsafe.StringData(k)
	s := &m.kindMemo[m.kindSlot(p, len(k))]
	return s.i, s.data == p && s.end == len(k)+1
}

// kindIndex returns the position in kinds of a kind memoKind did not find,
// adding it if it is new, and remembers it if its slot is free.
func (m *metrics) kindIndex(k string) int {
	i := m.scanKinds(k)
	m.remember(k, i)
	return i
}

// remember puts kind k, at position i in kinds, in its slot if that is
// free and the memo not full.
func (m *metrics) remember(k string, i int) {
	p := unsafe.StringData(k)
	if p == nil || m.memoed == kindMemoLimit {
		return
	}
	if s := &m.kindMemo[m.kindSlot(p, len(k))]; s.data == nil {
		*s = kindSlot{data: p, end: len(k) + 1, i: i}
		m.memoed++
	}
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
