package abd

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// The durable records. A server replays them on restart, oldest first.

// StoredRecord is a register's new value, synced before the StoreAck
// leaves, so that an acknowledged store survives a crash (PROTOCOLS.md
// SC-A4) and a tag never goes back (A-TAGMONO).
type StoredRecord struct {
	Key   string
	Tag   Tag
	Value string
}

// String renders the record as Stored{k1 6:c1#7 "c1.7"}.
func (r StoredRecord) String() string {
	b := append([]byte("Stored{"), r.Key...)
	b = append(b, ' ')
	b = r.Tag.appendText(b)
	b = append(b, ' ')
	b = strconv.AppendQuote(b, r.Value)
	return string(append(b, '}'))
}

// Served records that a coordinator took on a client's request, before it
// starts it: a duplicate of the request arriving later, even after a
// restart, is ignored rather than executed a second time (a put executed
// again after later writes would overwrite them).
type Served struct {
	Client  protocols.NodeID
	Seq     uint64
	Attempt uint32 // the client's send that started it (kv Request.Attempt)
}

// String renders the record as Served{c1#7/2}: operation 7, second send.
func (r Served) String() string {
	return "Served{" + string(r.Client) + "#" + strconv.FormatUint(r.Seq, 10) + "/" + strconv.FormatUint(uint64(r.Attempt), 10) + "}"
}

// Incarnation numbers a server's starts, so that the phase IDs of one
// incarnation never collide with an earlier one's.
type Incarnation struct{ N uint64 }

// String renders the record as Incarnation{2}.
func (r Incarnation) String() string { return "Incarnation{" + strconv.FormatUint(r.N, 10) + "}" }

// Storing records that a coordinator began storing a client's write (its
// second phase) with this tag and value, before the first Store leaves.
// After a restart the coordinator has forgotten its operations in flight:
// a retry of one with a Storing record finishes the store phase with the
// same tag and value (storing them again changes nothing), and one
// without certainly had no effect yet (a read's write-back only spreads a
// value already written, and a write stores nothing before its second
// phase), so it may run again.
type Storing struct {
	Client protocols.NodeID
	Seq    uint64
	Tag    Tag
	Value  string
}

// String renders the record as Storing{c1#7 6:c1#7 "c1.7"}.
func (r Storing) String() string {
	b := append([]byte("Storing{"), r.Client...)
	b = append(b, '#')
	b = strconv.AppendUint(b, r.Seq, 10)
	b = append(b, ' ')
	b = r.Tag.appendText(b)
	b = append(b, ' ')
	b = strconv.AppendQuote(b, r.Value)
	return string(append(b, '}'))
}
