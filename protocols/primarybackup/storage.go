package primarybackup

import (
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// A server's durable store is a write-ahead log of records, replayed in
// order on restart. Each is persisted in the step that makes the change,
// and the driver syncs a step's records before it sends the step's
// messages: a primary's entry is durable before it is forwarded, a
// backup's before it acknowledges it. See design.md.

// ViewRecord records the latest view a server knows; the last one wins.
// A restarted primary can take up its view again without the view
// service, which may be down.
type ViewRecord struct{ View View }

// String renders the record as View{3:n2,n3}.
func (r ViewRecord) String() string { return "View{" + r.View.String() + "}" }

// LogAppend records entries appended to the log at From (one past its end).
type LogAppend struct {
	From    int
	Entries []Entry // owned by the record, never mutated
}

// String renders the record as Append{from=13 entries=13..14}.
func (r LogAppend) String() string {
	return "Append{from=" + strconv.Itoa(r.From) + " entries=" + string(appendRange(nil, r.From, r.From+len(r.Entries)-1)) + "}"
}

// LogReplace records a state transfer: the whole log became Entries, sent
// by the primary of view View.
type LogReplace struct {
	View    uint64
	Entries []Entry // owned by the record, never mutated
}

// String renders the record as Replace{view=3 entries=1..12}.
func (r LogReplace) String() string {
	return "Replace{view=" + strconv.FormatUint(r.View, 10) + " entries=" + string(appendRange(nil, 1, len(r.Entries))) + "}"
}

// ViewState is the view service's durable state: the current view and
// whether its primary has acknowledged it. Written whenever either
// changes; the last one wins.
type ViewState struct {
	View  View
	Acked bool
}

// String renders the record as ViewState{3:n2,n3 acked}.
func (r ViewState) String() string {
	s := "ViewState{" + r.View.String()
	if r.Acked {
		s += " acked"
	}
	return s + "}"
}

// recover rebuilds a server's view and log from its store.
func (n *server) recover(store []protocols.Record) {
	for _, r := range store {
		switch r := r.(type) {
		case ViewRecord:
			n.view = r.View
		case LogAppend:
			if r.From != n.log.last()+1 {
				panic(fmt.Sprintf("primarybackup: %s: %v does not continue a log ending at %d", n.id, r, n.log.last()))
			}
			n.log.append(r.Entries...)
		case LogReplace:
			n.log.replace(r.Entries)
			n.sv = r.View
		default:
			panic(fmt.Sprintf("primarybackup: %s: unknown record %T in store", n.id, r))
		}
	}
}
