package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// Snapshots of the state machine, for protocols that compact their logs:
// a server encodes its Machine at an applied position, keeps the bytes
// (and sends them to a lagging replica), and a replica that restores from
// them is where the encoding server was at that position.

// snapshotMagic starts every encoding, so bytes of another kind are refused.
const snapshotMagic = "kv1"

// ErrBadSnapshot is wrapped by DecodeMachine errors.
var ErrBadSnapshot = errors.New("kv: bad snapshot")

// Snapshot encodes the whole state: every key's value and every client's
// session (its latest executed request and result). Keys and clients are
// sorted, so equal machines encode to equal bytes. The sessions are part of
// the state: a replica restored without them would execute a retried
// request a second time.
func (m *Machine) Snapshot() []byte { return m.encode(true) }

// SnapshotWithoutSessions encodes the values alone, forgetting the dedup
// table: what a snapshot that leaves out the at-most-once state holds. It
// exists for bug variants that show why a snapshot must include it (MIT
// 6.824's key-value lab warns about exactly this).
func (m *Machine) SnapshotWithoutSessions() []byte { return m.encode(false) }

func (m *Machine) encode(sessions bool) []byte {
	b := append(make([]byte, 0, 64+16*len(m.data)), snapshotMagic...)
	b = binary.AppendUvarint(b, uint64(len(m.data)))
	for _, k := range slices.Sorted(maps.Keys(m.data)) {
		b = appendString(b, k)
		b = appendString(b, m.data[k])
	}
	if !sessions {
		return binary.AppendUvarint(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(m.sessions)))
	for _, c := range slices.Sorted(maps.Keys(m.sessions)) {
		s := m.sessions[c]
		b = appendString(b, string(c))
		b = binary.AppendUvarint(b, s.seq)
		b = appendString(b, s.result)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// DecodeMachine rebuilds a Machine from Snapshot's bytes.
func DecodeMachine(b []byte) (*Machine, error) {
	d := decoder{b: b}
	if len(b) < len(snapshotMagic) || string(b[:len(snapshotMagic)]) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a kv snapshot", ErrBadSnapshot)
	}
	d.b = d.b[len(snapshotMagic):]
	m := NewMachine()
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		k := d.str()
		m.data[k] = d.str()
	}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		c := protocols.NodeID(d.str())
		seq := d.uvarint()
		m.sessions[c] = session{seq: seq, result: d.str()}
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSnapshot, d.err)
	}
	return m, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errors.New("truncated number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errors.New("truncated string")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// Restored is the Note a replicated KV server emits when it replaces its
// Machine with a snapshot's: after a restart from a store that holds one,
// or on installing one a leader sent. Its state is then that of a replica
// that applied the log up to Index (whose entry has term Term); it applies
// from Index+1 on. For the shared convergence check it counts as applying
// up to Index.
type Restored struct {
	Index int
	Term  uint64
}

// AppliedIndex implements protocols.AppliedNote.
func (n Restored) AppliedIndex() int { return n.Index }

// String renders the note as restored 120/3.
func (n Restored) String() string {
	return "restored " + strconv.Itoa(n.Index) + "/" + strconv.FormatUint(n.Term, 10)
}
