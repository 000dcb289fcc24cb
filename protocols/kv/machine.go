package kv

import (
	"slices"
	"strconv"
	"unsafe"

	"github.com/dsimlab/dsim/protocols"
)

// Outcome says what Machine.Apply did with a request.
type Outcome uint8

// The outcomes of Apply.
const (
	// Executed: the request was new and took effect.
	Executed Outcome = iota + 1
	// Duplicate: the client's latest request, already executed; the cached
	// result is returned and nothing changes.
	Duplicate
	// Stale: older than the client's latest executed request. The client has
	// moved on and will ignore any reply; nothing changes.
	Stale
)

// String names the outcome: executed, duplicate or stale.
func (o Outcome) String() string {
	switch o {
	case Executed:
		return "executed"
	case Duplicate:
		return "duplicate"
	case Stale:
		return "stale"
	}
	return "outcome?"
}

// Machine is the replicated KV state machine with at-most-once semantics.
// Replicas that apply the same requests in the same order reach the same
// state and return the same results. The zero Machine is not usable; call
// NewMachine.
type Machine struct {
	data     smallMap[string, string]
	sessions smallMap[protocols.NodeID, session]
	appended textChunk
}

// textChunk holds the values appends make (and a client's values to
// write), one after another, so that each costs no allocation of its own (profiles of BenchmarkRaftChaos
// showed appends' string concatenations as 8% of a run's allocations). The
// chunk is only ever written past its length, past every value it has
// handed out, so each stays as it was, in results and replies too; a full
// chunk is let go to the values that still point into it. (A
// strings.Builder does the same, with checks at every write that cost more
// than the append.)
type textChunk struct {
	buf  []byte
	next int // the size of the next chunk
}

// Chunks start small, for machines that see few appends, and double up to
// textChunkLen: many values of a few dozen bytes.
const (
	textChunkFirst = 256
	textChunkLen   = 4 << 10
)

// concat returns v+s. When v lies at the end of the chunk (the last value
// an append made, usually of the same key), s is written just after it;
// otherwise both are copied to the end of the chunk.
func (t *textChunk) concat(v, s string) string {
	n := len(t.buf)
	if len(v) <= n && len(s) <= cap(t.buf)-n && unsafe.StringData(v) == unsafe.SliceData(t.buf[n-len(v):]) {
		t.buf = append(t.buf, s...)
		return unsafe.String(unsafe.SliceData(t.buf[n-len(v):]), len(v)+len(s))
	}
	n = t.room(len(v) + len(s))
	t.buf = append(t.buf, v...)
	t.buf = append(t.buf, s...)
	return unsafe.String(unsafe.SliceData(t.buf[n:]), len(v)+len(s))
}

// text returns b as a string, copied to the end of the chunk: a string
// conversion without an allocation of its own.
func (t *textChunk) text(b []byte) string {
	n := t.room(len(b))
	t.buf = append(t.buf, b...)
	return unsafe.String(unsafe.SliceData(t.buf[n:]), len(b))
}

// idText returns the text id.n (c1.7), written straight to the end of
// the chunk: no allocation, and no copy from a buffer it was built in.
func (t *textChunk) idText(id string, n uint64) string {
	at := t.room(len(id) + 1 + maxUintDigits)
	t.buf = append(t.buf, id...)
	t.buf = append(t.buf, '.')
	t.buf = strconv.AppendUint(t.buf, n, 10)
	return unsafe.String(unsafe.SliceData(t.buf[at:]), len(t.buf)-at)
}

// maxUintDigits is the most digits a uint64 takes in decimal.
const maxUintDigits = 20

// room makes room for k more bytes at the end of the chunk, in a fresh
// chunk when this one lacks it (strings taken from the full chunk keep it),
// and returns where they go.
func (t *textChunk) room(k int) int {
	if cap(t.buf)-len(t.buf) < k {
		t.next = min(max(2*t.next, textChunkFirst), textChunkLen)
		t.buf = make([]byte, 0, max(t.next, k))
	}
	return len(t.buf)
}

// session is what a Machine remembers per client: its latest executed
// request and that request's result. One entry suffices because a client
// has at most one operation outstanding.
type session struct {
	seq    uint64
	result string
}

// NewMachine returns an empty state machine.
func NewMachine() *Machine {
	return &Machine{}
}

// Apply executes r unless it was executed before, and returns its result
// (the value for a get, "" for a write) and what happened.
func (m *Machine) Apply(r Request) (string, Outcome) { return m.ApplyAt(&r) }

// ApplyAt is Apply of the request r points to, read in place: a server
// applying the entries of its log applies each where the log holds it,
// rather than copying its hundred bytes into an argument. r is not changed.
func (m *Machine) ApplyAt(r *Request) (string, Outcome) {
	var s *session // the client's, read and updated in place (data is another map)
	if at := m.sessions.find(r.Client); at >= 0 {
		s = &m.sessions.vals[at]
		switch {
		case r.Seq == s.seq:
			return s.result, Duplicate
		case r.Seq < s.seq:
			return "", Stale
		}
	}
	var result string
	switch r.Op.Kind {
	case Get:
		result, _ = m.data.get(r.Op.Key)
	case Put:
		*m.data.slot(r.Op.Key) = r.Op.Value
	case Append:
		v := m.data.slot(r.Op.Key)
		*v = m.appended.concat(*v, r.Op.Value)
	default:
		// A malformed op still consumes its sequence number, so every
		// replica treats it the same way; it changes nothing.
	}
	if s != nil {
		s.seq, s.result = r.Seq, result
	} else {
		m.sessions.add(r.Client, session{seq: r.Seq, result: result})
	}
	return result, Executed
}

// Cached returns the result of the client's request seq if it is the
// client's latest executed request. Servers use it to answer a retry of an
// operation that already took effect without ordering it again.
func (m *Machine) Cached(client protocols.NodeID, seq uint64) (string, bool) {
	s, ok := m.sessions.get(client)
	if !ok || s.seq != seq {
		return "", false
	}
	return s.result, true
}

// LastSeq returns the sequence number of the client's latest executed
// request, or 0.
func (m *Machine) LastSeq(client protocols.NodeID) uint64 {
	s, _ := m.sessions.get(client)
	return s.seq
}

// Value returns the current value of key ("" when absent).
func (m *Machine) Value(key string) string {
	v, _ := m.data.get(key)
	return v
}

// Keys returns the keys that have been written, sorted.
func (m *Machine) Keys() []string { return slices.Sorted(slices.Values(m.data.keys)) }

// Snapshot is a Machine's whole state as a value: every key with its value
// and every client's session, each sorted, so that two machines in the same
// state have equal snapshots. Protocols that transfer state between
// replicas (PBFT's checkpoints) digest it, send it and restore it. It shares
// no memory with the Machine it was taken from.
type Snapshot struct {
	Data     []Pair          // sorted by key
	Sessions []ClientSession // sorted by client
}

// Pair is one key and its value.
type Pair struct{ Key, Value string }

// ClientSession is what a Machine remembers of one client: its latest
// executed request and that request's result.
type ClientSession struct {
	Client protocols.NodeID
	Seq    uint64
	Result string
}

// Snapshot returns the machine's state.
func (m *Machine) Snapshot() Snapshot {
	s := Snapshot{Data: make([]Pair, 0, m.data.len()), Sessions: make([]ClientSession, 0, m.sessions.len())}
	for _, i := range m.data.sorted() {
		s.Data = append(s.Data, Pair{Key: m.data.keys[i], Value: m.data.vals[i]})
	}
	for _, i := range m.sessions.sorted() {
		se := &m.sessions.vals[i]
		s.Sessions = append(s.Sessions, ClientSession{Client: m.sessions.keys[i], Seq: se.seq, Result: se.result})
	}
	return s
}

// Restore returns a new machine in the state the snapshot holds.
func (s Snapshot) Restore() *Machine {
	m := NewMachine()
	for _, p := range s.Data {
		m.data.set(p.Key, p.Value)
	}
	for _, c := range s.Sessions {
		m.sessions.set(c.Client, session{seq: c.Seq, result: c.Result})
	}
	return m
}

// State returns a copy of the machine's keys and values.
func (m *Machine) State() map[string]string {
	out := make(map[string]string, m.data.len())
	for i, k := range m.data.keys {
		out[k] = m.data.vals[i]
	}
	return out
}
