package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// Snapshots as bytes, for protocols that compact their logs: a server
// encodes its Machine's Snapshot at an applied position, keeps the bytes
// (and sends them, in chunks, to a lagging replica), and a replica that
// decodes and restores them is where the encoding server was at that
// position.

// snapshotMagic starts every encoding, so bytes of another kind are refused.
const snapshotMagic = "kv1"

// ErrBadSnapshot is wrapped by DecodeSnapshot errors.
var ErrBadSnapshot = errors.New("kv: bad snapshot")

// Encode renders the snapshot as bytes: every key's value and every
// client's session, in the snapshot's sorted order, so equal states encode
// to equal bytes. The sessions are part of the state: a replica restored
// without them would execute a retried request a second time.
func (s Snapshot) Encode() []byte {
	b := append(make([]byte, 0, 64+16*len(s.Data)), snapshotMagic...)
	b = binary.AppendUvarint(b, uint64(len(s.Data)))
	for _, p := range s.Data {
		b = appendString(b, p.Key)
		b = appendString(b, p.Value)
	}
	b = binary.AppendUvarint(b, uint64(len(s.Sessions)))
	for _, c := range s.Sessions {
		b = appendString(b, string(c.Client))
		b = binary.AppendUvarint(b, c.Seq)
		b = appendString(b, c.Result)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// DecodeSnapshot reads Encode's bytes back.
func DecodeSnapshot(b []byte) (Snapshot, error) {
	var s Snapshot
	if len(b) < len(snapshotMagic) || string(b[:len(snapshotMagic)]) != snapshotMagic {
		return s, fmt.Errorf("%w: not a kv snapshot", ErrBadSnapshot)
	}
	d := decoder{b: b[len(snapshotMagic):]}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		k := d.str()
		s.Data = append(s.Data, Pair{Key: k, Value: d.str()})
	}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		c := protocols.NodeID(d.str())
		seq := d.uvarint()
		s.Sessions = append(s.Sessions, ClientSession{Client: c, Seq: seq, Result: d.str()})
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.b))
	}
	if d.err != nil {
		return Snapshot{}, fmt.Errorf("%w: %w", ErrBadSnapshot, d.err)
	}
	return s, nil
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
