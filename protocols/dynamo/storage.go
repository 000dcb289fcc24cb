package dynamo

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// The durable records, replayed oldest first on restart.

// EntryRecord is a key's new version in the server's own store, synced
// before the acknowledgement leaves.
type EntryRecord struct {
	Key     string
	Version Version
	Value   string
}

// String renders the record as Entry{k1 6:c1#7 "c1.7"}.
func (r EntryRecord) String() string {
	return string(append(versioned(append([]byte("Entry{"), r.Key...), r.Version, r.Value), '}'))
}

// HintRecord is a write kept for the home replica Home, synced before the
// acknowledgement leaves.
type HintRecord struct {
	Home    protocols.NodeID
	Key     string
	Version Version
	Value   string
}

// String renders the record as Hint{n2 k1 6:c1#7 "c1.7"}.
func (r HintRecord) String() string {
	b := append(append(append([]byte("Hint{"), r.Home...), ' '), r.Key...)
	return string(append(versioned(b, r.Version, r.Value), '}'))
}

// HintDone records that Home acknowledged the hinted write (Key, Version).
type HintDone struct {
	Home    protocols.NodeID
	Key     string
	Version Version
}

// String renders the record as HintDone{n2 k1 6:c1#7}.
func (r HintDone) String() string {
	b := append(append(append(append([]byte("HintDone{"), r.Home...), ' '), r.Key...), ' ')
	return string(append(r.Version.appendText(b), '}'))
}

// Served, Storing and Incarnation are as in package abd: the latest
// request a coordinator took on per client, the latest write per client
// that reached its store phase, and the count of starts.
type Served struct {
	Client protocols.NodeID
	Seq    uint64
}

// String renders the record as Served{c1#7}.
func (r Served) String() string {
	return "Served{" + string(r.Client) + "#" + strconv.FormatUint(r.Seq, 10) + "}"
}

// Storing records that a write began its store phase.
type Storing struct {
	Client protocols.NodeID
	Seq    uint64
}

// String renders the record as Storing{c1#7}.
func (r Storing) String() string {
	return "Storing{" + string(r.Client) + "#" + strconv.FormatUint(r.Seq, 10) + "}"
}

// Incarnation numbers a server's starts.
type Incarnation struct{ N uint64 }

// String renders the record as Incarnation{2}.
func (r Incarnation) String() string { return "Incarnation{" + strconv.FormatUint(r.N, 10) + "}" }
